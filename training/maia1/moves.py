"""The move vocabulary: chess moves <-> indices, seen from the mover's side of the board.

The order is exactly lc0's 1,858-move policy order, so the Maia-1 prior's outputs and kibitz's
adapter outputs index the same moves (one vocabulary for training and serving, never a mapping
table beside it). Black's moves are mirrored vertically (a8 becomes a1) before they are looked
up, so "advance the king's pawn two squares" has one index for both colours.

For each from-square a1..h8: every square a queen or a knight could reach from it on an empty
board, in ascending square order (1,792 moves); then for each seventh-rank pawn and direction
(left, straight, right) the promotions to queen, rook and bishop (66). Two lc0 conventions differ
from python-chess's moves and are translated here:

* a promotion to a knight is the plain from-to move (a queen promotion is explicit);
* castling is written king-takes-rook (e1h1, e1a1), not e1g1 / e1c1.

>>> import chess
>>> board = chess.Board()
>>> index = move_to_index(chess.Move.from_uci("e2e4"), board)
>>> index_to_move(index, board)
Move.from_uci('e2e4')
>>> italian = chess.Board("r1bqk1nr/pppp1ppp/2n5/2b1p3/2B1P3/5N2/PPPP1PPP/RNBQK2R w KQkq - 4 4")
>>> index_to_move(move_to_index(chess.Move.from_uci("e1g1"), italian), italian)
Move.from_uci('e1g1')
"""

from __future__ import annotations

import hashlib
from typing import Final

import chess
import numpy as np

VOCAB_VERSION: Final = "kibitz-moves-2"

MoveIndex = int
_Key = tuple[chess.Square, chess.Square, "chess.PieceType | None"]

_QUEEN_DIRECTIONS: Final = [(0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1)]
_KNIGHT_JUMPS: Final = [(1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)]
#: lc0's explicit promotions, in its order; a knight promotion is the plain from-to move.
_EXPLICIT_PROMOTIONS: Final = (chess.QUEEN, chess.ROOK, chess.BISHOP)


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
                keys.extend((origin, target, piece) for piece in _EXPLICIT_PROMOTIONS)
    return keys


_KEYS: Final = _build_vocabulary()
_INDEX_OF: Final = {key: index for index, key in enumerate(_KEYS)}

VOCAB_SIZE: Final = len(_KEYS)
#: Input index meaning "no previous move" (the first ply of a game); not an output class.
NO_MOVE: Final = VOCAB_SIZE
VOCAB_HASH: Final = hashlib.sha256(repr(_KEYS).encode()).hexdigest()[:16]

# Castling in the mover's frame: python-chess's king move -> lc0's king-takes-rook move.
_CASTLING_TO_LC0: Final = {
    (chess.E1, chess.G1): (chess.E1, chess.H1),
    (chess.E1, chess.C1): (chess.E1, chess.A1),
}
_CASTLING_FROM_LC0: Final = {lc0: standard for standard, lc0 in _CASTLING_TO_LC0.items()}


def _to_mover_frame(square: chess.Square, turn: chess.Color) -> chess.Square:
    return square if turn == chess.WHITE else chess.square_mirror(square)


def move_to_index(move: chess.Move, board: chess.Board) -> MoveIndex:
    """Index of ``move``, to be played on ``board`` (whose side to move makes it).

    The board is needed to tell castling (a king's e1g1, lc0's e1h1) from a rook or queen
    making the same from-to move.

    :raises KeyError: for a move no piece could make (a null move, a drop).
    """
    turn = board.turn
    origin, target = _to_mover_frame(move.from_square, turn), _to_mover_frame(move.to_square, turn)
    if (origin, target) in _CASTLING_TO_LC0 and board.is_castling(move):
        origin, target = _CASTLING_TO_LC0[(origin, target)]
    promotion = None if move.promotion in (None, chess.KNIGHT) else move.promotion
    return _INDEX_OF[(origin, target, promotion)]


def index_to_move(index: MoveIndex, board: chess.Board) -> chess.Move:
    """The move with vocabulary ``index`` for the side to move on ``board``, as python-chess
    writes it (castling e1g1, a pawn reaching the last rank without an explicit piece becomes a
    knight). Legality is not checked.

    :raises IndexError: when ``index`` is outside the vocabulary.
    """
    if not 0 <= index < VOCAB_SIZE:
        raise IndexError(f"move index {index} outside the vocabulary of {VOCAB_SIZE}")
    origin, target, promotion = _KEYS[index]
    if (origin, target) in _CASTLING_FROM_LC0 and promotion is None:
        real_origin = _to_mover_frame(origin, board.turn)
        if board.king(board.turn) == real_origin:
            origin, target = _CASTLING_FROM_LC0[(origin, target)]
    origin, target = _to_mover_frame(origin, board.turn), _to_mover_frame(target, board.turn)
    if promotion is None and chess.square_rank(target) in (0, 7):
        if board.piece_type_at(origin) == chess.PAWN:
            promotion = chess.KNIGHT
    return chess.Move(origin, target, promotion)


def legal_move_indices(board: chess.Board) -> tuple[np.ndarray, list[chess.Move]]:
    """Vocabulary indices of the legal moves on ``board`` (int64), with the moves in the same order."""
    moves = list(board.legal_moves)
    indices = np.fromiter((move_to_index(m, board) for m in moves), dtype=np.int64, count=len(moves))
    return indices, moves
