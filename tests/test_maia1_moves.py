"""The move vocabulary on real positions: every legal move round-trips and indices never collide."""

from __future__ import annotations

import itertools
from pathlib import Path

import chess
import pytest

from kibitz.training.maia1.moves import NO_MOVE, VOCAB_SIZE, index_to_move, legal_move_indices, move_to_index
from kibitz.engine.pgn import PgnGame, read_games

DATA = Path(__file__).parent / "data"


def real_games(limit: int = 120) -> list[list[chess.Move]]:
    """Moves of real games from the test slices (online amateurs and masters alternating)."""
    sources = [itertools.islice(read_games(DATA / name), limit) for name in ("jowen93-200.pgn.xz", "masters-100.pgn.xz")]
    games: list[list[chess.Move]] = []
    for pair in itertools.zip_longest(*sources):
        for game in pair:
            if isinstance(game, PgnGame):
                games.append([chess.Move.from_uci(uci) for uci in game.moves])
    return games[:limit]


def real_positions(limit: int = 4000) -> list[chess.Board]:
    """Positions (before each move) of real games from the test slices."""
    boards: list[chess.Board] = []
    for moves in real_games():
        board = chess.Board()
        for move in moves:
            boards.append(board.copy(stack=False))
            board.push(move)
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
    indices = {move_to_index(m, board) for m in promotions}
    assert len(indices) == 8
    for move in promotions:
        assert index_to_move(move_to_index(move, board), board) == move


def test_lc0_conventions() -> None:
    """Knight promotions are the plain from-to move; castling is king-takes-rook; lc0's order."""
    board = chess.Board("1n2k3/P7/8/8/8/8/8/4K3 w - - 0 1")
    assert move_to_index(chess.Move.from_uci("a7a8n"), board) == _plain_index(chess.A7, chess.A8)
    assert move_to_index(chess.Move.from_uci("a7a8q"), board) == 1792  # first explicit promotion
    assert move_to_index(chess.Move.from_uci("a7b8b"), board) == 1792 + 5
    castle = chess.Board("r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1")
    assert move_to_index(chess.Move.from_uci("e1g1"), castle) == _plain_index(chess.E1, chess.H1)
    assert move_to_index(chess.Move.from_uci("e1c1"), castle) == _plain_index(chess.E1, chess.A1)
    black = chess.Board("r3k2r/8/8/8/8/8/8/R3K2R b KQkq - 0 1")
    assert move_to_index(chess.Move.from_uci("e8g8"), black) == _plain_index(chess.E1, chess.H1)
    # A rook (not a king) going e1 -> g1 is a plain move, not castling.
    rook = chess.Board("4k3/8/8/8/8/8/8/K3R3 w - - 0 1")
    assert move_to_index(chess.Move.from_uci("e1g1"), rook) == _plain_index(chess.E1, chess.G1)
    assert index_to_move(_plain_index(chess.E1, chess.G1), rook) == chess.Move.from_uci("e1g1")


def _plain_index(origin: chess.Square, target: chess.Square) -> int:
    """lc0's index of a plain move: count the queen/knight targets of every earlier square."""
    board = chess.Board(None)
    index = 0
    for square in range(64):
        targets = sorted(chess.SquareSet(chess.BB_KNIGHT_ATTACKS[square]) | _queen_rays(square))
        if square == origin:
            return index + targets.index(target)
        index += len(targets)
    raise AssertionError(board)


def _queen_rays(square: chess.Square) -> chess.SquareSet:
    empty = chess.Board(None)
    empty.set_piece_at(square, chess.Piece(chess.QUEEN, chess.WHITE))
    return chess.SquareSet(empty.attacks_mask(square))


def test_black_moves_are_mirrored() -> None:
    white = move_to_index(chess.Move.from_uci("e2e4"), chess.Board())
    black = move_to_index(chess.Move.from_uci("e7e5"), chess.Board("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1"))
    assert white == black


def test_out_of_range_index() -> None:
    with pytest.raises(IndexError):
        index_to_move(VOCAB_SIZE, chess.Board())
