"""The live predictor: bundled base model, fallbacks that never crash, replay and symmetry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import chess
import numpy as np
import pytest

from kibitz.engine import models
from kibitz.engine.models import ModelError, base_model_dir, load_model_info
from kibitz.engine.predictor import ModelPredictor, NullPredictor, open_model, open_predictor
from kibitz.engine.store import Store

SICILIAN = ["e4", "c5", "Nf3", "d6", "d4", "cxd4", "Nxd4", "Nf6", "Nc3", "a6"]


def play(board: chess.Board, sans: list[str]) -> chess.Board:
    for san in sans:
        board.push_san(san)
    return board


@pytest.fixture
def base_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "base"
    shutil.copytree(base_model_dir(), folder)
    return folder


def test_bundled_base_model_predicts_legal_moves_that_sum_to_one() -> None:
    p = open_predictor(None, None)
    assert p.status.kind == "base"
    board = chess.Board()
    p.reset(board)
    for san in SICILIAN:
        legal, probs = p.probabilities()
        assert set(legal) == set(board.legal_moves)
        assert abs(probs.sum() - 1) < 1e-9 and (probs >= 0).all()
        top = p.top_moves(5)
        assert [t.probability for t in top] == sorted((t.probability for t in top), reverse=True)
        move = board.parse_san(san)
        p.push(move)
        board.push(move)
    # A strong opening prior: 1.e4 and 1.d4 lead for the base model.
    p.reset()
    assert {t.san for t in p.top_moves(2)} == {"e4", "d4"}


def test_takeback_replay_gives_the_same_prediction_as_playing_on() -> None:
    p = open_predictor(None, None)
    board = play(chess.Board(), SICILIAN)
    p.reset()
    for move in board.move_stack:
        p.push(move)
    incremental = p.top_moves(5)
    board.pop()
    p.reset(board)  # takeback: replay from the start
    p.push(chess.Move.from_uci("a7a6"))
    assert [(t.move, round(t.probability, 6)) for t in p.top_moves(5)] == [
        (t.move, round(t.probability, 6)) for t in incremental
    ]


def test_predictions_follow_a_game_from_a_fen_start() -> None:
    start = chess.Board("8/P6k/8/8/8/8/6K1/8 w - - 0 1")
    p = open_predictor(None, None)
    p.reset(start)
    top = p.top_moves(10)
    assert top and all(start.is_legal(t.move) for t in top)
    assert any(t.move.promotion for t in top)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda f: (f / "model.onnx").write_bytes((f / "model.onnx").read_bytes()[:1000]), "damaged or incomplete"),
        (lambda f: (f / "model.json").write_text("{not json"), "unreadable"),
        (lambda f: (f / "model.onnx").unlink(), "no model"),
        (lambda f: (f / "model.json").write_text(json.dumps(
            {**json.loads((f / "model.json").read_text()), "vocab_hash": "0000"})), "retrain it"),
    ],
)
def test_a_damaged_model_is_refused_with_a_reason(base_copy: Path, damage, message: str) -> None:
    damage(base_copy)
    with pytest.raises(ModelError, match=message):
        load_model_info(base_copy)


def test_an_onnx_file_that_onnxruntime_cannot_load_is_a_model_error(base_copy: Path) -> None:
    garbage = b"this is not an onnx graph"
    meta = json.loads((base_copy / "model.json").read_text())
    models.write_model_folder(base_copy, garbage, meta)
    with pytest.raises(ModelError, match="cannot be loaded"):
        open_model(base_copy)


def test_broken_personal_model_falls_back_to_base_and_says_why(store: Store, base_copy: Path) -> None:
    player = store.add_player("Ada")
    (base_copy / "model.onnx").write_bytes(b"\0" * 10)
    store.record_model(player.id, base_copy, 100, {"installed": True})
    p = open_predictor(player, store)
    assert p.status.kind == "base"
    assert "personal model unusable" in p.status.description
    assert p.top_moves(3)


def test_rejected_personal_model_keeps_base_and_says_so(store: Store) -> None:
    player = store.add_player("Ben")
    store.record_model(player.id, Path("/nowhere"), 40, {"installed": False,
                       "reason": "a personal model trained on 40 games did not beat the base model"})
    p = open_predictor(player, store)
    assert p.status.kind == "base" and "did not beat the base" in p.status.description


def test_no_usable_model_at_all_gives_a_null_predictor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(models, "base_model_dir", lambda: tmp_path / "missing")
    p = open_predictor(None, None)
    assert isinstance(p, NullPredictor) and p.status.kind == "none"
    assert "no predictions" in p.status.description
    p.reset(chess.Board())
    p.push(chess.Move.from_uci("e2e4"))
    assert p.top_moves() == []


def test_personal_model_is_preferred_when_usable(store: Store, base_copy: Path) -> None:
    player = store.add_player("Cy")
    meta = json.loads((base_copy / "model.json").read_text())
    models.write_model_folder(base_copy, (base_copy / "model.onnx").read_bytes(),
                              {**meta, "kind": "personal", "player": "Cy", "games_trained": 1234})
    store.record_model(player.id, base_copy, 1234, {"installed": True})
    p = open_predictor(player, store)
    assert isinstance(p, ModelPredictor)
    assert p.status.kind == "personal" and "1,234 games" in p.status.description


def test_a_personal_model_names_the_games_its_network_learned_from(store: Store, base_copy: Path) -> None:
    """The panel said "2,273 games" where the retrain said "1273 training games": it says both now."""
    player = store.add_player("Jo")
    meta = json.loads((base_copy / "model.json").read_text())
    models.write_model_folder(base_copy, (base_copy / "model.onnx").read_bytes(), {
        **meta, "kind": "personal", "player": "Jo", "games_trained": 2273,
        "training": {"train_games": 1273, "validation_games": 227, "book_games": 2273}})
    store.record_model(player.id, base_copy, 2273, {"installed": True})
    description = open_predictor(player, store).status.description
    assert description.endswith("personal model from 2,273 games (its network trained on the newest 1,273)")


@pytest.mark.parametrize("hidden, message", [(64, "has inputs"), (-5, "damaged"), (10**9, "damaged")])
def test_metadata_that_disagrees_with_the_graph_is_refused_at_load(base_copy: Path, hidden: int, message: str) -> None:
    meta = json.loads((base_copy / "model.json").read_text())
    meta["config"]["hidden"] = hidden
    models.write_model_folder(base_copy, (base_copy / "model.onnx").read_bytes(), meta)
    with pytest.raises(ModelError, match=message):
        open_model(base_copy)


def test_a_personal_model_is_served_at_its_own_rating(store: Store, base_copy: Path) -> None:
    player = store.add_player("Di")
    meta = json.loads((base_copy / "model.json").read_text())
    models.write_model_folder(base_copy, (base_copy / "model.onnx").read_bytes(),
                              {**meta, "kind": "personal", "player": "Di", "games_trained": 50, "rating": 1800})
    store.record_model(player.id, base_copy, 50, {"installed": True, "rating": 1800})
    p = open_predictor(player, store)
    assert p.status.rating == 1800 and p.status.description.startswith("Maia-3 at 1,800 + personal model")


def test_a_player_without_a_model_gets_the_rating_their_games_chose(store: Store) -> None:
    player = store.add_player("Ed")
    assert open_predictor(player, store).status.rating == 1500  # nothing known yet: the default
    store.set_player_level(player.id, 900)
    assert open_predictor(store.player(player.id), store).status.rating == 900  # the level, until games fit one
    store.record_model(player.id, Path("/nowhere"), 40, {"installed": False, "rating": 1200, "reason": "not better"})
    status = open_predictor(store.player(player.id), store).status
    assert status.kind == "base" and status.rating == 1200 and "Maia-3 at 1,200" in status.description


def test_paired_players_run_the_prior_at_the_movers_rating_and_share_each_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's two predictors follow the same game: paired, each knows the other's rating, the
    prior runs once per position at (the mover's rating, the other's), and the predictions are
    those of predictors that run it themselves."""
    from kibitz.engine.predictor import pair
    from kibitz.engine.priors import PriorSession

    shared = PriorSession()
    runs: list[tuple[int, int]] = []
    real_run = shared._session.run
    monkeypatch.setattr(shared, "_session", type("Counting", (), {
        "run": lambda self, names, feed: runs.append((int(feed["self_elo"][0]), int(feed["oppo_elo"][0])))
        or real_run(names, feed)})())
    white, black = open_model(base_model_dir(), rating=900), open_model(base_model_dir(), rating=1700)
    white.prior = black.prior = shared
    pair({chess.WHITE: white, chess.BLACK: black})
    assert white.status.description == "Maia-3 at 900 vs 1,700" and black.status.description == "Maia-3 at 1,700 vs 900"
    alone = open_model(base_model_dir(), rating=1700)
    alone.prior = PriorSession(remember=0)
    alone.set_game(chess.BLACK, 900)
    board = chess.Board()
    for san in SICILIAN:
        move = board.parse_san(san)
        for p in (white, black, alone):
            p.push(move)
        mover = white if board.turn == chess.BLACK else black  # the side to move after ``move``
        legal, probs = mover.probabilities()
        assert legal == alone.probabilities()[0]
        np.testing.assert_array_equal(probs, alone.probabilities()[1])
        board.push(move)
    assert len(runs) == len(SICILIAN) + 1  # every position once (the start, then after each ply)
    assert runs[0] == (900, 1700) and runs[1] == (1700, 900)  # White to move first, then Black
    tokens = np.zeros((1, 64, 96), np.uint8)
    outputs = shared.run(tokens, 1500, 1500)
    assert not outputs.logits.flags.writeable and not outputs.pooled.flags.writeable  # shared answers stay unchanged


