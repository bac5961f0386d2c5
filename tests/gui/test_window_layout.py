"""Layout a new user met: the side panel in a 600x400 window, the review window's place on the screen."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import QPoint

from conftest import wait_predictions
from gui_helpers import FakePredictorFactory, FakeStatus

LONG_DESCRIPTION = "Maia-3 at 1,450 vs 1,700 + personal model from 2,273 games (its network trained on the newest 1,273)"


class LongDescriptions(FakePredictorFactory):
    def __call__(self, player: Any, store: Any) -> Any:
        predictor = super().__call__(player, store)
        predictor.status = FakeStatus("personal", LONG_DESCRIPTION, rating=1450)  # and a ratings line
        return predictor


def _inside(widget: Any, window: Any) -> bool:
    bottom_right = widget.mapTo(window, QPoint(widget.width(), widget.height()))
    return bottom_right.y() <= window.height() and bottom_right.x() <= window.width()


def test_the_side_panel_fits_a_600_by_400_window(qtbot: Any, make_window: Any) -> None:
    window = make_window(predictor_factory=LongDescriptions())
    window.startup()
    board = chess.Board()
    for san in "e4 e5 Nf3 Nc6 Bb5 a6 Ba4 Nf6 O-O Be7".split():
        move = board.parse_san(san)
        board.push(move)
        window.play.session.play(move)
    window.play.step(-1)  # walking back adds a line to the status and a note to the panel
    wait_predictions(qtbot, window)
    window.resize(600, 400)
    qtbot.waitUntil(lambda: window.size().height() == 400 and window.size().width() == 600, timeout=2000)
    view = window.play.view
    assert LONG_DESCRIPTION in view.prediction_panel.status.text()
    # Each player's rating line gives way to the model's words and the move list in a small window.
    assert "Alice 1,450: fitted on their games" in view.prediction_panel.ratings.toolTip()
    assert _inside(view.prediction_panel.ratings, window.centralWidget())
    for widget in (view.takeback_button, view.play_on_button, view.resign_button, view.prediction_panel,
                   view.move_list):
        assert widget.isVisible() and _inside(widget, window.centralWidget()), widget
    assert view.move_list.height() >= view.move_list.minimumHeight() > 0


def test_the_review_window_opens_on_the_screen(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    for uci in ("e2e4", "e7e5"):
        window.play.session.play(chess.Move.from_uci(uci))
    screen = window.screen().availableGeometry()
    window.move(screen.right() - window.width() // 2, screen.bottom() - window.height() // 2)  # near a corner
    review = window.insight.review_current()
    assert review is not None
    page = window.insight.show_player(window.play.players[chess.WHITE].id)
    for opened in (review, page):
        frame, least = opened.frameGeometry(), opened.minimumSizeHint()
        if least.width() < screen.width() and least.height() < screen.height():
            assert screen.contains(frame), (opened, screen, frame)
        else:  # larger than this screen allows: its title bar and left edge stay on it
            assert screen.contains(frame.topLeft()), (opened, screen, frame)
