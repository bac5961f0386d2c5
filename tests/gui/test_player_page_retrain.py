"""A player's page retrains that player alone."""

from __future__ import annotations

import json
import sys
from typing import Any

FINISHED = json.dumps(json.dumps({"event": "finished", "ok": True, "message": "learned"}))


def test_retrain_one_player_from_their_page(qtbot: Any, make_window: Any, store: Any) -> None:
    store.add_player("Dad")
    son = store.add_player("Son")
    asked: list[str | None] = []

    def fake_training(player: str | None, home: Any) -> tuple[str, list[str]]:
        asked.append(player)
        return sys.executable, ["-c", f"print({FINISHED})"]

    window = make_window(training_command=fake_training)
    window.tabs.setCurrentIndex(2)
    players = window.library.players_view
    players.list.setCurrentRow(1)
    assert players.current_id == son.id
    runner = window.training.runner
    with qtbot.waitSignal(runner.finished, timeout=20000):
        players.buttons["retrain"].click()
    assert asked == ["Son"]
