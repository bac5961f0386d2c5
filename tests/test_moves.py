"""The move vocabulary on real positions: every legal move round-trips and indices never collide."""

from __future__ import annotations

import itertools
from pathlib import Path

import chess
import pytest

from kibitz.engine.moves import NO_MOVE, VOCAB_SIZE, index_to_move, legal_move_indices, move_to_index
from kibitz.engine.pgn import PgnGame, read_games

DATA = Path(__file__).parent / "data"


def real_positions(limit: int = 4000) -> list[chess.Board]:
    """Positions (before each move) of real games from the test slices."""
    boards: list[chess.Board] = []
    for name in ("jowen93-200.pgn.xz", "masters-100.pgn.xz"):
        for game in itertools.islice(read_games(DATA / name), 60):
            assert isinstance(game, PgnGame)
            board = chess.Board()
            for uci in game.moves:
                boards.append(board.copy(stack=False))
                board.push_uci(uci)
    return boards[:limit]


@pytest.fixture(scope="module")
def positions() -> list[chess.Board]:
    boards = real_positions()
    assert len(boards) >= 3000
    return boards


def test_vocabulary_size() -> None:
    assert VOCAB_SIZE == 1858
    assert NO_MOVE == VOCAB_SIZE


def test_every_legal_move_round_trips(positions: list[chess.Board]) -> None:
    for board in positions:
        indices, moves = legal_move_indices(board)
        assert len(set(indices.tolist())) == len(moves), board.fen()
        for index, move in zip(indices.tolist(), moves):
            assert 0 <= index < VOCAB_SIZE
            assert index_to_move(index, board) == move, (board.fen(), move)


@pytest.mark.parametrize("fen, color", [
    ("1n2k3/P7/8/8/8/8/8/4K3 w - - 0 1", chess.WHITE),
    ("4k3/8/8/8/8/8/p7/1N2K3 b - - 0 1", chess.BLACK),
])
def test_promotions_and_underpromotions(fen: str, color: chess.Color) -> None:
    board = chess.Board(fen)
    assert board.turn == color
    promotions = [m for m in board.legal_moves if m.promotion]
    assert {m.promotion for m in promotions} == {chess.QUEEN, chess.ROOK, chess.BISHOP, chess.KNIGHT}
    assert len(promotions) == 8  # straight and capturing, four pieces each
    indices = {move_to_index(m, board.turn) for m in promotions}
    assert len(indices) == 8
    for move in promotions:
        assert index_to_move(move_to_index(move, board.turn), board) == move


def test_black_moves_are_mirrored() -> None:
    white = move_to_index(chess.Move.from_uci("e2e4"), chess.WHITE)
    black = move_to_index(chess.Move.from_uci("e7e5"), chess.BLACK)
    assert white == black


def test_out_of_range_index() -> None:
    with pytest.raises(IndexError):
        index_to_move(VOCAB_SIZE, chess.Board())
