"""Clocks at the board: chosen in the new-game dialog, shown beside the names, stored with every move,
paused, taken back, resumed after a crash, and a flag that ends the game. The session's clock reads a
time the test sets (engine/clock.py); only the repaint timer is Qt's."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import Qt

from gui_helpers import ScriptedDialogs, click_move
from kibitz.engine.clock import GameClock, TimeControl, controls_from_tags
from kibitz.gui.dialogs import NewGameChoice, NewGameDialog

DAD_AND_SON = {chess.WHITE: TimeControl(300, 2), chess.BLACK: TimeControl(600, 5)}


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def start_timed_game(make_window: Any, dialogs: ScriptedDialogs, time: FakeTime) -> Any:
    dialogs.new_game_choice = NewGameChoice("Dad", "Son", None, controls=DAD_AND_SON)
    window = make_window()
    window.startup()
    session = window.play.session
    assert session.clock is not None and session.clock.running
    session.clock = GameClock.start(DAD_AND_SON, now=time)  # the same clock, on the test's time
    window.play.refresh()
    return window


def play(qtbot: Any, window: Any, uci: str) -> None:
    with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
        click_move(qtbot, window.play.board, uci)


def clock_labels(window: Any) -> tuple[Any, Any]:
    """(White's, Black's) clock label, wherever the board is turned."""
    view = window.play.view
    return (view.top_clock, view.bottom_clock) if window.play.board.is_flipped() else (view.bottom_clock,
                                                                                       view.top_clock)


def clock_texts(window: Any) -> tuple[str, str]:
    """(White's, Black's) clock as shown."""
    return tuple(label.text() for label in clock_labels(window))  # type: ignore[return-value]


def test_a_timed_game_shows_stores_pauses_and_takes_back_its_clocks(qtbot: Any, make_window: Any, store: Any,
                                                                    dialogs: ScriptedDialogs) -> None:
    time = FakeTime()
    window = start_timed_game(make_window, dialogs, time)
    view = window.play.view
    assert view.bottom_clock.isVisible() and view.top_clock.isVisible()
    assert clock_texts(window) == ("5:00", "10:00")
    white, black = clock_labels(window)
    assert white.running and not black.running
    game_id = window.play.session.game_id
    assert controls_from_tags(store.tags(game_id)) == DAD_AND_SON  # the handicap is kept with the game

    time.now += 10
    play(qtbot, window, "e2e4")
    assert store.clocks(game_id) == [292.0]  # 300 - 10 + 2
    time.now += 20
    window.play._tick()
    assert clock_texts(window) == ("4:52", "9:40") and clock_labels(window)[1].running

    window.play.view.pause_button.click()  # dinner
    assert window.play.session.clock_paused and "clocks paused" in window.play.status_label.text()
    assert view.pause_button.text() == "Start clocks"
    time.now += 3600
    window.play._tick()
    assert clock_texts(window) == ("4:52", "9:40")
    play(qtbot, window, "e7e5")  # a move starts the clocks again
    assert store.clocks(game_id) == [292.0, 585.0]  # 600 - 20 + 5: the hour of dinner cost nothing
    assert not window.play.session.clock_paused

    time.now += 7
    play(qtbot, window, "g1f3")
    assert store.clocks(game_id) == [292.0, 585.0, 287.0]
    with qtbot.waitSignal(window.play.session.position_reset, timeout=2000):
        window.play.takeback_button.click()
    # Back to the position after 1...e5, with the clocks as they were there; White's runs again.
    assert clock_texts(window) == ("4:52", "9:45") and clock_labels(window)[0].running
    assert store.clocks(game_id) == [292.0, 585.0]

    window.play.show_ply(1)  # walking back shows the clocks as they were
    assert clock_texts(window) == ("4:52", "10:00") and not any(label.running for label in clock_labels(window))


def test_the_flag_ends_the_game_and_the_result_is_stored(qtbot: Any, make_window: Any, store: Any,
                                                        dialogs: ScriptedDialogs) -> None:
    time = FakeTime()
    window = start_timed_game(make_window, dialogs, time)
    play(qtbot, window, "e2e4")
    session = window.play.session
    time.now += 600.5  # Son's ten minutes run out while he thinks
    with qtbot.waitSignal(session.game_finished, timeout=3000) as finished:
        pass  # the repaint timer sees it
    assert finished.args == ["1-0", "Son ran out of time"]
    assert store.game(session.game_id).result == "1-0"
    assert "Dad won (Son ran out of time)" in window.play.status_label.text()
    assert clock_texts(window)[1] == "0:00.0"
    assert not window.play.clock_timer.isActive()


def test_a_move_after_the_flag_fell_is_not_played(qtbot: Any, make_window: Any, store: Any,
                                                 dialogs: ScriptedDialogs) -> None:
    time = FakeTime()
    window = start_timed_game(make_window, dialogs, time)
    window.play.clock_timer.stop()  # as if the timer had not come round yet
    time.now += 301
    click_move(qtbot, window.play.board, "e2e4")
    session = window.play.session
    assert session.sans == [] and session.result == "0-1"
    assert store.game(session.game_id).moves == ()


def test_a_resumed_game_keeps_its_clocks_and_starts_paused(qtbot: Any, make_window: Any, store: Any,
                                                          dialogs: ScriptedDialogs) -> None:
    time = FakeTime()
    first = start_timed_game(make_window, dialogs, time)
    time.now += 30
    play(qtbot, first, "e2e4")
    time.now += 40
    play(qtbot, first, "c7c5")
    time.now += 50  # Dad is thinking when kibitz is killed
    game_id = first.play.session.game_id
    first.shutdown()

    second = make_window()
    second.startup()  # offers the unfinished game; the scripted answer resumes it
    session = second.play.session
    assert session.game_id == game_id and session.sans == ["e4", "c5"]
    assert session.clock_paused
    assert clock_texts(second) == ("4:32", "9:25")  # 300-30+2 and 600-40+5, as stored with the moves
    assert "clocks paused" in second.play.status_label.text()
    with qtbot.waitSignal(session.clock_changed, timeout=2000):
        second.play.view.pause_button.click()
    assert session.clock.running


def test_a_game_without_clocks_shows_none(qtbot: Any, make_window: Any, store: Any) -> None:
    window = make_window()
    window.startup()
    assert window.play.session.clock is None
    assert not window.play.view.top_clock.isVisible() and not window.play.view.pause_button.isEnabled()
    play(qtbot, window, "e2e4")
    assert store.clocks(window.play.session.game_id) == [None]


def test_the_new_game_dialog_gives_a_handicap_and_enter_means_ok(qtbot: Any) -> None:
    dialog = NewGameDialog(["Dad", "Son"], white="Dad", black="Son")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.choice().controls is None  # no clocks unless asked for
    dialog.clocks.setChecked(True)
    dialog.minutes.setValue(5)
    dialog.increment.setValue(3)
    dialog.black_extra.setValue(5)
    assert dialog.choice().controls == {chess.WHITE: TimeControl(300, 3), chess.BLACK: TimeControl(600, 3)}
    dialog.swap()
    assert dialog.choice().controls == {chess.WHITE: TimeControl(600, 3), chess.BLACK: TimeControl(300, 3)}
    for field in (dialog.white.lineEdit(), dialog.event, dialog.minutes, dialog.black_level):
        dialog.show()
        field.setFocus()
        with qtbot.waitSignal(dialog.accepted, timeout=2000):
            qtbot.keyClick(field, Qt.Key.Key_Return)


def test_the_flag_falls_while_an_earlier_position_is_looked_at(qtbot: Any, make_window: Any, store: Any,
                                                              dialogs: ScriptedDialogs) -> None:
    time = FakeTime()
    window = start_timed_game(make_window, dialogs, time)
    play(qtbot, window, "e2e4")
    window.play.show_ply(0)  # walking back: the clocks show the start, the game's clock runs on
    assert clock_texts(window) == ("5:00", "10:00") and window.play.clock_timer.isActive()
    time.now += 601
    with qtbot.waitSignal(window.play.session.game_finished, timeout=3000) as finished:
        pass
    assert finished.args == ["1-0", "Son ran out of time"]