def test_the_opponents_rating_changes_the_predictions() -> None:
    """Maia-3 reads both ratings: the same position predicted for a 900 player against a strong
    opponent and against a weak one is not the same distribution."""
    board = chess.Board()
    for san in SICILIAN[:6]:
        board.push_san(san)
    weak, strong = (open_model(base_model_dir(), rating=900) for _ in range(2))
    weak.set_game(board.turn, 700)
    strong.set_game(board.turn, 2400)
    weak.reset(board)
    strong.reset(board)
    assert not np.allclose(weak.probabilities()[1], strong.probabilities()[1])


# -- metadata names files of its own folder only, and only regular files are read ---------------
def _name_book(folder: Path, name: str, sha256: str) -> None:
    meta = json.loads((folder / "model.json").read_text())
    meta["book"] = {"file": name, "sha256": sha256, "strength": 1.0}
    (folder / "model.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("name", ["../outside.npz", "../../outside.npz", "{outside}"])
def test_a_book_named_outside_the_model_folder_is_refused(base_copy: Path, name: str) -> None:
    from kibitz.engine.book import PlayerBook

    outside = base_copy.parent / "outside.npz"
    outside.write_bytes(PlayerBook.from_games([(chess.Board(), [chess.Move.from_uci("a2a3")], chess.WHITE)]).to_bytes())
    (base_copy / "deeper").mkdir()
    folder = base_copy if name != "../../outside.npz" else base_copy / "deeper"
    if folder != base_copy:
        for file in ("model.json", "model.onnx"):
            shutil.copy(base_copy / file, folder / file)
    _name_book(folder, name.format(outside=outside), models.sha256_file(outside))
    with pytest.raises(ModelError, match="outside the model folder"):
        load_model_info(folder)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_book_that_is_a_device_is_never_read(base_copy: Path, device: str) -> None:
    _name_book(base_copy, device, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    with pytest.raises(ModelError, match="outside the model folder|not a regular file"):
        load_model_info(base_copy)
    (base_copy / "book.npz").symlink_to(device)  # the same device through a link inside the folder
    _name_book(base_copy, "book.npz", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    with pytest.raises(ModelError, match="outside the model folder|not a regular file"):
        load_model_info(base_copy)


@pytest.mark.parametrize("file", ["model.onnx", "book.npz"])
def test_a_model_file_that_links_out_of_its_folder_is_refused(tmp_path: Path, base_copy: Path, file: str) -> None:
    from kibitz.engine.book import PlayerBook
    from kibitz.engine.models import add_book

    add_book(base_copy, PlayerBook.from_games([(chess.Board(), [chess.Move.from_uci("a2a3")], chess.WHITE)]).to_bytes(),
             strength=1.0)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (base_copy / file).rename(elsewhere / file)  # the very same bytes: the checksum still matches
    (base_copy / file).symlink_to(elsewhere / file)
    with pytest.raises(ModelError, match="outside the model folder"):
        load_model_info(base_copy)


def test_a_link_to_a_file_inside_the_folder_is_read(base_copy: Path) -> None:
    (base_copy / "graph.onnx").write_bytes((base_copy / "model.onnx").read_bytes())
    (base_copy / "model.onnx").unlink()
    (base_copy / "model.onnx").symlink_to("graph.onnx")
    assert load_model_info(base_copy).kind == "base"


# -- malformed metadata in the store: the base model and the reason, never an exception ---------
@pytest.mark.parametrize("meta", [{"installed": True, "rating": "strong"}, {"installed": True, "rating": 99_999},
                                  {"installed": True, "rating": [1500]}, {"installed": True, "rating": float("nan")},
                                  {"installed": False, "rating": "x", "reason": 7}])
def test_malformed_model_metadata_in_the_store_gives_a_fallback_with_a_reason(store: Store, base_copy: Path, meta) -> None:
    player = store.add_player("Gus")
    store.record_model(player.id, base_copy, 10, meta)
    p = open_predictor(player, store)
    assert p.status.kind in ("base", "personal") and p.top_moves(3)
    assert p.status.rating == 1500  # the player's level decides the rating
    assert "rating" in p.status.description or meta["installed"] is False


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "null", '"text"'])
def test_unreadable_model_metadata_in_the_store_gives_a_fallback_with_a_reason(store: Store, base_copy: Path, raw: str) -> None:
    player = store.add_player("Hal")
    store.record_model(player.id, base_copy, 10, {"installed": True})
    with store.transaction() as db:
        db.execute("UPDATE models SET meta = ?", (raw,))
    p = open_predictor(player, store)
    assert p.status.kind == "base" and p.top_moves(3)
    assert "model record" in p.status.description


# -- a model whose plies take seconds is replaced by the next one down --------------------------
class Clock:
    """Time that passes only when a model says so (no sleeps, no timed assertions)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TakesSeconds:
    """A real predictor whose every ply takes ``seconds`` on ``clock``."""

    def __init__(self, predictor, clock: Clock, seconds: float) -> None:
        self.predictor, self.clock, self.seconds = predictor, clock, seconds
        self.status = predictor.status

    def reset(self, board=None) -> None:
        self.clock.now += self.seconds * max(1, len(board.move_stack) if board is not None else 0)
        self.predictor.reset(board)

    def push(self, move) -> None:
        self.clock.now += self.seconds
        self.predictor.push(move)

    def top_moves(self, k: int = 5):
        self.clock.now += self.seconds
        return self.predictor.top_moves(k)


def personal_model(store: Store, folder: Path, name: str, rating: int = 1700):
    player = store.add_player(name)
    meta = json.loads((folder / "model.json").read_text())
    models.write_model_folder(folder, (folder / "model.onnx").read_bytes(),
                              {**meta, "kind": "personal", "player": name, "games_trained": 300, "rating": rating})
    store.record_model(player.id, folder, 300, {"installed": True, "rating": rating})
    return open_predictor(player, store)


def test_a_personal_model_too_slow_to_follow_the_game_gives_way_to_the_base_model(store: Store, base_copy: Path) -> None:
    from kibitz.engine.predictor import BoundedPredictor

    clock = Clock()
    personal = personal_model(store, base_copy, "Ida")
    assert personal.status.kind == "personal"
    bounded = BoundedPredictor(TakesSeconds(personal, clock, 3.0), clock=clock)
    board = chess.Board()
    bounded.reset(board)  # one slow ply: a hiccup, the model stays
    assert bounded.status.kind == "personal"
    move = chess.Move.from_uci("e2e4")
    board.push(move)
    bounded.push(move)  # the second slow ply in a row: the base model at the same rating takes over
    assert bounded.status.kind == "base" and bounded.status.rating == 1700
    assert "personal model took 3.0 s a move, too slow" in bounded.status.description
    top = bounded.top_moves(3)  # the base model follows the same game: Black's moves after 1.e4
    assert top and all(board.is_legal(t.move) for t in top) and board.turn == chess.BLACK
    assert bounded.status.kind == "base"  # fast: it stays


def test_a_base_model_too_slow_gives_no_predictions_and_says_why() -> None:
    from kibitz.engine.predictor import BoundedPredictor

    clock = Clock()
    bounded = BoundedPredictor(TakesSeconds(open_predictor(None, None), clock, 5.0), clock=clock)
    bounded.reset(chess.Board())
    bounded.top_moves(3)
    assert isinstance(bounded.predictor, NullPredictor) and bounded.top_moves(3) == []
    assert "base model took 5.0 s a move" in bounded.status.description


def test_one_slow_ply_among_fast_ones_keeps_the_model() -> None:
    from kibitz.engine.predictor import BoundedPredictor

    clock = Clock()
    slow = TakesSeconds(open_predictor(None, None), clock, 0.0)
    bounded = BoundedPredictor(slow, clock=clock)
    board = chess.Board()
    for i, san in enumerate(SICILIAN):
        slow.seconds = 2.0 if i % 2 else 0.01  # every other ply slow: never two in a row
        move = board.push_san(san)
        bounded.push(move)
    assert bounded.status.kind == "base" and bounded.top_moves(1)


def test_a_long_replay_is_judged_per_ply() -> None:
    from kibitz.engine.predictor import BoundedPredictor

    clock = Clock()
    bounded = BoundedPredictor(TakesSeconds(open_predictor(None, None), clock, 0.5), clock=clock)
    board = play(chess.Board(), SICILIAN)
    for _ in range(3):
        bounded.reset(board)  # 10 plies x 0.5 s: 5 s for the replay, within the limit a ply
    assert bounded.status.kind == "base"


@pytest.mark.parametrize("field, value", [("rating", float("inf")), ("rating", float("nan")), ("rating", "1500x"),
                                          ("games_trained", float("inf")), ("hidden", float("inf"))])
def test_numbers_in_model_json_that_are_not_numbers_are_a_model_error(base_copy: Path, field: str, value) -> None:
    meta = json.loads((base_copy / "model.json").read_text())
    if field == "hidden":
        meta["config"]["hidden"] = value
    else:
        meta[field] = value
    (base_copy / "model.json").write_text(json.dumps(meta))  # json writes Infinity and NaN
    with pytest.raises(ModelError):
        load_model_info(base_copy)
