"""The move-input controller and the board geometry, without widgets."""

from __future__ import annotations

import chess
from hypothesis import given
from hypothesis import strategies as st

from kibitz.gui.board_view import MoveInputController
from kibitz.gui.geometry import BoardGeometry

DESTS = {chess.E2: {chess.E3, chess.E4}, chess.G1: {chess.F3, chess.H3}}


def test_drag_needs_movement_beyond_threshold() -> None:
    c = MoveInputController(DESTS)
    assert c.press(chess.E2, (10, 10)) is None
    assert not c.move((11, 11))  # jitter is not a drag
    assert c.move((40, 40)) and c.dragging
    assert c.release(chess.E4, (40, 40)) == (chess.E2, chess.E4)
    assert c.selected is None and not c.dragging


def test_drag_to_illegal_square_deselects_and_back_to_origin_keeps_selection() -> None:
    c = MoveInputController(DESTS)
    c.press(chess.E2, (0, 0))
    c.move((50, 50))
    assert c.release(chess.E5, (50, 50)) is None and c.selected is None
    c.press(chess.E2, (0, 0))
    c.move((50, 50))
    assert c.release(chess.E2, (1, 1)) is None and c.selected == chess.E2


def test_click_click() -> None:
    c = MoveInputController(DESTS)
    c.press(chess.G1, (0, 0))
    c.release(chess.G1, (0, 0))
    assert c.press(chess.F3, (0, 0)) == (chess.G1, chess.F3)


@given(st.integers(100, 2000), st.integers(100, 2000), st.booleans(), st.sampled_from(chess.SQUARES))
def test_geometry_round_trip_and_centred(width: int, height: int, flipped: bool, square: int) -> None:
    g = BoardGeometry.fit(width, height, flipped=flipped)
    center = g.square_center(square)
    assert g.square_at(center.x(), center.y()) == square
    assert abs(g.left - (width - g.size - g.left)) <= 1 and abs(g.top - (height - g.size - g.top)) <= 1
    assert g.size <= min(width, height)
