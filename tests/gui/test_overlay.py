"""The prediction overlay: shapes from a fixed fake predictor, hiding modes, failing models."""

from __future__ import annotations

from typing import Any

import chess
import pytest

from conftest import wait_predictions
from gui_helpers import FakeStatus, click_move
from kibitz.gui.geometry import BoardGeometry
from kibitz.gui.overlay import arrow_endpoints, compute_shapes, label_boxes
from kibitz.gui.play.predictions import LOADING
from kibitz.gui.settings import AppSettings, OverlayMode


def _squares(shapes: list[Any]) -> list[str]:
    return [chess.square_name(s.orig) + chess.square_name(s.dest) for s in shapes]


def test_overlay_shows_the_fake_predictors_top_three(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    shapes = window.play.board.shapes()
    assert _squares(shapes) == ["e2e4", "d2d4", "g1f3"]
    assert [s.label for s in shapes] == ["50%", "25%", "15%"]
    assert shapes[0].brush.opacity >= 0.6
    assert shapes[0].brush.width > shapes[1].brush.width > shapes[2].brush.width
    assert window.play.prediction_panel.texts() == ["e4  50%", "d4  25%", "Nf3  15%", "c4  5%", "Nc3  3%"]
    assert "fake model for tests" in window.play.prediction_panel.status.text()
    click_move(qtbot, window.play.board, "e2e4")
    wait_predictions(qtbot, window)
    # now Black's predictor (legal moves in UCI order, halving)
    assert window.predictions.turn == chess.BLACK
    assert _squares(window.play.board.shapes()) == ["a7a5", "a7a6", "b7b5"]


def test_shapes_are_plain_data_and_converging_arrows_are_shortened() -> None:
    moves = [(chess.Move.from_uci(u), p) for u, p in
             [("g1f3", 0.4), ("e2e4", 0.3), ("d2f3", 0.2), ("a2a3", 0.05), ("e7e8q", 0.01), ("e7e8n", 0.01)]]
    shapes = compute_shapes(moves)
    assert len(shapes) == 3
    assert [s.shortened for s in shapes] == [True, False, True]
    assert compute_shapes(moves) == shapes  # pure
    promotions = compute_shapes([(chess.Move.from_uci("e7e8q"), 0.3), (chess.Move.from_uci("e7e8n"), 0.2)])
    assert len(promotions) == 1 and promotions[0].label == "30%"  # the queen's, as in the panel


def test_a_confident_prediction_is_not_drawn_with_a_fan_of_tiny_arrows() -> None:
    moves = [(chess.Move.from_uci(u), p) for u, p in [("c5d4", 0.965), ("g8f6", 0.029), ("b8c6", 0.002)]]
    assert _squares(compute_shapes(moves)) == ["c5d4", "g8f6"]
    assert _squares(compute_shapes([(chess.Move.from_uci("e2e4"), 0.001)])) == ["e2e4"]  # the top one stays


@pytest.mark.parametrize("flipped", [False, True])
def test_arrows_leave_the_moving_piece_visible_and_labels_apart(flipped: bool) -> None:
    geometry = BoardGeometry.fit(400, 400, flipped=flipped)
    s = geometry.square_size
    moves = [(chess.Move.from_uci(u), p) for u, p in [("g1f3", 0.4), ("a7a6", 0.3), ("d2f3", 0.2)]]
    shapes = compute_shapes(moves)
    for shape in shapes:
        start, end = arrow_endpoints(shape, geometry)
        origin = geometry.square_center(shape.orig)
        assert abs(start.x() - origin.x()) + abs(start.y() - origin.y()) >= 0.3 * s  # starts off the piece
        assert geometry.square_rect(shape.dest).contains(end)
        assert (end - start).manhattanLength() >= 0.4 * s  # even the one-square push is a visible arrow
    boxes = label_boxes(shapes, geometry, [(0.6 * s, 0.3 * s)] * len(shapes))
    assert all(geometry.rect.contains(box) for box in boxes)
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_overlay_modes_and_remembered_setting(qtbot: Any, make_window: Any, qsettings: Any) -> None:
    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    window.play.overlay_actions[OverlayMode.OFF].trigger()
    assert window.play.board.shapes() == []
    assert window.play.prediction_panel.texts() == []  # hidden means hidden: the panel's list too
    assert "hidden" in window.play.prediction_panel.status.text()
    assert AppSettings(qsettings).overlay_mode is OverlayMode.OFF

    window.play.overlay_actions[OverlayMode.OPPONENT].trigger()
    assert not window.play.board.is_flipped()  # White at the bottom, White to move: hidden
    assert window.play.board.shapes() == [] and window.play.prediction_panel.texts() == []
    click_move(qtbot, window.play.board, "e2e4")
    wait_predictions(qtbot, window)
    assert not window.play.board.is_flipped()  # no auto-orient in this mode
    assert len(window.play.board.shapes()) == 3  # Black's (the opponent's) moves are shown

    # a fresh settings object on the same file, and a new window, remember the choice
    qsettings.sync()
    again = AppSettings(type(qsettings)(qsettings.fileName(), qsettings.format()))
    assert again.overlay_mode is OverlayMode.OPPONENT
    other = make_window(settings=again)
    assert other.play.overlay_actions[OverlayMode.OPPONENT].isChecked()


def test_loading_is_shown_then_the_description(qtbot: Any, make_window: Any) -> None:
    import threading

    gate = threading.Event()

    class SlowFactory:
        def __call__(self, player: Any, store: Any) -> Any:
            from gui_helpers import FakePredictor

            gate.wait(5)
            return FakePredictor(player, status=FakeStatus("personal", "personal model, trained on 12 games"))

    window = make_window(predictor_factory=SlowFactory())
    window.startup()
    assert LOADING in window.play.prediction_panel.status.text()
    click_move(qtbot, window.play.board, "e2e4")  # the board works while the models load
    gate.set()
    wait_predictions(qtbot, window)
    assert "trained on 12 games" in window.play.prediction_panel.status.text()
    assert len(window.play.board.shapes()) == 3


@pytest.mark.parametrize("failure", ["raises", "none"])
def test_missing_or_broken_model_leaves_a_working_board(qtbot: Any, make_window: Any, failure: str) -> None:
    from kibitz.engine.predictor import NullPredictor

    def factory(player: Any, store: Any) -> Any:
        if failure == "raises":
            raise OSError("model.onnx is truncated")
        return NullPredictor("no model: assets/base/model.onnx is missing")

    window = make_window(predictor_factory=factory)
    window.startup()
    wait_predictions(qtbot, window)
    expected = "truncated" if failure == "raises" else "missing"
    assert expected in window.play.prediction_panel.status.text()
    assert window.play.board.shapes() == []
    with qtbot.waitSignal(window.play.session.move_played):
        click_move(qtbot, window.play.board, "e2e4")
