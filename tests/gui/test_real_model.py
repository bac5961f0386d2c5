"""The window with the real predictor and the bundled base model (no fakes): arrows and status."""

from __future__ import annotations

from typing import Any

import chess

from conftest import wait_predictions
from gui_helpers import click_move
from kibitz.gui.overlay import MAX_ARROWS
from kibitz.gui.play.predictions import default_predictor_factory

# Replies to 1.e4 that people actually play; a base model ranking anything else first is broken.
COMMON_REPLIES = {"c5", "e5", "e6", "c6", "d5", "d6", "g6", "Nf6", "Nc6"}


def test_base_model_draws_arrows_for_blacks_moves_after_e4(qtbot: Any, make_window: Any) -> None:
    window = make_window(predictor_factory=default_predictor_factory)  # the app's own
    window.startup()
    wait_predictions(qtbot, window)
    assert "Maia 1500 prior + base adapter" in window.play.prediction_panel.status.text()
    with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
        click_move(qtbot, window.play.board, "e2e4")
    wait_predictions(qtbot, window)

    board = window.play.session.board
    assert board.turn == chess.BLACK
    legal = {(m.from_square, m.to_square) for m in board.legal_moves}
    shapes = window.play.board.shapes()
    assert 1 <= len(shapes) <= MAX_ARROWS
    assert all((s.orig, s.dest) in legal for s in shapes)
    assert shapes[0].brush.opacity >= 0.6 and all(s.label.endswith("%") for s in shapes)

    predictions = list(window.predictions.predictions())
    assert len(predictions) == 5 and all(p.move in board.legal_moves for p in predictions)
    assert (shapes[0].orig, shapes[0].dest) == (predictions[0].move.from_square, predictions[0].move.to_square)
    assert predictions[0].san in COMMON_REPLIES
    rows = window.play.prediction_panel.texts()
    assert [row.split()[0] for row in rows] == [p.san for p in predictions]
    assert "Likely moves for Bob" in window.play.prediction_panel.title.text()
    assert "Maia 1500 prior + base adapter" in window.play.prediction_panel.status.text()

    before = window.play.board.paint_count
    window.play.board.repaint()  # the real shapes paint
    assert window.play.board.paint_count > before
