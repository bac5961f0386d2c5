"""The training pipeline end to end on real games: prior cache, adapter, export, fine-tune, evaluate."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import chess
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kibitz.engine.book import PlayerBook  # noqa: E402
from kibitz.engine.features import GameTokens  # noqa: E402
from kibitz.engine.models import base_model_dir, load_model_info  # noqa: E402
from kibitz.engine.moves import NO_MOVE, move_to_index  # noqa: E402
from kibitz.engine.priors import prior_session  # noqa: E402
from kibitz.engine.store import Store  # noqa: E402
from kibitz.training import cli  # noqa: E402
from kibitz.training.corpus import build_corpus  # noqa: E402
from kibitz.training.export import export_model  # noqa: E402
from kibitz.training.model import Adapter, AdapterConfig  # noqa: E402
from kibitz.training.prior_cache import CacheGame, PriorCache, build_cache  # noqa: E402
from kibitz.training.train import TrainSettings, evaluate_cache, make_batch, train_adapter  # noqa: E402

DATA = Path(__file__).parent / "data"
JOWEN = DATA / "jowen93-200.pgn.xz"
MASTERS = DATA / "masters-100.pgn.xz"


def prior_view(moves: list[chess.Move], rating: int = 1500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prior's logits and pooled view for every ply of a game (both sides at ``rating``), and
    the previous moves."""
    board, prev, previous = chess.Board(), [], NO_MOVE
    for move in moves:
        prev.append(previous)
        previous = move_to_index(move, board.turn)
        board.push(move)
    outputs = prior_session().run_batched(GameTokens.of(chess.Board(), moves).tokens[:-1], rating, rating)
    return outputs.logits, outputs.pooled, np.array(prev, np.int64)


@pytest.fixture(autouse=True)
def quick_rating_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ratings fitted on 100 moves, not the app's 400: each fit runs the prior ~17 times over them."""
    from kibitz.engine import ratings

    monkeypatch.setattr(ratings, "SAMPLE_POSITIONS", 100)


