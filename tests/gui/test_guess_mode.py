"""Guess the move in the window: the watching player's drag is a guess (drawn, not played), the
arrows show only after it, and the real move scores the guess against the model."""

from __future__ import annotations

from typing import Any

import chess

from gui_helpers import drag_move
from kibitz.engine.guess import Tally, game_tally, pair_tally


def test_guess_then_play_scores_the_human_against_the_model(qtbot: Any, make_window: Any, store: Any) -> None:
    window = make_window()
    window.startup()
    play, session = window.play, window.play.session
    window.insight.guess_action.setChecked(True)
    qtbot.waitUntil(lambda: bool(play.predictions.predictions()), timeout=5000)  # the fake model: e4 first
    assert play.board.shapes() == [] and play.prediction_panel.texts() == []
    assert "Guess the move: Bob" in play.prediction_panel.status.text()
    # Bob (watching) guesses d4: nothing is played, his guess is drawn and the model's arrows appear.
    drag_move(play.board, "d2d4")
    assert session.ply == 0 and store.game(session.game_id).moves == ()
    brushes = [s.brush.name for s in play.board.shapes()]
    assert "guess" in brushes and "predicted1" in brushes
    # Alice plays d4: Bob was right, the model (e4) wrong.
    with qtbot.waitSignal(session.move_played, timeout=2000):
        drag_move(play.board, "d2d4")
    alice, bob = store.find_player("Alice"), store.find_player("Bob")
    assert game_tally(store, session.game_id, bob.id) == Tally(1, 1, 0)
    assert "Bob right, the model wrong" in window.statusBar().currentMessage()
    # Now Alice watches: the arrows wait for her guess again.
    assert play.board.shapes() == []
    drag_move(play.board, "d7d5")
    with qtbot.waitSignal(session.move_played, timeout=2000):
        drag_move(play.board, "g8f6")
    assert game_tally(store, session.game_id, alice.id) == Tally(1, 0, 0)
    assert pair_tally(store, alice.id, bob.id) == Tally(1, 0, 0)
    # A takeback forgets the guess on the move taken back.
    window.play.takeback()
    assert game_tally(store, session.game_id, alice.id) == Tally()
    window.insight.guess_action.setChecked(False)  # off: a drag plays again
    with qtbot.waitSignal(session.move_played, timeout=2000):
        drag_move(play.board, "g8f6")
    assert session.board.move_stack[-1] == chess.Move.from_uci("g8f6")
