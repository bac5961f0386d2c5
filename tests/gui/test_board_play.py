"""Whole games played through the board widget: clicks, drags, promotion, castling, results."""

from __future__ import annotations

from typing import Any

import chess
import pytest
from PySide6.QtCore import QPointF

from gui_helpers import ScriptedDialogs, click_move, click_square, drag_move
from kibitz.gui.dialogs import PromotionDialog

# Both castlings and an under-promotion with capture (hxg8=N).
GAME = ("h2h4 g7g5 h4g5 b8c6 g5g6 d7d6 g6h7 c8e6 h7g8n d8d7 g1f3 e8c8 e2e3 c8b8 f1e2 a7a6 e1g1").split()


def _play(qtbot: Any, window: Any, moves: list[str], how: str) -> None:
    for uci in moves:
        with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
            if how == "click":
                click_move(qtbot, window.play.board, uci)
            else:
                drag_move(window.play.board, uci)


@pytest.mark.parametrize("how", ["click", "drag"])
def test_whole_game_with_castling_and_promotion(qtbot: Any, make_window: Any, dialogs: ScriptedDialogs,
                                                store: Any, how: str) -> None:
    dialogs.promotion = chess.KNIGHT
    window = make_window()
    window.startup()
    session = window.play.session
    assert session is not None and session.seats[chess.WHITE].name == "Alice"
    _play(qtbot, window, GAME, how)

    board = session.board
    assert [m.uci() for m in board.move_stack] == GAME
    assert board.piece_at(chess.G8) == chess.Piece(chess.KNIGHT, chess.WHITE)
    assert board.piece_at(chess.G1) == chess.Piece(chess.KING, chess.WHITE)
    assert board.piece_at(chess.F1) == chess.Piece(chess.ROOK, chess.WHITE)
    assert board.piece_at(chess.B8) == chess.Piece(chess.KING, chess.BLACK)
    assert board.piece_at(chess.D8) == chess.Piece(chess.ROOK, chess.BLACK)
    assert ("promotion", "white") in dialogs.asked
    assert "O-O-O" in session.sans and "O-O" in session.sans and "hxg8=N" in session.sans
    # every move is in the store the moment it is played
    assert store.game(session.game_id).moves == tuple(GAME)
    assert window.play.move_list.item(0, 0).text() == "h4"
    assert window.play.move_list.item(5, 1).text() == "O-O-O"

    dialogs.confirm_answer = True  # Black resigns
    with qtbot.waitSignal(session.game_finished, timeout=2000) as finished:
        window.play.resign()
    assert finished.args == ["1-0", "Bob resigned"]
    record = store.game(session.game_id)
    assert record.result == "1-0"
    # The end names the winner and stands in the move list; a move after it is answered, not ignored.
    assert "Alice won (Bob resigned)" in window.play.status_label.text()
    assert any(window.play.move_list.item(r, c) is not None and window.play.move_list.item(r, c).text() == "1-0"
               for r in range(window.play.move_list.rowCount()) for c in range(2))
    dialogs.confirm_answer = False
    click_move(qtbot, window.play.board, "a6a5")
    assert ("Play on?", "This game is over. Play on from this position in a new game?") in dialogs.asked
    assert window.play.session is session and store.game(session.game_id).moves == tuple(GAME)


def test_checkmate_by_drag_is_detected(qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs) -> None:
    window = make_window()
    window.startup()
    with qtbot.waitSignal(window.play.session.game_finished, timeout=3000) as finished:
        _play(qtbot, window, ["f2f3", "e7e5", "g2g4", "d8h4"], "drag")
    assert finished.args == ["0-1", "checkmate"]
    assert store.game(window.play.session.game_id).result == "0-1"
    assert "Game over" in window.play.status_label.text()
    # One game each: the books learned it; a retrain is not offered before the network has 20 games.
    qtbot.waitUntil(lambda: "the network learns after 20" in window.statusBar().currentMessage())
    assert not any(title == "Game over" for title, _ in dialogs.asked)


def test_drop_off_board_or_illegal_square_is_not_a_move(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    drag_move(window.play.board, "e2e5")  # illegal target
    drag_move(window.play.board, "e2e4", to=QPointF(-20, -20))  # off the widget
    assert window.play.session.ply == 0
    assert window.play.board.pieces()[chess.E2] == chess.Piece(chess.PAWN, chess.WHITE)


def test_click_click_shows_destinations_and_reselects(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    click_square(qtbot, window.play.board, chess.G1)
    assert set(window.play.board.controller.targets()) == {chess.F3, chess.H3}
    click_square(qtbot, window.play.board, chess.B1)  # another own piece: select it instead
    assert set(window.play.board.controller.targets()) == {chess.A3, chess.C3}
    click_square(qtbot, window.play.board, chess.E5)  # nowhere: deselect
    assert window.play.board.controller.selected is None
    assert window.play.session.ply == 0


def test_cancelled_promotion_plays_nothing(qtbot: Any, make_window: Any, dialogs: ScriptedDialogs) -> None:
    window = make_window()
    window.startup()
    _play(qtbot, window, "h2h4 g7g5 h4g5 b8c6 g5g6 d7d6 g6h7 c8e6".split(), "click")
    dialogs.promotion = None
    click_move(qtbot, window.play.board, "h7g8")
    assert window.play.session.ply == 8
    assert window.play.board.pieces()[chess.H7] == chess.Piece(chess.PAWN, chess.WHITE)


def test_promotion_dialog_returns_the_clicked_piece(qtbot: Any) -> None:
    dialog = PromotionDialog(chess.BLACK)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.buttons[chess.KNIGHT].click()
    assert dialog.choice == chess.KNIGHT
    assert dialog.result() == PromotionDialog.DialogCode.Accepted