@pytest.fixture(scope="module")
def jowen60(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jowen93's first 60 games as a PGN file: enough for a judged fine-tune (the prior reads every
    ply of every game, ~8 ms a position here, so the 200 would cost minutes per test)."""
    import lzma

    text = lzma.open(JOWEN, "rt", encoding="utf-8").read()
    games = text.split("\n\n[Event ")
    path = tmp_path_factory.mktemp("pgn") / "jowen93-60.pgn"
    path.write_text("\n\n[Event ".join(games[:60]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def jowen_games() -> list:
    corpus = build_corpus([JOWEN])
    return [corpus.game(i) for i in range(len(corpus))]


def test_an_untrained_adapter_is_the_prior_exactly(jowen_games: list) -> None:
    policy, tower, prev = prior_view(list(jowen_games[0].moves)[:20])
    model = Adapter(AdapterConfig()).eval()
    h = model.initial_state(1)
    with torch.no_grad():
        for ply in range(len(prev)):
            logits, h = model.step(torch.from_numpy(tower[ply : ply + 1]), torch.from_numpy(policy[ply : ply + 1]),
                                   torch.from_numpy(prev[ply : ply + 1]), h)
            assert torch.equal(logits[0], torch.from_numpy(policy[ply]))


def test_whole_game_and_step_forms_agree_on_a_real_game(jowen_games: list) -> None:
    policy, tower, prev = prior_view(list(jowen_games[1].moves)[:40])
    torch.manual_seed(0)
    model = Adapter(AdapterConfig(hidden=32)).eval()
    torch.nn.init.normal_(model.head.weight, std=0.05)  # a trained head is not zero
    with torch.no_grad():
        whole = model.game_logits(torch.from_numpy(tower), torch.from_numpy(policy), torch.from_numpy(prev))
        h = model.initial_state(1)
        for ply in range(len(prev)):
            logits, h = model.step(torch.from_numpy(tower[ply : ply + 1]), torch.from_numpy(policy[ply : ply + 1]),
                                   torch.from_numpy(prev[ply : ply + 1]), h)
            assert torch.allclose(logits[0], whole[ply], atol=1e-4)


def test_the_prior_cache_resumes_an_interrupted_build(tmp_path: Path, jowen_games: list) -> None:
    games = [CacheGame(g, 1500 if i % 2 else 1700, 1600) for i, g in enumerate(jowen_games[:30])]

    class Stop(Exception):
        pass

    def interrupt(done: int, total: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        build_cache(games, tmp_path / "resumed", progress=interrupt)
    resumed = build_cache(games, tmp_path / "resumed")
    fresh = build_cache(games, tmp_path / "fresh")
    for name in ("pooled", "prior_legal", "legal", "target", "prev_move", "scored", "game_offsets", "game_ratings"):
        assert np.array_equal(getattr(resumed, name), getattr(fresh, name)), name
    # The cached prior logits are the served prior's at the legal moves of each ply, White's first
    # move read at (White's rating, Black's).
    assert list(fresh.game_ratings[1]) == [1500, 1600]
    outputs = prior_session().run(GameTokens.of(chess.Board(), []).tokens, 1500, 1600)
    lo, hi = fresh.legal_offsets[fresh.game_offsets[1]], fresh.legal_offsets[fresh.game_offsets[1] + 1]
    assert np.allclose(fresh.prior_legal[lo:hi], outputs.logits[0, fresh.legal[lo:hi]], atol=2e-2)
    assert np.allclose(fresh.pooled[fresh.game_offsets[1]], outputs.pooled[0], atol=2e-2)


def test_the_prior_pass_reports_progress_as_it_goes(tmp_path: Path, jowen_games: list,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from kibitz.training import prior_cache

    monkeypatch.setattr(prior_cache, "PROGRESS_EVERY_S", 0.0)  # every batch (by default: every half second)
    monkeypatch.setattr(prior_cache, "BATCH_GAMES", 4)
    seen: list[tuple[int, int]] = []
    build_cache([CacheGame(g, 1500, 1500) for g in jowen_games[:12]], tmp_path / "c", progress=lambda *a: seen.append(a))
    assert seen == [(4, 12), (8, 12), (12, 12)]  # not one report at the end


def test_training_lowers_the_loss_and_keeps_the_best_state(tmp_path: Path, jowen_games: list) -> None:
    cache = build_cache([CacheGame(g, 1700, 1700, (chess.WHITE,)) for g in jowen_games[:60]], tmp_path / "c")
    model = Adapter(AdapterConfig(hidden=32))
    result = train_adapter(model, cache, np.arange(50), np.arange(50, 60),
                           TrainSettings(lr=3e-3, games_per_batch=8, max_epochs=3, patience=10))
    assert result.start.positions > 100
    # The best state is what comes back, and it is never worse than the start on validation.
    assert evaluate_cache(model, cache, np.arange(50, 60)).nll == pytest.approx(result.best.nll, abs=1e-5)
    assert result.best.nll <= result.start.nll
    assert evaluate_cache(model, cache, np.arange(50)).nll < result.start.nll + 0.01
    batch = make_batch(cache, np.arange(3))
    assert batch.scored.sum() == len(batch.target)  # White's plies only


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("base")
    code = cli.main(["pretrain", "--pgn", str(MASTERS), "--out", str(out), "--positions", "3000",
                     "--epochs", "1", "--progress", "none"])
    assert code == 0
    return out


def test_pretrain_writes_a_self_describing_model_and_resumes(tiny_base: Path) -> None:
    info = load_model_info(tiny_base)
    assert info.kind == "base" and info.rating is None
    training = info.meta["training"]
    assert 2500 <= training["positions"] <= 3500 and training["validation"]["prior_nll"] > 0
    assert (tiny_base / "weights.pt").is_file() and (tiny_base / "checkpoint.pt").is_file()
    assert PriorCache.open(tiny_base / "cache").num_positions == training["positions"]
    # Run again with --resume: the cache is complete and training continues from the checkpoint.
    assert cli.main(["pretrain", "--pgn", str(MASTERS), "--out", str(tiny_base), "--positions", "3000",
                     "--epochs", "1", "--resume", "--progress", "none"]) == 0


def test_finetune_and_evaluate_a_player(tiny_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                       jowen60: Path) -> None:
    out = tmp_path / "jowen"
    # Options before the subcommand are honoured.
    code = cli.main(["--progress", "json", "--home", str(tmp_path / "home"), "finetune", "--player", "jowen93",
                     "--pgn", str(jowen60), "--base", str(tiny_base), "--out", str(out), "--max-epochs", "1"])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert lines[-1]["event"] == "finished" and lines[-1]["ok"]
    info = load_model_info(out)
    assert info.kind == "personal" and info.player == "jowen93" and 400 <= info.rating <= 3000 and info.rating % 50 == 0
    served = info.meta["evaluation"]
    assert served["served"]["positions"] > 100 and "improved" in served
    # The player's book: its strength and recency were fitted on the validation games, and a book
    # that helped there is served beside the graph, counting all 60 games.
    book_nll = served["book_nll"]
    assert "none" in book_nll and len(book_nll) > 2
    if info.book_path is None:
        assert book_nll["none"] <= min(book_nll.values())
    else:
        book = info.meta["book"]
        half_life = "all" if book["half_life"] is None else f"{book['half_life']:g}"
        assert book_nll[f"{book['strength']:g}/{half_life}"] == min(book_nll.values())
        assert PlayerBook.load(info.book_path, 1.0).move_counts.sum() > 900  # ~60 games x ~35 own moves
    assert cli.main(["evaluate", "--model", str(out), "--player", "jowen93", "--pgn", str(jowen60), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"top1", "top3", "nll", "positions", "baselines"} <= set(report)
    assert report["prior"]["rating"] == info.rating
    assert {"uniform", "frequency", "prior"} <= set(report["baselines"])


def test_evaluating_the_base_fits_the_rating_on_the_history(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                             jowen60: Path) -> None:
    assert cli.main(["evaluate", "--model", str(base_model_dir()), "--player", "jowen93", "--pgn", str(jowen60),
                     "--history", str(jowen60), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    chosen = report["prior"]["chosen_by"]
    assert len(chosen) >= 13 and report["prior"]["rating"] == int(min(chosen, key=chosen.get))


def test_unknown_player_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["evaluate", "--model", str(base_model_dir()), "--player", "Nobody", "--pgn", str(JOWEN),
                     "--home", str(tmp_path)])
    assert code == 2
    assert "no game of player 'Nobody'" in capsys.readouterr().err


def test_corrupt_model_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(base_model_dir(), broken)
    data = (broken / "model.onnx").read_bytes()
    (broken / "model.onnx").write_bytes(data[: len(data) // 2])
    code = cli.main(["evaluate", "--model", str(broken), "--player", "jowen93", "--pgn", str(JOWEN)])
    assert code == 2
    assert "damaged or incomplete" in capsys.readouterr().err


def test_export_refuses_a_graph_that_disagrees_with_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          jowen_games: list) -> None:
    from kibitz.training import export

    monkeypatch.setattr(export, "parity_error", lambda *a, **k: 0.5)
    with pytest.raises(ValueError, match="differs from torch"):
        export_model(Adapter(AdapterConfig()), tmp_path / "m", player=None, rating=None, games_trained=1,
                     parity_games=jowen_games[:1])
    assert not (tmp_path / "m").exists()


def test_retrain_from_the_store_reports_json_lines(tmp_path: Path, tiny_base: Path, capsys: pytest.CaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch, jowen60: Path) -> None:
    from kibitz.engine.importer import import_files
    from kibitz.training import personal

    monkeypatch.setattr(personal, "base_model_dir", lambda: tiny_base)
    monkeypatch.setattr(personal, "FINETUNE", TrainSettings(max_epochs=1, games_per_batch=16))
    home = tmp_path / "home"
    with Store.open(home) as store:
        player = store.add_player("Jo")
        store.add_alias(player.id, "jowen93")
        import_files(store, [jowen60])
    capsys.readouterr()
    assert cli.main(["--home", str(home), "--progress", "json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert events[-1]["event"] == "finished" and events[-1]["ok"]
    model_events = [e for e in events if e["event"] == "model"]
    assert len(model_events) == 1 and model_events[0]["player"] == "Jo"
    with Store.open(home) as store:
        record = store.latest_model(store.find_player("Jo").id)
        assert record is not None and record.games_trained == 60
        assert record.meta["installed"] == model_events[0]["installed"]
        assert 400 <= record.meta["rating"] <= 3000
    # Nothing changed since: a second run has nothing to do.
    assert cli.main(["--home", str(home), "--progress", "json"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert cli.main(["--home", str(home), "--progress", "json", "--player", "Jo", "--time-budget", "5"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (model,) = [e for e in events if e["event"] == "model"]  # named: retrained, judged on games neither saw
    figures = model["details"]
    assert figures.startswith("Jo: top-1 ") and "judged games" in figures and "against the " in figures
    assert "% of Jo's moves" in model["message"]


def test_without_torch_the_command_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    assert cli.main(["--progress", "json"]) == cli.EXIT_NO_TORCH
    event = json.loads(capsys.readouterr().out)
    assert event["event"] == "finished" and 'pip install ".[train]"' in event["message"]
