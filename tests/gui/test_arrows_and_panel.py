"""Arrows and the panel agree: a promotion's number, arrows on one line side by side, the rest as "others"."""

from __future__ import annotations

from typing import Any

import chess

from conftest import wait_predictions
from kibitz.gui.geometry import BoardGeometry
from kibitz.gui.overlay import Brush, Shape, arrow_polygons, compute_shapes, label_boxes
from kibitz.gui.review.review_window import MODEL, PLAYED


def _apart(shapes: list[Shape], flipped: bool = False) -> bool:
    """No two arrows, as painted, cover each other."""
    polygons = arrow_polygons(shapes, BoardGeometry.fit(480, 480, flipped=flipped))
    for i, a in enumerate(polygons):
        for b in polygons[i + 1:]:
            overlap = a.intersected(b).boundingRect()
            if overlap.width() * overlap.height() > 1.0:
                return False
    return True


def test_a_promotion_arrow_shows_the_panels_number_not_the_sum() -> None:
    moves = [(chess.Move.from_uci(u), p) for u, p in [("a7a8q", 0.93), ("a7a8n", 0.02), ("a7a8r", 0.01)]]
    (arrow,) = compute_shapes(moves)
    assert arrow.label == "93%"
    (knight,) = compute_shapes([(chess.Move.from_uci("a7a8n"), 0.6), (chess.Move.from_uci("a7a8q"), 0.3)])
    assert knight.label == "=N 60%"


def test_review_arrows_for_an_underpromotion_and_the_models_queen_are_both_seen() -> None:
    played = Shape(chess.B7, chess.B8, PLAYED, "=N 3%")
    model = Shape(chess.B7, chess.B8, MODEL, "90%")
    for flipped in (False, True):
        assert _apart([model, played], flipped)
    geometry = BoardGeometry.fit(480, 480)
    first, second = label_boxes([model, played], geometry, [(50.0, 20.0)] * 2)
    assert not first.intersects(second)


def test_arrows_along_one_line_lie_side_by_side() -> None:
    brush = Brush("p", "#15781b", 0.8, 0.15)
    along_a_file = [Shape(chess.D1, chess.D3, brush), Shape(chess.D1, chess.D6, brush), Shape(chess.D8, chess.D4, brush)]
    assert _apart(along_a_file)
    diagonal = [Shape(chess.C1, chess.H6, brush), Shape(chess.C1, chess.E3, brush)]
    assert _apart(diagonal)
    crossing = [Shape(chess.A1, chess.H8, brush), Shape(chess.H1, chess.A8, brush)]  # not one line: untouched
    assert not _apart(crossing)


def test_the_panel_adds_up_to_a_hundred(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    panel = window.play.prediction_panel
    assert panel.texts() == ["e4  50%", "d4  25%", "Nf3  15%", "c4  5%", "Nc3  3%"]
    assert panel.others_text() == "others  2%"
