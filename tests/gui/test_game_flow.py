"""Takeback, resume after a crash, browsing the move list, flipping, results and draws."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import Qt

from conftest import wait_predictions
from gui_helpers import FakePredictorFactory, ScriptedDialogs, click_move
from kibitz.gui.session import GameSession, Seat


def _play(qtbot: Any, window: Any, moves: str) -> None:
    for uci in moves.split():
        with qtbot.waitSignal(window.session.move_played, timeout=2000):
            click_move(qtbot, window.board, uci)


def test_takeback_truncates_the_store_and_replays_predictors(qtbot: Any, make_window: Any, store: Any,
                                                            fake_factory: FakePredictorFactory) -> None:
    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    _play(qtbot, window, "e2e4 e7e5 g1f3")
    with qtbot.waitSignal(window.session.position_reset, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.session.sans == ["e4", "e5"]
    assert store.game(window.session.game_id).moves == ("e2e4", "e7e5")
    assert window.board.pieces().get(chess.G1) == chess.Piece(chess.KNIGHT, chess.WHITE)
    assert all(p.pushes == ["e2e4", "e7e5"] for p in fake_factory.made[-2:])
    window.takeback_button.click()
    window.takeback_button.click()
    assert window.session.ply == 0 and not window.takeback_button.isEnabled()
    assert store.game(window.session.game_id).moves == ()


def test_resume_after_a_crash(qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs,
                              fake_factory: FakePredictorFactory) -> None:
    first = make_window()
    first.startup()
    _play(qtbot, first, "e2e4 c7c5 g1f3 d7d6")
    game_id = first.session.game_id
    first.shutdown()  # the "crash": nothing finished, nothing saved beyond the moves

    dialogs.asked.clear()
    second = make_window()
    second.startup()
    assert ("resume", "1") in dialogs.asked
    assert not any(kind == "new_game" for kind, _ in dialogs.asked)
    session = second.session
    assert session.game_id == game_id
    assert session.sans == ["e4", "c5", "Nf3", "d6"]
    assert session.seats[chess.WHITE].name == "Alice" and session.seats[chess.BLACK].name == "Bob"
    assert second.board.pieces()[chess.F3] == chess.Piece(chess.KNIGHT, chess.WHITE)
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
    assert second.session.ply == 0 and second.session.game_id != first.session.game_id


def test_arrow_keys_walk_the_move_list(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    _play(qtbot, window, "e2e4 e7e5 g1f3")
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.view_ply == 2
    assert chess.F3 not in window.board.pieces()
    assert window.board.controller.destinations == {}  # browsing: no input
    assert window.board.shapes() == []
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.view_ply == 0 and window.board.pieces()[chess.E2].piece_type == chess.PAWN
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.view_ply == 1
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.view_ply is None and chess.F3 in window.board.pieces()
    window.move_list.ply_clicked.emit(1)
    assert window.view_ply == 1


def test_flip_and_auto_orientation(qtbot: Any, make_window: Any, app_settings: Any) -> None:
    window = make_window()
    window.startup()
    assert not window.board.is_flipped()
    _play(qtbot, window, "e2e4")
    assert window.board.is_flipped()  # turned to Black, who is to move
    assert window.bottom_name.text().startswith("Bob")
    window.auto_orient_action.setChecked(False)
    qtbot.keyClick(window, Qt.Key.Key_F)
    assert not window.board.is_flipped()
    assert app_settings.auto_orient is False


def test_draw_agreed(qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs) -> None:
    window = make_window()
    window.startup()
    _play(qtbot, window, "e2e4")
    dialogs.confirm_answer = True
    window.draw_button.click()
    assert window.session.result == "1/2-1/2"
    assert store.game(window.session.game_id).result == "1/2-1/2"
    assert any("offers a draw" in text for _, text in dialogs.asked)


class _Store:
    def __init__(self) -> None:
        self.moves: list[str] = []
        self.finished: tuple[str, str] | None = None

    def add_move(self, game_id: int, ply: int, uci: str, san: str) -> None:
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
    click_move(qtbot, window.board, "e7e5")
    assert window.session.sans == ["e4"]  # the board still matches what is saved
    assert window.board.pieces().get(chess.E7) == chess.Piece(chess.PAWN, chess.BLACK)
    assert dialogs.informed and "disk is full" in dialogs.informed[-1][1]
    monkeypatch.setattr(store, "add_move", saving)
    _play(qtbot, window, "e7e5")  # once there is room again, play goes on
    assert store.game(window.session.game_id).moves == ("e2e4", "e7e5")
