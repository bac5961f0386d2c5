"""Takeback, resume after a crash, browsing the move list, flipping, results and draws."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import Qt

from conftest import wait_predictions
from gui_helpers import FakePredictorFactory, ScriptedDialogs, click_move
from kibitz.gui.settings import OverlayMode
from kibitz.gui.play.session import GameSession, Seat


def _play(qtbot: Any, window: Any, moves: str) -> None:
    for uci in moves.split():
        with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
            click_move(qtbot, window.play.board, uci)


def test_takeback_truncates_the_store_and_replays_predictors(qtbot: Any, make_window: Any, store: Any,
                                                            fake_factory: FakePredictorFactory) -> None:
    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    _play(qtbot, window, "e2e4 e7e5 g1f3")
    with qtbot.waitSignal(window.play.session.position_reset, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.play.session.sans == ["e4", "e5"]
    assert store.game(window.play.session.game_id).moves == ("e2e4", "e7e5")
    assert window.play.board.pieces().get(chess.G1) == chess.Piece(chess.KNIGHT, chess.WHITE)
    wait_predictions(qtbot, window)
    assert window.play.predictions.turn == chess.WHITE and window.play.prediction_panel.texts()
    _play(qtbot, window, "b1c3")  # the predictors follow the game as it now stands
    wait_predictions(qtbot, window)
    assert all(p.pushes == ["e2e4", "e7e5", "b1c3"] for p in fake_factory.made[-2:])
    with qtbot.waitSignal(window.play.session.position_reset, timeout=2000):
        window.play.takeback_button.click()
    window.play.takeback_button.click()
    window.play.takeback_button.click()
    assert window.play.session.ply == 0 and not window.play.takeback_button.isEnabled()
    assert store.game(window.play.session.game_id).moves == ()


def test_resume_after_a_crash(qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs,
                              fake_factory: FakePredictorFactory) -> None:
    first = make_window()
    first.startup()
    _play(qtbot, first, "e2e4 c7c5 g1f3 d7d6")
    game_id = first.play.session.game_id
    first.shutdown()  # the "crash": nothing finished, nothing saved beyond the moves

    dialogs.asked.clear()
    second = make_window()
    second.startup()
    assert ("resume", "1") in dialogs.asked
    assert not any(kind == "new_game" for kind, _ in dialogs.asked)
    session = second.play.session
    assert session.game_id == game_id
    assert session.sans == ["e4", "c5", "Nf3", "d6"]
    assert session.seats[chess.WHITE].name == "Alice" and session.seats[chess.BLACK].name == "Bob"
    assert second.play.board.pieces()[chess.F3] == chess.Piece(chess.KNIGHT, chess.WHITE)
    wait_predictions(qtbot, second)
    assert fake_factory.made[-1].pushes == ["e2e4", "c7c5", "g1f3", "d7d6"]
    _play(qtbot, second, "d2d4")
    assert store.game(game_id).moves[-1] == "d2d4"


def test_declining_resume_starts_a_new_game(make_window: Any, store: Any, dialogs: ScriptedDialogs,
                                            qtbot: Any) -> None:
    first = make_window()
    first.startup()
    _play(qtbot, first, "e2e4")
    dialogs.resume = lambda records: None
    second = make_window()
    second.startup()
    assert second.play.session.ply == 0 and second.play.session.game_id != first.play.session.game_id


def test_arrow_keys_walk_the_move_list(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    _play(qtbot, window, "e2e4 e7e5 g1f3")
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.play.view_ply == 2
    assert chess.F3 not in window.play.board.pieces()
    assert chess.G1 in window.play.board.controller.destinations  # the position shown takes moves
    assert window.play.board.shapes() == []
    status = window.play.status_label.text().splitlines()
    assert status[0] == "Showing 1…e5: Alice to move (White)"  # the position shown, not the game's last one
    assert status[1] == "In the game (End): Bob to move (Black)"
    assert window.play.prediction_panel.title.text() == "Likely moves for Alice"  # both name the same player
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.play.view_ply == 0 and window.play.board.pieces()[chess.E2].piece_type == chess.PAWN
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.play.view_ply == 1
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.play.view_ply is None and chess.F3 in window.play.board.pieces()
    window.play.move_list.ply_clicked.emit(1)
    assert window.play.view_ply == 1


def test_flip_and_auto_orientation(qtbot: Any, make_window: Any, app_settings: Any) -> None:
    window = make_window()
    window.startup()
    assert not window.play.board.is_flipped()
    _play(qtbot, window, "e2e4")
    assert window.play.board.is_flipped()  # turned to Black, who is to move
    assert window.play.bottom_name.text().startswith("Bob")
    window.play.auto_orient_action.setChecked(False)
    qtbot.keyClick(window, Qt.Key.Key_F)
    assert not window.play.board.is_flipped()
    assert app_settings.auto_orient is False


def test_draw_agreed(qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs) -> None:
    window = make_window()
    window.startup()
    _play(qtbot, window, "e2e4")
    dialogs.confirm_answer = True
    window.play.draw_button.click()
    assert window.play.session.result == "1/2-1/2"
    assert store.game(window.play.session.game_id).result == "1/2-1/2"
    assert any("offers a draw" in text for _, text in dialogs.asked)


class _Store:
    def __init__(self) -> None:
        self.moves: list[str] = []
        self.finished: tuple[str, str] | None = None

    def add_move(self, game_id: int, ply: int, uci: str, san: str, clock: float | None = None) -> None:
        assert ply == len(self.moves)
        self.moves.append(uci)

    def truncate_moves(self, game_id: int, ply_count: int) -> None:
        del self.moves[ply_count:]

    def finish_game(self, game_id: int, result: str, termination: str) -> None:
        self.finished = (result, termination)


def _session(fen: str) -> tuple[GameSession, _Store]:
    fake = _Store()
    return GameSession(fake, 1, Seat(1, "A"), Seat(2, "B"), board=chess.Board(fen)), fake  # type: ignore[arg-type]


def test_results_are_detected(qtbot: Any) -> None:
    session, store = _session("7k/8/5QK1/8/8/8/8/8 w - - 0 1")
    session.play(chess.Move.from_uci("f6f7"))
    assert store.finished == ("1/2-1/2", "stalemate")

    session, store = _session("8/8/8/4k3/8/8/4B3/2K2r2 w - - 0 1")
    session.play(chess.Move.from_uci("e2f1"))  # Bxf1: king and bishop against a king
    assert store.finished == ("1/2-1/2", "insufficient material")

    session, store = _session("8/8/8/4k3/8/8/3K4/R7 w - - 99 80")
    session.play(chess.Move.from_uci("a1a2"))
    assert store.finished == ("1/2-1/2", "fifty-move rule")

    session, store = _session(chess.STARTING_FEN)
    for uci in "g1f3 g8f6 f3g1 f6g8 g1f3 g8f6 f3g1 f6g8".split():
        session.play(chess.Move.from_uci(uci))
    assert store.finished == ("1/2-1/2", "threefold repetition")
    assert session.legal_destinations() == {}


def test_a_move_the_store_cannot_save_is_not_played_and_says_why(
        qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs, monkeypatch: Any) -> None:
    import sqlite3

    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    _play(qtbot, window, "e2e4")

    def disk_full(*args: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    saving = store.add_move
    monkeypatch.setattr(store, "add_move", disk_full)
    click_move(qtbot, window.play.board, "e7e5")
    assert window.play.session.sans == ["e4"]  # the board still matches what is saved
    assert window.play.board.pieces().get(chess.E7) == chess.Piece(chess.PAWN, chess.BLACK)
    assert dialogs.informed and "disk is full" in dialogs.informed[-1][1]
    monkeypatch.setattr(store, "add_move", saving)
    _play(qtbot, window, "e7e5")  # once there is room again, play goes on
    assert store.game(window.play.session.game_id).moves == ("e2e4", "e7e5")


def test_walking_back_predicts_for_the_position_shown_and_a_move_there_asks(
        qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs) -> None:
    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    _play(qtbot, window, "e2e4 e7e5 g1f3")
    window.play.show_ply(0)
    wait_predictions(qtbot, window)
    assert window.play.prediction_panel.texts()[0] == "e4  50%"  # the start position's, not the live one's
    assert "Played: e4 (expected #1, 50%)" in window.play.prediction_panel.status.text()
    assert "Alice (White) ●" in (window.play.top_name.text(), window.play.bottom_name.text())  # to move there

    window.play.show_ply(2)
    dialogs.confirm_answer = False
    click_move(qtbot, window.play.board, "b1c3")  # asked, declined: nothing changes
    assert dialogs.asked[-1][0] == "Take back?" and window.play.session.sans == ["e4", "e5", "Nf3"]
    dialogs.confirm_answer = True
    with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
        click_move(qtbot, window.play.board, "b1c3")
    assert window.play.session.sans == ["e4", "e5", "Nc3"] and window.play.view_ply is None
    assert store.game(window.play.session.game_id).moves == ("e2e4", "e7e5", "b1c3")


def test_flip_works_while_auto_turn_is_on(qtbot: Any, make_window: Any, app_settings: Any) -> None:
    window = make_window()
    window.startup()
    assert app_settings.auto_orient and window.play.auto_orient_action.isEnabled()
    window.play.flip_button.click()
    assert window.play.board.is_flipped()  # it turns, and stays turned: auto-turn is switched off
    _play(qtbot, window, "e2e4")
    assert window.play.board.is_flipped()
    assert not window.play.auto_orient_action.isChecked() and app_settings.auto_orient is False
    qtbot.keyClick(window, Qt.Key.Key_F)
    assert not window.play.board.is_flipped()
    window.play.overlay_actions[OverlayMode.OPPONENT].trigger()
    assert not window.play.auto_orient_action.isEnabled()  # greyed out where it does not apply


def test_ctrl_n_during_a_game_asks_first_and_abandon_stops_the_offer(
        qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs) -> None:
    window = make_window()
    window.startup()
    _play(qtbot, window, "e2e4")
    game_id = window.play.session.game_id
    dialogs.confirm_answer = False
    assert window.play.new_game_action.shortcut().toString() == "Ctrl+N"
    window.play.new_game_action.trigger()
    assert dialogs.asked[-1][0] == "New game" and window.play.session.game_id == game_id
    dialogs.confirm_answer = True
    window.play.abandon()
    assert window.play.session.is_over and store.unfinished_games() == []
    assert store.game(game_id).moves == ("e2e4",)  # kept, only no longer offered


def test_with_no_game_open_the_panel_and_board_say_so(qtbot: Any, make_window: Any,
                                                      dialogs: ScriptedDialogs) -> None:
    dialogs.new_game_choice = None
    window = make_window()
    window.startup()
    assert window.play.session is None
    assert "No game open" in window.play.prediction_panel.title.text()
    assert "No game open" in window.play.status_label.text()
    click_move(qtbot, window.play.board, "e2e4")
    assert "No game open" in window.statusBar().currentMessage()
    assert dialogs.asked[-1][0] == "new_game"  # offered to start one


def test_walking_back_and_forth_replays_each_position_once(qtbot: Any, make_window: Any,
                                                           fake_factory: FakePredictorFactory) -> None:
    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    _play(qtbot, window, "e2e4 e7e5 g1f3 b8c6")
    predictor = fake_factory.made[-1]

    def walk(key: Qt.Key) -> None:  # waiting for each position's predictions: none is skipped
        qtbot.keyClick(window, key)
        wait_predictions(qtbot, window)

    for _ in range(4):
        walk(Qt.Key.Key_Left)
    resets = predictor.resets
    assert window.play.prediction_panel.texts()[0] == "e4  50%"
    for _ in range(4):
        walk(Qt.Key.Key_Right)
    for _ in range(4):
        walk(Qt.Key.Key_Left)
    assert predictor.resets == resets  # every position came from the cache the second time
    assert window.play.prediction_panel.texts()[0] == "e4  50%"
    walk(Qt.Key.Key_End)
    _play(qtbot, window, "f1b5")  # the live game goes on from wherever the predictors are
    wait_predictions(qtbot, window)
    assert window.play.predictions.turn == chess.BLACK and predictor.pushes[-1] == "f1b5"
