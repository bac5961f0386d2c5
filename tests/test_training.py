"""The training pipeline end to end on real games, with tiny models (seconds, not minutes)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import chess
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kibitz.engine.models import load_model_info  # noqa: E402
from kibitz.engine.predictor import open_model  # noqa: E402
from kibitz.engine.store import Store  # noqa: E402
from kibitz.training import cli  # noqa: E402
from kibitz.training.corpus import build_corpus  # noqa: E402
from kibitz.training.export import PARITY_TOLERANCE, export_model  # noqa: E402
from kibitz.training.model import ModelConfig, StepModel  # noqa: E402
from kibitz.training.sequences import encode_games  # noqa: E402

DATA = Path(__file__).parent / "data"
JOWEN = DATA / "jowen93-200.pgn.xz"
TINY = ["--channels", "8", "--blocks", "1", "--embed", "32", "--hidden", "32"]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("base")
    code = cli.main(["pretrain", "--pgn", str(DATA / "masters-100.pgn.xz"), "--out", str(out),
                     "--epochs", "1", "--batch-positions", "2048", "--progress", "none", *TINY])
    assert code == 0
    return out


def test_pretrain_writes_a_self_describing_model(tiny_base: Path) -> None:
    info = load_model_info(tiny_base)
    assert info.kind == "base" and info.hidden == 32
    assert info.meta["parity_max_abs_error"] <= PARITY_TOLERANCE
    assert info.meta["training"]["games"] > 90
    assert (tiny_base / "weights.pt").is_file()
    predictor = open_model(tiny_base)
    board = chess.Board()
    predictor.reset(board)
    top = predictor.top_moves(5)
    assert len(top) == 5 and all(board.is_legal(p.move) for p in top)
    assert abs(sum(p.probability for p in predictor.top_moves(50)) - 1) < 1e-6


def test_pretrain_resume_continues_from_the_checkpoint(tiny_base: Path, tmp_path: Path) -> None:
    out = tmp_path / "resumed"
    shutil.copytree(tiny_base, out)
    shutil.copyfile(tiny_base / "checkpoint.pt", out / "checkpoint.pt")
    before = torch.load(out / "checkpoint.pt", weights_only=True)["progress"]["positions"]
    code = cli.main(["pretrain", "--pgn", str(DATA / "masters-100.pgn.xz"), "--out", str(out), "--epochs", "2",
                     "--resume", "--batch-positions", "2048", "--progress", "none", *TINY])
    assert code == 0
    after = torch.load(out / "checkpoint.pt", weights_only=True)["progress"]["positions"]
    assert after > before  # it continued (a second epoch) rather than starting again


def test_finetune_and_evaluate_a_player(tiny_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "jowen"
    code = cli.main(["finetune", "--player", "jowen93", "--pgn", str(JOWEN), "--base", str(tiny_base),
                     "--out", str(out), "--max-epochs", "2", "--progress", "none", "--home", str(tmp_path)])
    assert code == 0
    info = load_model_info(out)
    assert info.kind == "personal" and info.player == "jowen93" and info.games_trained == 200
    assert "validation_nll" in info.meta["evaluation"]
    capsys.readouterr()
    code = cli.main(["evaluate", "--model", str(out), "--player", "JOWEN93", "--pgn", str(JOWEN),
                     "--history", str(JOWEN), "--json", "--home", str(tmp_path)])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert {"player", "games", "positions", "top1", "top3", "nll", "by_phase", "baselines"} <= report.keys()
    assert report["games"] == 200 and report["positions"] > 5000
    assert 0 < report["top1"] <= report["top3"] <= 1
    assert set(report["by_phase"]) == {"1-10", "11-50", "51+"}
    assert sum(p["positions"] for p in report["by_phase"].values()) == report["positions"]
    # Every test game is in the history, so the frequency baseline knows most positions.
    assert report["baselines"]["frequency"]["top1"] > report["baselines"]["uniform"]["top1"]


def test_unknown_player_is_a_clear_error(tiny_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["evaluate", "--model", str(tiny_base), "--player", "Nobody", "--pgn", str(JOWEN),
                     "--home", str(tmp_path)])
    assert code == 2
    assert "no game of player 'Nobody'" in capsys.readouterr().err


def test_corrupt_model_is_a_clear_error(tiny_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_base, broken)
    data = (broken / "model.onnx").read_bytes()
    (broken / "model.onnx").write_bytes(data[: len(data) // 2])
    code = cli.main(["evaluate", "--model", str(broken), "--player", "jowen93", "--pgn", str(JOWEN)])
    assert code == 2
    assert "damaged or incomplete" in capsys.readouterr().err


def test_export_refuses_a_graph_that_disagrees_with_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kibitz.training import export

    model = StepModel(ModelConfig(channels=8, blocks=1, embed=32, hidden=32))
    games = build_corpus([JOWEN]).games([0])
    monkeypatch.setattr(export, "parity_error", lambda *a, **k: 0.5)
    with pytest.raises(ValueError, match="differs from torch"):
        export_model(model, tmp_path / "m", player=None, games_trained=1, parity_games=games)
    assert not (tmp_path / "m").exists()


def test_sequence_and_step_forms_agree_on_a_real_game() -> None:
    model = StepModel(ModelConfig(channels=8, blocks=1, embed=32, hidden=32)).eval()
    game = build_corpus([JOWEN]).games([3])
    positions = encode_games(game)
    feats = torch.from_numpy(positions.features).float()
    prev = torch.from_numpy(positions.prev_move.astype(np.int64))
    with torch.no_grad():
        z = model.encode(feats[None])
        seq_logits, _ = model.forward_sequence(z, prev[None])
        h = model.initial_state()
        for t in range(len(prev)):
            logits, h = model.forward_step(feats[t : t + 1], prev[t : t + 1], h)
            assert torch.allclose(logits[0], seq_logits[0, t], atol=1e-4)


def test_retrain_from_the_store_reports_json_lines(tmp_path: Path, tiny_base: Path, capsys: pytest.CaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from kibitz.engine.importer import import_files
    from kibitz.training import personal

    monkeypatch.setattr(personal, "base_model_dir", lambda: tiny_base)
    home = tmp_path / "home"
    with Store.open(home) as store:
        player = store.add_player("Jo")
        store.add_alias(player.id, "jowen93")
        import_files(store, [JOWEN])
    capsys.readouterr()
    assert cli.main(["--home", str(home), "--progress", "json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert events[-1]["event"] == "finished" and events[-1]["ok"]
    model_events = [e for e in events if e["event"] == "model"]
    assert len(model_events) == 1 and model_events[0]["player"] == "Jo"
    with Store.open(home) as store:
        record = store.latest_model(store.find_player("Jo").id)
        assert record is not None and record.games_trained == 200
        assert record.meta["installed"] == model_events[0]["installed"]
    # Nothing changed since: a second run has nothing to do.
    assert cli.main(["--home", str(home), "--progress", "json"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_without_torch_the_command_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    assert cli.main(["--progress", "json"]) == cli.EXIT_NO_TORCH
    event = json.loads(capsys.readouterr().out)
    assert event["event"] == "finished" and "pip install 'kibitz[train]'" in event["message"]
