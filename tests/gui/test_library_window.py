"""The library: list, sort and filter games, open one and walk it, play on; players; paste; messages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import chess
from PySide6.QtCore import Qt

from conftest import wait_predictions
from gui_helpers import ScriptedDialogs
from kibitz.engine.pgn import read_games
from kibitz.gui.dialogs import NewGameChoice

PGN = """[Event "Club"]
[Date "2024.03.01"]
[White "Carla"]
[Black "Dan"]
[Result "1-0"]

1. e4 e5 2. Qh5 Nc6 3. Bc4 Nf6 4. Qxf7# 1-0

[Event "Open"]
[Date "2023.11.20"]
[White "Dan"]
[Black "Erik"]
[Result "1/2-1/2"]

1. d4 d5 1/2-1/2

[Event "Club"]
[Date "2024.06.09"]
[White "Erik"]
[Black "Carla"]
[Result "0-1"]

1. c4 e5 2. g3 0-1
"""


def _import(store: Any, text: str = PGN) -> None:
    store.import_games([g for g in read_games(io.BytesIO(text.encode()))])


def _games_tab(qtbot: Any, window: Any) -> Any:
    with qtbot.waitSignal(window.library.games_loaded, timeout=5000):  # read in a worker
        window.tabs.setCurrentIndex(1)
    return window.library.games_view


def test_games_list_sorts_and_filters(qtbot: Any, make_window: Any, store: Any) -> None:
    _import(store)
    window = make_window()
    view = _games_tab(qtbot, window)
    model = view.model
    assert model.rowCount() == 3 and view.count.text() == "3 games"
    assert [model.game_row(r).date for r in range(3)] == ["2024.06.09", "2024.03.01", "2023.11.20"]  # newest first
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [model.game_row(r).white for r in range(3)] == ["Carla", "Dan", "Erik"]
    view.player.setText("  CARLA ")  # the store's rule for names: case and spacing ignored
    view.apply_filter()
    assert model.rowCount() == 2 and view.count.text() == "2 of 3 games"
    view.result.setCurrentText("Black won")
    assert model.rowCount() == 1 and model.game_row(0).white == "Erik"
    view.player.setText("")
    view.result.setCurrentText("any result")
    view.date_from.setText("2024")
    view.apply_filter()
    assert model.rowCount() == 2
    view.date_from.setText("")
    view.date_to.setText("2023")
    view.search.setText("open")
    view.apply_filter()
    assert model.rowCount() == 1 and model.game_row(0).event == "Open"
    assert model.index(0, 6).data() == "1"  # 1. d4 d5: moves, not plies


def test_open_a_game_walk_it_and_play_on(qtbot: Any, make_window: Any, store: Any,
                                         dialogs: ScriptedDialogs) -> None:
    _import(store)
    window = make_window()
    view = _games_tab(qtbot, window)
    view.player.setText("dan")
    view.result.setCurrentText("White won")
    view.apply_filter()
    view.table.doubleClicked.emit(view.model.index(0, 0))
    assert window.tabs.currentIndex() == 0
    play = window.play
    assert play.session.sans == ["e4", "e5", "Qh5", "Nc6", "Bc4", "Nf6", "Qxf7#"]
    assert "Carla won" in play.status_label.text()
    assert play.board.pieces()[chess.F7] == chess.Piece(chess.QUEEN, chess.WHITE)
    wait_predictions(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Home)
    wait_predictions(qtbot, window)
    assert play.view_ply == 0 and play.prediction_panel.texts()[0] == "e4  50%"
    assert "Played: e4 (expected #1, 50%)" in play.prediction_panel.status.text()
    play.move_list.ply_clicked.emit(2)
    assert play.view_ply == 2 and play.move_list.selectedItems()[0].text() == "e5"
    assert "Showing 1…e5" in play.status_label.text()
    wait_predictions(qtbot, window)
    assert play.predictions.turn == chess.WHITE and play.prediction_panel.texts()

    dialogs.new_game_choice = NewGameChoice("Carla", "Frank", None, None, 1200)
    play.view.play_on_button.click()
    assert play.session.read_only is False and play.session.ply == 0
    record = store.game(play.session.game_id)
    after_e5 = chess.Board()
    after_e5.push_san("e4")
    after_e5.push_san("e5")
    assert record.fen == after_e5.fen() and play.board.pieces() == after_e5.piece_map()
    assert store.find_player("Frank").level == 1200  # his starting rating, until his games fit one


def test_delete_games_asks_first(qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs) -> None:
    _import(store)
    window = make_window()
    view = _games_tab(qtbot, window)
    view.table.selectAll()
    dialogs.confirm_answer = False
    view.delete_button.click()
    assert dialogs.asked[-1][0] == "Delete games" and "3 games" in dialogs.asked[-1][1]
    assert view.model.rowCount() == 3
    dialogs.confirm_answer = True
    with qtbot.waitSignal(window.library.games_loaded, timeout=5000):
        view.delete_button.click()
    assert view.model.rowCount() == 0 and store.game_ids() == []


def test_players_page_rename_merge_level_delete(qtbot: Any, make_window: Any, store: Any,
                                                dialogs: ScriptedDialogs) -> None:
    _import(store)
    carla, dan = store.add_player("Carla"), store.add_player("Dan")
    store.add_player("Erik")
    window = make_window()
    window.tabs.setCurrentIndex(2)
    players = window.library.players_view
    assert [players.list.item(i).text() for i in range(players.list.count())] == ["Carla", "Dan", "Erik"]
    assert players.current_id == carla.id and "2 games: 2 won" in players.record.text()
    assert players.model.text().startswith("Maia-3 at 1,500 (no personal network yet")
    assert players.model.text().endswith("Rating 1,500: the default, no starting rating given.")

    dialogs.text_answer = "Carla Brown"
    players.buttons["rename"].click()
    assert store.player(carla.id).name == "Carla Brown" and players.name.text() == "Carla Brown"

    players.level.setValue(1100)
    players.level.editingFinished.emit()
    assert store.player(carla.id).level == 1100 and players.model.text().startswith("Maia-3 at 1,100 ")
    assert players.model.text().endswith("Rating 1,100: their starting rating.")
    players.level.setValue(players.level.minimum())  # "not given": the default again
    assert players.level.text() == "not given"
    players.level.editingFinished.emit()
    assert store.player(carla.id).level is None and "Rating 1,500: the default" in players.model.text()
    players.level.stepUp()  # one step up from "not given" is the lowest rating the store takes
    assert players.level.value() == 400

    players.list.setCurrentRow(1)  # Dan
    assert players.current_id == dan.id
    dialogs.item_answer = 1  # the others are Carla Brown, Erik: Erik
    dialogs.confirm_answer = True
    players.buttons["merge"].click()
    erik = store.find_player("Dan")
    assert erik.name == "Erik" and store.game_count(erik.id) == 3

    players.buttons["delete"].click()
    assert store.find_player("Erik") is None and len(store.game_ids()) == 3  # the games stay


def test_paste_fen_starts_a_game_and_paste_pgn_imports_and_opens(qtbot: Any, make_window: Any, store: Any,
                                                                 dialogs: ScriptedDialogs) -> None:
    window = make_window()
    fen = "4k3/8/8/8/8/8/4P3/4K3 w - - 0 1"
    window.importing.paste(fen)
    assert window.play.session.board.fen() == fen and store.game(window.play.session.game_id).fen == fen
    window.importing.paste(PGN.split("\n\n[Event")[0])
    assert window.play.session.read_only and window.play.session.sans[-1] == "Qxf7#"
    assert len(store.game_ids()) == 2
    window.importing.paste("hello there")
    assert "no FEN and no PGN game" in dialogs.informed[-1][1]


def test_non_pgn_and_empty_files_say_so(qtbot: Any, make_window: Any, dialogs: ScriptedDialogs,
                                        tmp_path: Path) -> None:
    text, empty = tmp_path / "notes.txt", tmp_path / "empty.pgn"
    text.write_text("shopping list\nmilk\n", encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    window = make_window()
    window.importing.import_pgn([text, empty])
    message = dialogs.informed[-1][1]
    assert "notes.txt is not a PGN file" in message and "empty.pgn: no games found" in message


def test_summary_uses_plural_forms() -> None:
    from types import SimpleNamespace

    from kibitz.gui.importing.flow import describe_summary

    def summary(imported: int, duplicates: int = 0) -> Any:
        return SimpleNamespace(imported=imported, duplicates=duplicates, skipped=[], cancelled=False, text=str)

    assert describe_summary(summary(1))[0] == "Imported 1 game."
    assert describe_summary(summary(4278, 1))[0] == "Imported 4,278 games, 1 game already here."
    assert describe_summary(summary(0))[0] == "No games found."


def test_long_names_are_elided_and_dialogs_centred(qtbot: Any, make_window: Any, dialogs: ScriptedDialogs) -> None:
    from PySide6.QtWidgets import QDialog

    from kibitz.gui.dialogs import centre_over

    long = "Maximilian Alexander von Habsburg-Lothringen-Württemberg the Third"
    dialogs.new_game_choice = NewGameChoice(long, "Bob", None)
    window = make_window()
    window.startup()
    label = window.play.top_name if long in window.play.top_name.text() else window.play.bottom_name
    assert label.text().startswith(long) and label.shown_lines()[0].endswith("…")
    assert label.width() <= window.play.board.width() + 1  # the name does not widen the board's column
    title = window.play.prediction_panel.title
    assert long in title.text() and len(title.shown_lines()) == 1 and title.shown_lines()[0].endswith("…")
    side_before = window.play.view.side.width()
    window.play.refresh()
    assert window.play.view.side.width() == side_before

    window.move(300, 200)
    dialog = QDialog(window)
    dialog.resize(200, 100)
    qtbot.addWidget(dialog)
    centre_over(dialog, window)
    assert (dialog.frameGeometry().center() - window.frameGeometry().center()).manhattanLength() <= 4


def test_aliases_from_the_player_page_and_their_games(qtbot: Any, make_window: Any, store: Any,
                                                      dialogs: ScriptedDialogs) -> None:
    _import(store)
    erik = store.add_player("Erik")
    window = make_window()
    window.tabs.setCurrentIndex(2)
    players = window.library.players_view
    assert players.current_id == erik.id and "2 games" in players.record.text()
    dialogs.text_answer = "Dan, E."
    players.buttons["aliases"].click()
    assert set(store.player(erik.id).aliases) == {"Dan", "E."} and "Dan, E." in players.aliases.text()
    assert store.game_count(erik.id) == 3  # Dan's games became Erik's
    with qtbot.waitSignal(window.library.games_loaded, timeout=5000):
        players.buttons["games"].click()
    assert window.tabs.currentIndex() == 1 and window.library.model.rowCount() == 3
    window.library.games_view.clear_player.click()
    assert window.library.model.rowCount() == 3 and not window.library.games_view.clear_player.isVisible()
