"""The player's own book: counting, blending, fitting its strength, and serving it with a model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import chess
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kibitz.engine.book import OwnMoves, PlayerBook, blend, fit_strength
from kibitz.engine.models import META_FILE, MODEL_FILE, ModelError, add_book, base_model_dir, load_model_info, write_model_folder
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
    live = open_model(model_with_book, rating=1500)
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
    without = open_model(base_model_dir(), rating=1500)
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


# -- a book whose file is intact (its checksum matches) but whose content is not ----------------
def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _good_arrays() -> dict[str, np.ndarray]:
    book = PlayerBook.from_games([(chess.Board(), moves_of("a3 e5 h3 d5 e3"), chess.WHITE)] * 5)
    return {"keys": book.keys, "offsets": book.offsets, "moves": book.moves, "move_counts": book.move_counts}


def _with(name: str, value: np.ndarray) -> bytes:
    return _npz({**_good_arrays(), name: value})


def _declaring_4_tb() -> bytes:
    """A zip whose ``keys.npy`` header declares 5e11 uint64 values (4 TB) over a few bytes."""
    import io
    import zipfile

    arrays = _good_arrays()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in arrays.items():
            member = io.BytesIO()
            if name == "keys":
                np.lib.format.write_array_header_1_0(member, {"descr": "<u8", "fortran_order": False,
                                                              "shape": (500_000_000_000,)})
                member.write(b"\0" * 64)
            else:
                np.lib.format.write_array(member, value)
            archive.writestr(f"{name}.npy", member.getvalue())
    return buffer.getvalue()


DAMAGED_BOOKS = {
    "NaN counts": lambda: _with("move_counts", np.full(3, np.nan, np.float32)),
    "infinite counts": lambda: _with("move_counts", np.array([np.inf, 1, 1], np.float32)),
    "negative counts": lambda: _with("move_counts", np.array([-5, 1, 1], np.float32)),
    "a move outside the vocabulary": lambda: _with("moves", np.array([5000, 1, 2], np.int16)),
    "a negative move": lambda: _with("moves", np.array([-1, 1, 2], np.int16)),
    "keys of another type": lambda: _with("keys", _good_arrays()["keys"].astype(np.float64)),
    "counts as a matrix": lambda: _with("move_counts", np.ones((3, 1), np.float32)),
    "unsorted positions": lambda: _with("keys", _good_arrays()["keys"][::-1].copy()),
    "offsets running backwards": lambda: _with("offsets", np.array([0, 3, 1, 3], np.int64)),
    "fewer counts than moves": lambda: _with("move_counts", np.ones(2, np.float32)),
    "positions as text": lambda: _with("keys", np.array(["a", "b", "c"])),
    "a truncated zip (BadZipFile)": lambda: _npz(_good_arrays())[:200],
    "a 4 TB array declared": _declaring_4_tb,
}


@pytest.mark.parametrize("damage", DAMAGED_BOOKS, ids=list(DAMAGED_BOOKS))
def test_a_book_with_damaged_content_but_a_matching_checksum_is_refused(model_with_book: Path, damage: str) -> None:
    assert len(_good_arrays()["keys"]) == 3  # the damages above are sized for three positions
    add_book(model_with_book, DAMAGED_BOOKS[damage](), strength=1.0)  # the metadata names its checksum
    load_model_info(model_with_book)  # the file is the one described...
    with pytest.raises(ModelError, match="book"):  # ...but its content is not a book
        open_model(model_with_book, rating=1500)


@pytest.mark.parametrize("damage", DAMAGED_BOOKS, ids=list(DAMAGED_BOOKS))
def test_a_player_whose_book_is_damaged_gets_the_base_model_and_the_reason(
        store, model_with_book: Path, damage: str) -> None:
    from kibitz.engine.predictor import open_predictor

    player = store.add_player("Flo")
    meta = json.loads((model_with_book / "model.json").read_text())
    meta.update(kind="personal", player="Flo", games_trained=5)
    (model_with_book / "model.json").write_text(json.dumps(meta))
    add_book(model_with_book, DAMAGED_BOOKS[damage](), strength=1.0)
    store.record_model(player.id, model_with_book, 5, {"installed": True})
    predictor = open_predictor(player, store)
    assert predictor.status.kind == "base" and "book" in predictor.status.description
    legal, probabilities = predictor.probabilities()
    assert np.all(np.isfinite(probabilities)) and probabilities.min() >= 0 and probabilities.max() <= 1
    assert probabilities.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("strength", [float("nan"), -1.0, 0.0, "strong", True])
def test_a_book_served_at_a_strength_that_is_not_a_positive_number_is_refused(model_with_book: Path, strength) -> None:
    meta = json.loads((model_with_book / "model.json").read_text())
    meta["book"]["strength"] = strength
    (model_with_book / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError):
        open_model(model_with_book, rating=1500)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(counts=st.lists(st.floats(width=32, allow_nan=True, allow_infinity=True), min_size=3, max_size=3),
       moves=st.lists(st.integers(-32_768, 32_767), min_size=3, max_size=3))
def test_whatever_a_book_file_holds_probabilities_stay_finite_in_0_1_and_sum_to_1(
        tmp_path: Path, counts: list[float], moves: list[int]) -> None:
    """Any counts and moves in a book file: refused, or blended into a probability distribution."""
    arrays = {**_good_arrays(), "move_counts": np.array(counts, np.float32), "moves": np.array(moves, np.int16)}
    path = tmp_path / "book.npz"
    path.write_bytes(_npz(arrays))
    try:
        book = PlayerBook.load(path, 1.0)
    except ValueError:
        return
    board = chess.Board()
    for _ in range(2):
        indices, legal = legal_move_indices(board)
        model = np.full(len(legal), 1 / len(legal))
        p = book.blend(model, book.counts(board, indices))
        assert np.all(np.isfinite(p)) and p.min() >= 0 and p.max() <= 1 and p.sum() == pytest.approx(1.0)
        board.push(legal[0])
