"""The player's own book: counting, blending, fitting its strength, and serving it with a model."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import chess
import numpy as np
import pytest

from kibitz.engine.book import OwnMoves, PlayerBook, blend, fit_strength
from kibitz.engine.models import META_FILE, MODEL_FILE, ModelError, base_model_dir, load_model_info, write_model_folder
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.predictor import AdapterSession, open_model
from kibitz.engine.scoring import ScoredGame, model_plies


def moves_of(sans: str, board: chess.Board | None = None) -> list[chess.Move]:
    board = board or chess.Board()
    return [board.push_san(san) for san in sans.split()]


def counts_at(book: PlayerBook, sans: str) -> dict[str, float]:
    board = chess.Board()
    for move in moves_of(sans):
        board.push(move)
    indices, legal = legal_move_indices(board)
    counts = book.counts(board, indices)
    return {board.san(m): c for m, c in zip(legal, counts) if c}


def test_only_the_players_own_moves_are_counted() -> None:
    games = [(chess.Board(), moves_of("e4 c5 Nf3 d6"), chess.WHITE),
             (chess.Board(), moves_of("e4 e5 Nf3 Nc6"), chess.WHITE),
             (chess.Board(), moves_of("d4 d5 c4"), chess.BLACK)]
    book = PlayerBook.from_games(games)
    assert counts_at(book, "") == {"e4": 2}  # White's first move in the two White games
    assert counts_at(book, "e4 c5") == {"Nf3": 1}
    assert counts_at(book, "e4") == {}  # the opponent's replies are not the player's habits
    assert counts_at(book, "d4") == {"d5": 1}


def test_a_transposition_is_the_same_position() -> None:
    book = PlayerBook.from_games([(chess.Board(), moves_of("Nf3 Nf6 c4 e6 Nc3"), chess.WHITE)])
    assert counts_at(book, "c4 e6 Nf3 Nf6") == {"Nc3": 1}


def test_blending_moves_the_model_towards_the_habit_and_leaves_new_positions_alone() -> None:
    model = np.array([0.7, 0.2, 0.1])
    assert blend(model, np.zeros(3), 2.0) is model
    assert blend(model, np.array([0.0, 3.0, 0.0]), math.inf) is model
    mixed = blend(model, np.array([0.0, 3.0, 0.0]), 2.0)
    assert mixed == pytest.approx([1.4 / 5, 3.4 / 5, 0.2 / 5])
    assert mixed.sum() == pytest.approx(1.0)


def test_fit_strength_trusts_a_book_that_predicts_and_ignores_one_that_does_not() -> None:
    model = np.array([0.5, 0.5])
    habit = [(model, np.array([4.0, 0.0]), 0)] * 20  # the player always plays what they played before
    strength, nll = fit_strength(habit)
    assert strength == min(nll, key=nll.get) and strength < 1
    fickle = [(model, np.array([4.0, 0.0]), 1)] * 20  # ... never
    assert math.isinf(fit_strength(fickle)[0])


def test_a_book_survives_its_file(tmp_path: Path) -> None:
    book = PlayerBook.from_games([(chess.Board(), moves_of("e4 e5 Nf3"), chess.WHITE)])
    (tmp_path / "b.npz").write_bytes(book.to_bytes())
    again = PlayerBook.load(tmp_path / "b.npz", 3.0)
    assert again.strength == 3.0 and np.array_equal(again.keys, book.keys)
    assert counts_at(again, "e4 e5") == {"Nf3": 1}
    (tmp_path / "bad.npz").write_bytes(b"not a book")
    with pytest.raises(ValueError, match="not a readable book"):
        PlayerBook.load(tmp_path / "bad.npz", 1.0)


@pytest.fixture
def model_with_book(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    base = base_model_dir()
    games = [(chess.Board(), moves_of("a3 e5 h3"), chess.WHITE)] * 5
    meta = json.loads((base / META_FILE).read_text(encoding="utf-8"))
    write_model_folder(folder, (base / MODEL_FILE).read_bytes(), meta,
                       book=(PlayerBook.from_games(games).to_bytes(), {"strength": 1.0, "half_life": None}))
    return folder


def test_the_served_model_blends_its_book_live_and_in_batched_scoring(model_with_book: Path) -> None:
    live = open_model(model_with_book, band=1500)
    legal, probs = live.probabilities()
    assert legal[int(np.argmax(probs))] == chess.Move.from_uci("a2a3")  # 5 games of habit beat Maia's e4
    assert probs.sum() == pytest.approx(1.0)
    game = ScoredGame(chess.Board(), moves_of("a3 e5 h3 d5 e3"), chess.WHITE)
    batched = list(model_plies(AdapterSession(load_model_info(model_with_book)), 1500, [game]))
    for ply in batched:
        live.reset(chess.Board())
        for move in game.moves[: ply.ply]:
            live.push(move)
        assert np.allclose(live.probabilities()[1], ply.probabilities, atol=1e-5)
    without = open_model(base_model_dir(), band=1500)
    without.push(chess.Move.from_uci("a2a3"))
    without.push(chess.Move.from_uci("e7e5"))
    without.push(chess.Move.from_uci("h2h3"))
    without.push(chess.Move.from_uci("d7d5"))
    live.reset(chess.Board())
    for move in game.moves[:4]:
        live.push(move)
    # a position the player never met: the model alone
    assert np.allclose(live.probabilities()[1], without.probabilities()[1], atol=1e-6)


def test_a_damaged_book_refuses_the_model(model_with_book: Path) -> None:
    (model_with_book / "book.npz").write_bytes(b"tampered")
    with pytest.raises(ModelError, match="damaged or incomplete"):
        load_model_info(model_with_book)
    meta = json.loads((model_with_book / "model.json").read_text())
    meta["book"] = "book.npz"
    (model_with_book / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="not a file with a strength"):
        load_model_info(model_with_book)


def test_recent_games_count_more_with_a_half_life() -> None:
    old, new = moves_of("e4"), moves_of("d4")
    games = [(chess.Board(), old, chess.WHITE)] * 3 + [(chess.Board(), new, chess.WHITE)]
    assert counts_at(PlayerBook.from_games(games), "") == {"e4": 3, "d4": 1}
    recent = counts_at(PlayerBook.from_games(games, half_life=1.0), "")
    assert recent == pytest.approx({"e4": 0.5 + 0.25 + 0.125, "d4": 1.0})


def test_the_oldest_games_alone_count_as_the_book_before_the_newer_ones() -> None:
    games = [(chess.Board(), moves_of("e4"), chess.WHITE)] * 2 + [(chess.Board(), moves_of("d4"), chess.WHITE)]
    own = OwnMoves.of(games)
    assert counts_at(own.oldest(2).book(), "") == {"e4": 2}
    assert counts_at(own.oldest(2).book(half_life=1.0), "") == pytest.approx({"e4": 1.5})  # ages 1 and 0 of 2 games
