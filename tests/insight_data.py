"""A small store for the insight tests: one real player's games, imported from tests/data."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

from kibitz.engine import pgn
from kibitz.engine.models import base_model_dir, new_model_version_dir

DATA = Path(__file__).parent / "data"
PLAYER = "jowen93"


def store_with_games(store: Any, count: int = 12) -> Any:
    """Import jowen93's first ``count`` games into ``store`` and return the player."""
    games = [g for g in pgn.read_games(DATA / "jowen93-200.pgn.xz") if isinstance(g, pgn.PgnGame)]
    store.import_games(itertools.islice(games, count))
    return store.add_player(PLAYER)


def add_model_versions(store: Any, player: Any) -> list[Path]:
    """Two model versions (copies of the base adapter at rating 1500), recorded as a retrain records
    them: the first installed; a later one not better (kept in the history); the first served again."""
    folders = [new_model_version_dir(store.home, player.id) for _ in range(2)]
    assert folders[0] != folders[1]  # stamped to the microsecond
    for folder in folders:
        shutil.copytree(base_model_dir(), folder)
    store.record_model(player.id, folders[0], 10, {"installed": True, "rating": 1500})
    store.record_model(player.id, folders[1], 12, {"installed": False, "rating": 1500, "reason": "not better"})
    store.record_model(player.id, folders[0], 10, {"installed": True, "rating": 1500, "kept": "retrain not better"})
    return folders
