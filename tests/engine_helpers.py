"""The real engine for tests: skipped only where Stockfish is absent (.ci/run installs it)."""

from __future__ import annotations

from collections.abc import Iterator

import chess
import chess.engine
import pytest

from kibitz.engine.analysis import Engine, find_engine

STOCKFISH = find_engine()
needs_engine = pytest.mark.skipif(STOCKFISH is None, reason="Stockfish is not installed (apt-get install stockfish)")
#: Small but sure: enough to see mates in one and a hung queen, fast enough for the suite.
TEST_LIMIT = chess.engine.Limit(nodes=20_000)


@pytest.fixture
def engine() -> Iterator[Engine]:
    if STOCKFISH is None:
        pytest.skip("Stockfish is not installed")
    with Engine.open(STOCKFISH) as opened:
        yield opened


def board_after(sans: str, fen: str | None = None) -> tuple[chess.Board, list[chess.Move]]:
    """The start position and the moves of ``sans`` ("e4 e5 Nf3"), checked as they are read."""
    start = chess.Board(fen) if fen else chess.Board()
    board, moves = start.copy(), []
    for san in sans.split():
        moves.append(board.push_san(san))
    return start, moves


def position_after(sans: str) -> chess.Board:
    """The board after ``sans`` from the start, its moves on the stack (the models follow the game)."""
    board = chess.Board()
    for san in sans.split():
        board.push_san(san)
    return board
