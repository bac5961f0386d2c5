"""lc0's 112 input planes (Maia-1's encoder, kept for the accuracy bench's Maia-1 reference)."""

from __future__ import annotations

import chess
import numpy as np

from kibitz.training.maia1.features import FEATURE_SHAPE, PositionHistory, encode
from test_maia1_moves import real_games

BLACK_TO_MOVE = 108


def test_shape_and_dtype() -> None:
    planes = encode(chess.Board())
    assert planes.shape == FEATURE_SHAPE
    assert planes.dtype == np.float32


def test_start_position() -> None:
    planes = encode(chess.Board())
    assert planes[0, 1].tolist() == [1] * 8  # our pawns on rank 2
    assert planes[5, 0].tolist() == [0, 0, 0, 0, 1, 0, 0, 0]  # our king on e1
    assert planes[6, 6].tolist() == [1] * 8  # their pawns on rank 7
    assert planes[13:104].sum() == 0  # no history before the standard start
    assert planes[104:108].min() == 1 and planes[108].max() == 0
    assert planes[109].max() == 0 and planes[110].max() == 0 and planes[111].min() == 1


def test_black_sees_the_board_from_its_side() -> None:
    board = chess.Board()
    board.push_san("e4")
    planes = encode(board)
    assert planes[BLACK_TO_MOVE].min() == 1
    assert planes[0, 1].tolist() == [1] * 8  # Black's own pawns, mirrored onto rank 2
    assert planes[6, 4].tolist() == [0, 0, 0, 0, 1, 0, 0, 0]  # White's pawn on e4, mirrored onto e5
    # History step 1 (before 1.e4), still seen from Black's side: White's pawn back on e2 -> e7.
    assert planes[13 + 6, 6].tolist() == [1] * 8


def test_colour_mirrored_games_encode_identically() -> None:
    """A game and the same game with colours swapped give the same planes, but for the turn plane."""
    games = real_games(20)
    checked = 0
    for moves in games:
        original = PositionHistory(chess.Board())
        mirrored_board = chess.Board().mirror()
        # The colour-mirrored twin of the start position is Black to move; encode it as a FEN game
        # would not be the same history, so compare from ply 1 on, pushing mirrored moves.
        mirrored = PositionHistory(mirrored_board)
        mirrored._from_fen = False  # the twin of a standard start has no history before it either
        for move in moves[:60]:
            a, b = original.planes(), mirrored.planes()
            a[BLACK_TO_MOVE] = b[BLACK_TO_MOVE] = 0
            assert np.array_equal(a, b), original.board.fen()
            original.push(move)
            mirrored.push(chess.Move(chess.square_mirror(move.from_square), chess.square_mirror(move.to_square),
                                     move.promotion))
            checked += 1
    assert checked > 500


def test_incremental_history_matches_encoding_from_scratch() -> None:
    moves = real_games(1)[0][:30]
    board = chess.Board()
    history = PositionHistory(board)
    for move in moves:
        board.push(move)
        history.push(move)
        assert np.array_equal(history.planes(), encode(board))


def test_repetition_planes() -> None:
    board = chess.Board()
    for san in ["Nf3", "Nf6", "Ng1", "Ng8"]:
        board.push_san(san)
    planes = encode(board)  # the start position again
    assert planes[12].min() == 1
    assert planes[13 + 12].max() == 0  # the position before it was new


def test_castling_rights_from_the_movers_side() -> None:
    planes = encode(chess.Board("r3k2r/8/8/8/8/8/8/R3K2R b Kq - 0 1"))
    assert [planes[p].max() for p in range(104, 108)] == [1, 0, 0, 1]


def test_raw_halfmove_clock() -> None:
    planes = encode(chess.Board("4k3/8/8/8/8/8/8/4K3 w - - 37 80"))
    assert planes[109].min() == 37


def test_fen_game_repeats_its_first_position() -> None:
    board = chess.Board("4k3/8/8/8/8/8/4P3/4K3 w - - 0 1")
    planes = encode(board)
    for step in range(8):
        assert planes[13 * step + 0, 1, 4] == 1  # our e2 pawn in every history step
