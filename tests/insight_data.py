"""A small store for the insight tests: one real player's games, imported from tests/data."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from kibitz.engine import pgn

DATA = Path(__file__).parent / "data"
PLAYER = "jowen93"


def store_with_games(store: Any, count: int = 12) -> Any:
    """Import jowen93's first ``count`` games into ``store`` and return the player."""
    games = [g for g in pgn.read_games(DATA / "jowen93-200.pgn.xz") if isinstance(g, pgn.PgnGame)]
    store.import_games(itertools.islice(games, count))
    return store.add_player(PLAYER)
