"""The insight feature: reviews open after a game, learning is asked for only when allowed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMenu, QWidget

from insight_data import store_with_games
from kibitz.gui.insight.feature import InsightFeature


def test_after_a_game_the_review_opens_and_learning_follows_the_setting(qtbot: Any, store: Any,
                                                                         app_settings: Any) -> None:
    player = store_with_games(store, 1)
    game_id = store.games_of_player(player.id)[0].id
    window = QWidget()
    qtbot.addWidget(window)
    pool = QThreadPool()
    feature = InsightFeature(store, app_settings, pool, window, lambda: game_id)
    feature.fill_menu(window, QMenu())
    asked: list[list[str]] = []
    feature.learn_requested.connect(asked.append)
    assert feature.after_game(game_id, ["jowen93"]) is False and asked == []
    review = feature.reviews[0]
    with qtbot.waitSignal(review.review_ready, timeout=30000):  # queued: delivered once the loop runs
        pass
    assert review.isWindow() and review.surprises.count() > 0
    feature.learn_action.setChecked(True)  # the setting, kept
    assert app_settings.learn_after_game
    assert feature.after_game(game_id, ["jowen93", "Opponent"]) is True and asked == [["jowen93", "Opponent"]]
    feature.guess_action.setChecked(True)
    assert app_settings.guess_mode and feature.guesses.enabled
    pool.waitForDone(30000)
