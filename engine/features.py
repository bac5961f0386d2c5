"""The position encoder shared by training and serving: a board -> a compact float32 vector.

Everything is seen from the side to move, with Black's boards mirrored vertically, so a position
and its colour-mirrored twin encode identically. The vector is deliberately compact (piece codes,
not one-hot planes): the model expands it into planes as its first layer, which keeps the
training cache small (one byte a value) and the Python work per ply tiny.

Layout (``FEATURE_SIZE`` = 70 values, all small integers stored as float32):

* ``[0:64]``  piece code per square a1..h8 of the mover's frame: 0 empty, 1..6 the mover's
  pawn..king, 7..12 the opponent's pawn..king;
* ``[64:68]`` castling rights: mover king side, mover queen side, opponent king side, opponent
  queen side (0 or 1);
* ``[68]``    file of a legal en-passant capture plus one (0 when there is none);
* ``[69]``    half-move clock of the fifty-move rule, capped at 255.

Repetitions and earlier moves are not encoded here: the model's recurrent state carries the game.

>>> import chess
>>> encode(chess.Board()).shape
(70,)
"""

from __future__ import annotations

import hashlib
from typing import Final

import chess
import numpy as np

FEATURE_VERSION: Final = "kibitz-features-1"
FEATURE_SIZE: Final = 70
PIECE_CODES: Final = 13  # empty + 6 own + 6 opponent
CASTLING_OFFSET: Final = 64
EN_PASSANT_OFFSET: Final = 68
HALFMOVE_OFFSET: Final = 69
FEATURE_HASH: Final = hashlib.sha256(
    f"{FEATURE_VERSION}:{FEATURE_SIZE}:{PIECE_CODES}:{CASTLING_OFFSET}:{EN_PASSANT_OFFSET}".encode()
).hexdigest()[:16]


def encode(board: chess.Board) -> np.ndarray:
    """Features of ``board`` from the side to move's point of view (float32, ``FEATURE_SIZE``)."""
    out = np.zeros(FEATURE_SIZE, dtype=np.float32)
    encode_into(board, out)
    return out


def encode_into(board: chess.Board, out: np.ndarray) -> None:
    """Write the features of ``board`` into ``out`` (any numeric dtype, length ``FEATURE_SIZE``).

    Used directly by the training cache, which stores them as uint8.
    """
    mover = board.turn
    flip = 0 if mover == chess.WHITE else 56
    out[:] = 0
    for color, offset in ((mover, 0), (not mover, 6)):
        occupied_by_color = board.occupied_co[color]
        for piece_type in chess.PIECE_TYPES:
            mask = board.pieces_mask(piece_type, color) & occupied_by_color
            code = piece_type + offset
            while mask:
                square = (mask & -mask).bit_length() - 1
                out[square ^ flip] = code
                mask &= mask - 1
    rights = board.castling_rights
    out[CASTLING_OFFSET + 0] = bool(rights & (chess.BB_H1 if mover else chess.BB_H8))
    out[CASTLING_OFFSET + 1] = bool(rights & (chess.BB_A1 if mover else chess.BB_A8))
    out[CASTLING_OFFSET + 2] = bool(rights & (chess.BB_H8 if mover else chess.BB_H1))
    out[CASTLING_OFFSET + 3] = bool(rights & (chess.BB_A8 if mover else chess.BB_A1))
    if board.ep_square is not None and board.has_legal_en_passant():
        out[EN_PASSANT_OFFSET] = chess.square_file(board.ep_square) + 1
    out[HALFMOVE_OFFSET] = min(board.halfmove_clock, 255)
