"""The feature encoder on real positions: colour symmetry, castling, en passant, shape and dtype."""

from __future__ import annotations

import chess
import numpy as np

from kibitz.engine.features import (CASTLING_OFFSET, EN_PASSANT_OFFSET, FEATURE_SIZE, HALFMOVE_OFFSET, encode,
                                    encode_into)
from test_moves import real_positions


def test_shape_and_dtype() -> None:
    vector = encode(chess.Board())
    assert vector.shape == (FEATURE_SIZE,)
    assert vector.dtype == np.float32


def test_start_position() -> None:
    vector = encode(chess.Board())
    assert vector[:8].tolist() == [4, 2, 3, 5, 6, 3, 2, 4]  # mover's back rank, pieces 1..6
    assert vector[56:64].tolist() == [10, 8, 9, 11, 12, 9, 8, 10]  # opponent's back rank, 7..12
    assert vector[CASTLING_OFFSET:CASTLING_OFFSET + 4].tolist() == [1, 1, 1, 1]
    assert vector[EN_PASSANT_OFFSET] == 0 and vector[HALFMOVE_OFFSET] == 0


def test_colour_mirrored_twins_encode_identically() -> None:
    boards = real_positions(5000)
    assert len(boards) >= 3000
    for board in boards:
        assert np.array_equal(encode(board), encode(board.mirror())), board.fen()


def test_castling_rights_from_the_movers_side() -> None:
    board = chess.Board("r3k2r/8/8/8/8/8/8/R3K2R b Kq - 0 1")
    castling = encode(board)[CASTLING_OFFSET:CASTLING_OFFSET + 4].tolist()
    assert castling == [0, 1, 1, 0]  # Black (mover) keeps queen side, White (opponent) king side


def test_en_passant_only_when_capturable() -> None:
    capturable = chess.Board("4k3/8/8/3pP3/8/8/8/4K3 w - d6 0 1")
    assert encode(capturable)[EN_PASSANT_OFFSET] == chess.square_file(chess.D6) + 1
    no_capturer = chess.Board("4k3/8/8/3p4/8/8/8/4K3 w - d6 0 1")
    assert encode(no_capturer)[EN_PASSANT_OFFSET] == 0


def test_halfmove_clock_capped_and_uint8_target() -> None:
    board = chess.Board("4k3/8/8/8/8/8/8/4K3 w - - 300 200")
    out = np.zeros(FEATURE_SIZE, dtype=np.uint8)
    encode_into(board, out)
    assert out[HALFMOVE_OFFSET] == 255
