"""The move vocabulary: chess moves <-> indices, seen from the mover's side of the board.

Black's moves are mirrored vertically (a8 becomes a1) before they are looked up, so "advance the
king's pawn two squares" has one index for both colours. The vocabulary holds every from-to pair a
queen or a knight could make on an empty board (1,792) plus the under-promotions to knight, bishop
and rook (66): 1,858 moves. A promotion to a queen is the plain from-to pair.

>>> import chess
>>> board = chess.Board()
>>> index = move_to_index(chess.Move.from_uci("e2e4"), board.turn)
>>> index_to_move(index, board)
Move.from_uci('e2e4')
"""

from __future__ import annotations

import hashlib
from typing import Final

import chess
import numpy as np

VOCAB_VERSION: Final = "kibitz-moves-1"

MoveIndex = int
_Key = tuple[chess.Square, chess.Square, "chess.PieceType | None"]

_QUEEN_DIRECTIONS: Final = [(0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1)]
_KNIGHT_JUMPS: Final = [(1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)]
_UNDERPROMOTIONS: Final = (chess.KNIGHT, chess.BISHOP, chess.ROOK)


def _build_vocabulary() -> list[_Key]:
    keys: list[_Key] = []
    for origin in chess.SQUARES:
        file, rank = chess.square_file(origin), chess.square_rank(origin)
        targets: list[chess.Square] = []
        for df, dr in _QUEEN_DIRECTIONS:
            for distance in range(1, 8):
                f, r = file + df * distance, rank + dr * distance
                if not (0 <= f < 8 and 0 <= r < 8):
                    break
                targets.append(chess.square(f, r))
        for df, dr in _KNIGHT_JUMPS:
            f, r = file + df, rank + dr
            if 0 <= f < 8 and 0 <= r < 8:
                targets.append(chess.square(f, r))
        keys.extend((origin, target, None) for target in sorted(targets))
    for file in range(8):
        origin = chess.square(file, 6)
        for df in (-1, 0, 1):
            if 0 <= file + df < 8:
                target = chess.square(file + df, 7)
                keys.extend((origin, target, piece) for piece in _UNDERPROMOTIONS)
    return keys


_KEYS: Final = _build_vocabulary()
_INDEX_OF: Final = {key: index for index, key in enumerate(_KEYS)}

VOCAB_SIZE: Final = len(_KEYS)
#: Input index meaning "no previous move" (the first ply of a game); not an output class.
NO_MOVE: Final = VOCAB_SIZE
VOCAB_HASH: Final = hashlib.sha256(repr(_KEYS).encode()).hexdigest()[:16]


def _to_mover_frame(square: chess.Square, turn: chess.Color) -> chess.Square:
    return square if turn == chess.WHITE else chess.square_mirror(square)


def move_to_index(move: chess.Move, turn: chess.Color) -> MoveIndex:
    """Index of ``move`` made by the side ``turn``.

    :raises KeyError: for a move no piece could make (a null move, a drop).
    """
    promotion = None if move.promotion in (None, chess.QUEEN) else move.promotion
    key = (_to_mover_frame(move.from_square, turn), _to_mover_frame(move.to_square, turn), promotion)
    return _INDEX_OF[key]


def index_to_move(index: MoveIndex, board: chess.Board) -> chess.Move:
    """The move with vocabulary ``index`` for the side to move on ``board`` (a pawn reaching the
    last rank without an under-promotion becomes a queen). Legality is not checked.

    :raises IndexError: when ``index`` is outside the vocabulary.
    """
    if not 0 <= index < VOCAB_SIZE:
        raise IndexError(f"move index {index} outside the vocabulary of {VOCAB_SIZE}")
    origin, target, promotion = _KEYS[index]
    origin, target = _to_mover_frame(origin, board.turn), _to_mover_frame(target, board.turn)
    if promotion is None and chess.square_rank(target) in (0, 7):
        if board.piece_type_at(origin) == chess.PAWN:
            promotion = chess.QUEEN
    return chess.Move(origin, target, promotion)


def legal_move_indices(board: chess.Board) -> tuple[np.ndarray, list[chess.Move]]:
    """Vocabulary indices of the legal moves on ``board`` (int64), with the moves in the same order."""
    moves = list(board.legal_moves)
    indices = np.fromiter((move_to_index(m, board.turn) for m in moves), dtype=np.int64, count=len(moves))
    return indices, moves
