"""Fair judging: a retrain on unchanged games scores the current model and the candidate on the same
games, which neither learned from, so an equal model is never beaten by what the other memorised."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from kibitz.engine import models, pgn, ratings
from kibitz.engine.models import load_model_info
from kibitz.engine.player_games import judged_split
from kibitz.engine.store import Store

torch = pytest.importorskip("torch")

from kibitz.training import personal  # noqa: E402
from kibitz.training.player_games import player_games_from_store  # noqa: E402
from kibitz.training.progress import Reporter  # noqa: E402
from kibitz.training.train import TrainSettings  # noqa: E402

DATA = Path(__file__).parent / "data"
QUICK = TrainSettings(lr=3e-4, games_per_batch=16, max_epochs=1.0, evals_per_epoch=2, patience=2, threads=1)


@pytest.fixture
def jowen_home(kibitz_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Forty of jowen93's real games in a store made here."""
    monkeypatch.setattr(ratings, "SAMPLE_POSITIONS", 150)  # the rating from fewer moves: seconds, not tens
    games = [g for g in pgn.read_games(DATA / "jowen93-200.pgn.xz") if isinstance(g, pgn.PgnGame)]
    with Store.open(kibitz_home) as store:
        store.import_games(itertools.islice(games, 40))
        store.add_player("jowen93")
    return kibitz_home


def test_a_retrain_on_unchanged_games_finds_the_current_model_no_better(jowen_home: Path) -> None:
    with Store.open(jowen_home) as store:
        player = store.find_player("jowen93")
        games = player_games_from_store(store, player.id)
        first = models.new_model_version_dir(store.home, player.id)
        result = personal.finetune(games, first, Reporter("none"), player=player.name, settings=QUICK)
        models.record_installed(store, player.id, first, len(games), {"rating": result.rating})  # installed, whatever it scored
    assert personal.retrain_changed(jowen_home, ["jowen93"], progress="none", settings=QUICK) == 0
    with Store.open(jowen_home) as store:
        history = store.model_history(player.id)
        second = load_model_info(history[-2].path)  # the candidate, recorded before the kept model
    # Judged on the same games as the first: those its adapter never trained on, its book without them.
    first_info = load_model_info(first)
    assert second.meta["training"]["judged_games"] == first_info.meta["training"]["judged_games"]
    assert not set(second.meta["training"]["judged_games"]) & models.adapter_games(first_info)
    assert len(models.adapter_games(first_info)) == len(games) - len(first_info.meta["training"]["judged_games"])
    judged = second.meta["evaluation"]
    # The same games and the same training give the same model: equal figures, not "74% against 55%".
    assert judged["personal_served"]["positions"] == judged["served"]["positions"] > 100
    assert judged["personal_served"]["top1"] == pytest.approx(judged["served"]["top1"], abs=1e-9)
    assert judged["personal_served"]["nll"] == pytest.approx(judged["served"]["nll"], abs=1e-4)
    assert history[-1].path == first  # an equal model is not installed: the current one stays


def test_with_nothing_unseen_the_book_is_updated_without_judging(jowen_home: Path) -> None:
    """A model whose adapter learned from every game leaves nothing to judge on: no retrain, no new
    version; its book already counts every game (the live book)."""
    with Store.open(jowen_home) as store:
        player = store.find_player("jowen93")
        games = player_games_from_store(store, player.id)
        keys = personal.game_keys(games)
        assert judged_split(keys, set(keys)) is None
        folder = models.new_model_version_dir(store.home, player.id)  # a personal model that learned every game
        base = models.base_model_dir()
        meta = {**load_model_info(base).meta, "kind": "personal", "player": player.name, "rating": 1500,
                "training": {"adapter_games": keys}}
        models.write_model_folder(folder, (base / models.MODEL_FILE).read_bytes(), meta)
        models.record_installed(store, player.id, folder, len(games), {"rating": 1500})
        with pytest.raises(personal.NothingToJudge, match="nothing new to judge on"):
            personal.finetune(games, store.home / "never", Reporter("none"), player=player.name,
                              current=folder, settings=QUICK)
        assert not (store.home / "never").exists()
