"""The player page: the profile computed in the background, tables and trees filled, revert serves an
earlier version and reloads the page."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import Qt, QThreadPool

from insight_data import add_model_versions, store_with_games
from kibitz.gui.insight import InsightPage


def test_player_page_shows_the_profile_and_reverts(qtbot: Any, store: Any) -> None:
    player = store_with_games(store, 12)
    folders = add_model_versions(store, player)
    pool = QThreadPool()
    page = InsightPage(store, pool)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.profile_ready, timeout=60000) as ready:
        page.load(player)
    profile = ready.args[0]
    assert profile.games == 12 and "jowen93" in page.header.text()
    assert 'data-name="model top-1"' in page.charts["accuracy"].svg()
    # The opening tree as White starts with the player's first moves and their counts.
    white = page.trees[chess.WHITE]
    first = profile.openings[chess.WHITE].children
    assert white.topLevelItemCount() == len(first) > 0
    assert white.topLevelItem(0).text(0) == f"1. {first[0].san}"
    assert white.topLevelItem(0).text(1) == str(first[0].games)
    # Version 1 is served; version 2 (not installed then) can be served again.
    assert list(page.revert_buttons) == [folders[1]]
    with qtbot.waitSignals([page.model_reverted, page.profile_ready], timeout=60000):
        qtbot.mouseClick(page.revert_buttons[folders[1]], Qt.MouseButton.LeftButton)
    assert store.latest_model(player.id).path == folders[1]
    assert list(page.revert_buttons) == [folders[0]]
    assert [v.current for v in page.profile.versions] == [False, True]
    pool.waitForDone(10000)
