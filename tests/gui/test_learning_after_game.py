"""After a game: the review opens, the players' books count the game at once, and the network
retrains (unasked with learning on, offered without) only for players with enough new games - and
the status bar says which and why."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from gui_helpers import ScriptedDialogs, drag_move
from kibitz.engine import pgn
from kibitz.engine.player_games import MIN_ADAPTER_GAMES
from kibitz.gui.insight.feature import LEARN_TIME_BUDGET_S

FINISHED = json.dumps(json.dumps({"event": "finished", "ok": True, "message": "learned"}))
FAKE_TRAINING = lambda player, home: (sys.executable, ["-c", f"print({FINISHED})", "--player", str(player)])  # noqa: E731
DATA = Path(__file__).parents[1] / "data"


def _give_bob_games(store: Any, count: int = 25) -> None:
    """Bob played jowen93's first ``count`` games (real games, imported here): his network is due."""
    games = [g for g in pgn.read_games(DATA / "jowen93-200.pgn.xz") if isinstance(g, pgn.PgnGame)]
    store.import_games(itertools.islice(games, count))
    bob = store.find_player("Bob") or store.add_player("Bob")
    store.add_alias(bob.id, "jowen93")


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


def test_after_a_first_game_the_book_learns_and_the_app_says_when_the_network_will(
        qtbot: Any, make_window: Any, app_settings: Any, dialogs: ScriptedDialogs) -> None:
    app_settings.learn_after_game = True
    window = make_window(training_command=FAKE_TRAINING)
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    session = _finish_a_game(qtbot, window, dialogs)
    assert not window.training.runner.running  # one game: nothing for the network to judge on yet
    text = next(t for t in said if "Alice: " in t)
    assert "Alice: 1 game" in text and "Alice's openings from now on" in text
    assert f"the network learns after {MIN_ADAPTER_GAMES}" in text and "Bob: 1 game" in text
    assert [r.record.id for r in window.insight.reviews] == [session.game_id]
    assert not any(title == "Game over" for title, _ in dialogs.asked)


def test_learning_after_a_game_retrains_the_due_player_unasked(qtbot: Any, make_window: Any, app_settings: Any,
                                                               dialogs: ScriptedDialogs, store: Any) -> None:
    _give_bob_games(store)
    app_settings.learn_after_game = True
    window = make_window(training_command=FAKE_TRAINING)
    runner = window.training.runner
    with qtbot.waitSignal(runner.finished, timeout=20000):
        _finish_a_game(qtbot, window, dialogs)
        arguments = runner.process.arguments()
    assert arguments[arguments.index("--time-budget") + 1] == f"{LEARN_TIME_BUDGET_S:g}"
    assert "Bob" in arguments and "Alice" not in arguments  # Alice has one game: her book learns, no network yet
    assert not any(title == "Game over" for title, _ in dialogs.asked)
    assert not any(title == "Training" for title, _, _ in dialogs.informed)  # a status line, no dialog


def test_without_learning_a_retrain_is_offered_when_due(qtbot: Any, make_window: Any, dialogs: ScriptedDialogs,
                                                        store: Any) -> None:
    _give_bob_games(store)
    window = make_window(training_command=FAKE_TRAINING)
    runner = window.training.runner
    with qtbot.waitSignal(runner.finished, timeout=20000):
        session = _finish_a_game(qtbot, window, dialogs)  # "yes" to the resign, and to the offer
        arguments = runner.process.arguments()
    offer = next(text for title, text in dialogs.asked if title == "Game over")
    assert "Bob: 26 games" in offer and "learns Bob's moves now" in offer
    assert "--time-budget" not in arguments  # an asked-for retrain is the ordinary one
    assert [r.record.id for r in window.insight.reviews] == [session.game_id]


def test_learning_that_takes_too_long_is_stopped(qtbot: Any, make_window: Any, store: Any) -> None:
    _give_bob_games(store)
    window = make_window(training_command=lambda player, home: (sys.executable, ["-c", "import time; time.sleep(60)"]))
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    with qtbot.waitSignal(window.training.runner.finished, timeout=20000) as done:
        window.training.learn(["Alice", "Bob"], LEARN_TIME_BUDGET_S, 0.5)
    assert done.args[0] is False and not window.training.runner.running
    assert any("took too long" in text for text in said)


def test_cancel_says_cancelled_and_names_the_player(qtbot: Any, make_window: Any, kibitz_home: Path) -> None:
    progress = json.dumps(json.dumps({"event": "progress", "stage": "fine-tune", "player": "Bob", "done": 1,
                                      "total": 10, "message": ""}))
    stale = kibitz_home / "work" / "999999999-1"  # left by a killed run (no such process)
    stale.mkdir(parents=True)
    (stale / "cache.npy").write_bytes(b"\0" * 1000)
    window = make_window(training_command=lambda player, home: (
        sys.executable, ["-c", f"import time; print({progress}, flush=True); time.sleep(60)"]))
    runner = window.training.runner
    with qtbot.waitSignal(runner.progressed, timeout=20000):
        window.training.start("Bob")
    with qtbot.waitSignal(runner.finished, timeout=20000) as done:
        runner.cancel()
    ok, message = done.args
    assert not ok and message.startswith("Training cancelled while learning Bob's moves")
    assert not stale.exists()  # no prior cache left behind


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
    assert "The books learned the game" in notice.text() and 'pip install ".[train]"' in notice.text()
    assert notice.isVisible()  # a lasting part of the status bar, not a message that goes after seconds
    window.training.start(None)  # an asked-for retrain explains instead of failing
    assert dialogs.informed[-1][0] == "Training" and TRAINING_INSTALL_HINT in dialogs.informed[-1][1]
