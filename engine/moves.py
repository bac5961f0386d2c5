"""The move vocabulary, shared by training and serving: Maia-3's 4,352 policy outputs <-> python-chess moves.

Every move is seen from the side to move: a Black move is mirrored vertically first (rank r
becomes rank 9 - r), so White's e2e4 and Black's e7e5 share an index. Then

* a non-promotion is ``from * 64 + to`` (python-chess square numbers, a1 = 0 ... h8 = 63), 4,096
  indices; castling is the king's own move (e1g1, e1c1), as python-chess writes it;
* a promotion (always rank 7 -> 8 once mirrored) is ``4096 + (from_file * 8 + to_file) * 4 + piece``
  with piece 0 queen, 1 rook, 2 bishop, 3 knight: 256 indices, every piece explicit.

This is CSSLab's encoding (``maia3``; see ``kibitz.assets/maia3/README.md``); the tests check it
against their graph on thousands of real positions.

>>> board = chess.Board()
>>> move_to_index(chess.Move.from_uci("e2e4"), board.turn)
796
>>> board.push(chess.Move.from_uci("e2e4"))
>>> index_to_move(796, board.turn)          # the same index is Black's e7e5
Move.from_uci('e7e5')
>>> index_to_move(move_to_index(chess.Move.from_uci("b2a1n"), chess.BLACK), chess.BLACK)
Move.from_uci('b2a1n')
"""

from __future__ import annotations

import hashlib
from typing import Final

import chess
import numpy as np

VOCAB_VERSION: Final = "maia3-moves-1"
FROM_TO: Final = 64 * 64
PROMOTION_PIECES: Final = (chess.QUEEN, chess.ROOK, chess.BISHOP, chess.KNIGHT)
VOCAB_SIZE: Final = FROM_TO + 8 * 8 * len(PROMOTION_PIECES)
_PIECE_SLOT: Final = {piece: slot for slot, piece in enumerate(PROMOTION_PIECES)}
#: The adapter's "previous move" before the first ply of a game: one index past the vocabulary.
NO_MOVE: Final = VOCAB_SIZE
VOCAB_HASH: Final = hashlib.sha256(f"{VOCAB_VERSION}:{VOCAB_SIZE}:from*64+to,mirrored-for-black,"
                                   f"promotions-qrbn".encode()).hexdigest()[:16]


def _seen_by(square: chess.Square, turn: chess.Color) -> chess.Square:
    return square if turn == chess.WHITE else chess.square_mirror(square)


def move_to_index(move: chess.Move, turn: chess.Color) -> int:
    """The vocabulary index of ``move`` played by the side ``turn``.

    :raises ValueError: for a move the vocabulary has no index for (a null move, a promotion that
        does not go from the seventh rank to the eighth, a promotion to a king).
    """
    origin, target = _seen_by(move.from_square, turn), _seen_by(move.to_square, turn)
    if not move:
        raise ValueError("a null move has no index in Maia-3's vocabulary")
    if move.promotion is None:
        return origin * 64 + target
    if move.promotion not in _PIECE_SLOT or chess.square_rank(origin) != 6 or chess.square_rank(target) != 7:
        raise ValueError(f"{move.uci()} is not a promotion Maia-3's vocabulary knows")
    files = chess.square_file(origin) * 8 + chess.square_file(target)
    return FROM_TO + files * len(PROMOTION_PIECES) + _PIECE_SLOT[move.promotion]


def index_to_move(index: int, turn: chess.Color) -> chess.Move:
    """The move of vocabulary ``index`` for the side ``turn`` (legal or not: mask with the board).

    :raises ValueError: for an index outside the vocabulary.
    """
    if not 0 <= index < VOCAB_SIZE:
        raise ValueError(f"{index} is not an index of Maia-3's vocabulary (0 ... {VOCAB_SIZE - 1})")
    if index < FROM_TO:
        origin, target = divmod(index, 64)
        promotion = None
    else:
        files, slot = divmod(index - FROM_TO, len(PROMOTION_PIECES))
        origin_file, target_file = divmod(files, 8)
        origin, target = chess.square(origin_file, 6), chess.square(target_file, 7)
        promotion = PROMOTION_PIECES[slot]
    return chess.Move(_seen_by(origin, turn), _seen_by(target, turn), promotion)


def legal_move_indices(board: chess.Board) -> tuple[np.ndarray, list[chess.Move]]:
    """The legal moves of ``board`` (python-chess's order) and their vocabulary indices (int64)."""
    legal = list(board.legal_moves)
    return np.fromiter((move_to_index(m, board.turn) for m in legal), np.int64, len(legal)), legal
