"""Learning after a game: every version kept in the history, the better one served, and a kill -9
during a retrain leaves the installed model untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from insight_data import PLAYER, add_model_versions, store_with_games
from kibitz.engine.models import base_model_dir, clean_work, load_model_info, sha256_file, work_root
from kibitz.engine.predictor import open_predictor
from kibitz.engine.store import Store

pytest.importorskip("torch")


@pytest.fixture
def learned_home(kibitz_home: Path) -> Path:
    """Twenty-two of jowen93's games (a personal model needs 20) and an installed personal model."""
    with Store.open(kibitz_home) as store:
        add_model_versions(store, store_with_games(store, 22))
    return kibitz_home


@pytest.mark.parametrize("improved", [True, False])
def test_every_version_is_kept_and_the_better_one_served(learned_home: Path, monkeypatch, improved: bool) -> None:
    from kibitz.training import personal

    def fake_finetune(games, out, reporter, *, player, current=None, settings=None, **_):
        import shutil

        shutil.copytree(base_model_dir(), out)  # stands in for a trained, exported candidate
        figures = {"top1": 0.5, "top3": 0.8, "nll": 1.4, "positions": 10}
        worse = {**figures, "nll": 1.5 if improved else 1.3}
        assert settings.time_budget_s == 7
        return personal.FinetuneResult(out, rating=1500, rating_nll={}, book_strength=float("inf"), current=worse,
                                       candidate=figures, current_kind="personal", epochs=1.0, train_games=20,
                                       val_games=2, seconds=1.0)

    monkeypatch.setattr(personal, "finetune", fake_finetune)
    with Store.open(learned_home) as store:
        served_before = store.latest_model(1).path  # no new game: a named player is retrained anyway
    assert personal.retrain_changed(learned_home, [PLAYER], progress="none", time_budget_s=7) == 0
    with Store.open(learned_home) as store:
        history = store.model_history(1)
        candidate = history[-1].path if improved else history[-2].path
        assert candidate not in (served_before,) and candidate.is_dir()  # kept either way
        assert store.latest_model(1).path == (candidate if improved else served_before)
        assert store.latest_model(1).meta["installed"] is True


@pytest.mark.slow
def test_kill_9_during_a_retrain_leaves_the_installed_model_untouched(learned_home: Path) -> None:
    with Store.open(learned_home) as store:
        before = store.latest_model(1)
        digest = sha256_file(before.path / "model.onnx")
        served = open_predictor(store.player(1), store).status
    process = subprocess.Popen(
        [sys.executable, "-m", "kibitz.training.cli", "--home", str(learned_home), "--progress", "json",
         "--player", PLAYER, "--time-budget", "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:  # kill once the fine-tuning has begun
            event = json.loads(line)
            assert event["event"] != "finished", event
            if event.get("stage") == "fine-tune":
                break
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    # Its prior cache is left in its scratch folder; the next run (or the app, seeing it end) removes it.
    left = list((learned_home / "work").iterdir())
    assert len(left) == 1 and any(left[0].rglob("*.npy"))
    assert clean_work(work_root(learned_home)) == 1 and not any((learned_home / "work").iterdir())
    with Store.open(learned_home) as store:
        after = store.latest_model(1)
        assert (after.path, after.meta) == (before.path, before.meta)
        assert load_model_info(after.path) and sha256_file(after.path / "model.onnx") == digest
        assert open_predictor(store.player(1), store).status == served
