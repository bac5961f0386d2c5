"""After a game: the review opens; with learning allowed, both models learn unasked, bounded in time."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from gui_helpers import ScriptedDialogs, drag_move
from kibitz.gui.insight.feature import LEARN_TIME_BUDGET_S

FINISHED = json.dumps(json.dumps({"event": "finished", "ok": True, "message": "learned"}))
FAKE_TRAINING = lambda player, home: (sys.executable, ["-c", f"print({FINISHED})"])  # noqa: E731


def _finish_a_game(qtbot: Any, window: Any, dialogs: ScriptedDialogs) -> Any:
    window.startup()
    session = window.play.session
    for uci in ("e2e4", "e7e5"):
        with qtbot.waitSignal(session.move_played, timeout=2000):
            drag_move(window.play.board, uci)
    dialogs.confirm_answer = True
    with qtbot.waitSignal(window.play.game_finished, timeout=5000):
        window.play.resign()
    return session


def test_learning_after_a_game_retrains_both_players_unasked(qtbot: Any, make_window: Any, app_settings: Any,
                                                             dialogs: ScriptedDialogs) -> None:
    app_settings.learn_after_game = True
    window = make_window(training_command=FAKE_TRAINING)
    runner = window.training.runner
    with qtbot.waitSignal(runner.finished, timeout=20000):
        session = _finish_a_game(qtbot, window, dialogs)
        arguments = runner.process.arguments()
    assert arguments[arguments.index("--time-budget") + 1] == f"{LEARN_TIME_BUDGET_S:g}"
    assert "Bob" in arguments and not any(title == "Game over" for title, _ in dialogs.asked)
    assert not any(title == "Training" for title, _, _ in dialogs.informed)  # a status line, no dialog
    review = window.insight.reviews[0]
    assert review.record.id == session.game_id


def test_without_learning_a_retrain_is_offered_and_the_review_opens(qtbot: Any, make_window: Any,
                                                                    dialogs: ScriptedDialogs) -> None:
    window = make_window(training_command=FAKE_TRAINING)
    runner = window.training.runner
    with qtbot.waitSignal(runner.finished, timeout=20000):
        session = _finish_a_game(qtbot, window, dialogs)  # "yes" to the resign, and to the offer
        arguments = runner.process.arguments()
    assert any(title == "Game over" for title, _ in dialogs.asked)
    assert "--time-budget" not in arguments  # an asked-for retrain is the ordinary one
    assert [r.record.id for r in window.insight.reviews] == [session.game_id]


def test_learning_that_takes_too_long_is_stopped(qtbot: Any, make_window: Any) -> None:
    window = make_window(training_command=lambda player, home: (sys.executable, ["-c", "import time; time.sleep(60)"]))
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    with qtbot.waitSignal(window.training.runner.finished, timeout=20000) as done:
        window.training.learn(["Alice", "Bob"], LEARN_TIME_BUDGET_S, 0.5)
    assert done.args[0] is False and not window.training.runner.running
    assert any("took too long" in text for text in said)


def test_without_the_training_extra_learning_says_so_and_stays(qtbot: Any, make_window: Any, app_settings: Any,
                                                              dialogs: ScriptedDialogs,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from kibitz.engine.words import TRAINING_INSTALL_HINT

    monkeypatch.setitem(sys.modules, "torch", None)  # as if the extra were not installed
    app_settings.learn_after_game = True  # turned on while it was
    window = make_window()  # the real kibitz-train command, which needs torch
    action = window.insight.learn_action
    assert not action.isEnabled() and "needs the training extra" in action.text()
    assert TRAINING_INSTALL_HINT in action.toolTip()
    _finish_a_game(qtbot, window, dialogs)
    assert not window.training.runner.running and not any(title == "Game over" for title, _ in dialogs.asked)
    notice = window.training.label
    assert "Not learning from the game" in notice.text() and 'pip install ".[train]"' in notice.text()
    assert notice.isVisible()  # a lasting part of the status bar, not a message that goes after seconds
    window.training.start(None)  # an asked-for retrain explains instead of failing
    assert dialogs.informed[-1][0] == "Training" and TRAINING_INSTALL_HINT in dialogs.informed[-1][1]
