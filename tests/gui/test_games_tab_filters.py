"""The Games tab as a new user met it: a player's games, a renamed player, a long name, a player's record."""

from __future__ import annotations

import io
from typing import Any

from gui_helpers import ScriptedDialogs
from kibitz.engine.pgn import read_games

PGN = """[White "Carla"]
[Black "Dan"]
[Result "1-0"]

1. e4 e5 2. Qh5 Nc6 3. Bc4 Nf6 4. Qxf7# 1-0

[White "Dan"]
[Black "Erik"]
[Result "1/2-1/2"]

1. d4 d5 1/2-1/2

[White "Erik"]
[Black "Carla"]
[Result "0-1"]

1. c4 e5 2. g3 0-1

[White "Carla"]
[Black "Erik"]
[Result "*"]

1. e4 *
"""
LONG = "Carla Anastasia Brown-Fitzwilliam of Lower Upton-on-the-Marsh"


def _games_tab(qtbot: Any, window: Any) -> Any:
    with qtbot.waitSignal(window.library.games_loaded, timeout=5000):
        window.tabs.setCurrentIndex(1)
    return window.library.games_view


def _reloaded(qtbot: Any, window: Any) -> None:
    with qtbot.waitSignal(window.library.games_loaded, timeout=5000):
        window.library.reload()


def test_show_their_games_clears_an_old_name_filter(qtbot: Any, make_window: Any, store: Any) -> None:
    store.import_games(read_games(io.BytesIO(PGN.encode())))
    dan = store.add_player("Dan")
    window = make_window()
    view = _games_tab(qtbot, window)
    view.player.setText("nobody by this name")
    view.apply_filter()
    assert view.model.rowCount() == 0
    window.library.show_games_of(dan.id)
    assert view.player.text() == "" and view.model.rowCount() == 2 and view.count.text() == "2 of 4 games"


def test_a_renamed_player_is_found_under_the_new_name(qtbot: Any, make_window: Any, store: Any,
                                                       dialogs: ScriptedDialogs) -> None:
    store.import_games(read_games(io.BytesIO(PGN.encode())))
    carla = store.add_player("Carla")
    window = make_window()
    view = _games_tab(qtbot, window)
    dialogs.text_answer = "Mum"
    window.library.rename_player(carla.id)
    _reloaded(qtbot, window)
    for field in (view.player, view.search):
        field.setText("mum")
        view.apply_filter()
        assert view.model.rowCount() == 3, field.placeholderText()
        field.setText("")
    view.player.setText("Carla")  # the name as recorded still finds them
    view.apply_filter()
    assert view.model.rowCount() == 3


def test_a_long_name_leaves_the_search_box_its_room(qtbot: Any, make_window: Any, store: Any) -> None:
    store.import_games(read_games(io.BytesIO(PGN.encode())))
    carla = store.add_player("Carla")
    store.add_alias(carla.id, "Carla B")
    from kibitz.engine.library import rename_player

    rename_player(store, carla.id, LONG)
    window = make_window()
    view = _games_tab(qtbot, window)
    window.library.show_games_of(carla.id)
    qtbot.waitUntil(lambda: view.clear_player.isVisible())
    placeholder = view.search.fontMetrics().horizontalAdvance(view.search.placeholderText())
    assert view.search.width() >= placeholder
    assert LONG not in view.clear_player.text() and LONG in view.clear_player.toolTip()


def test_a_players_record_counts_unfinished_games(qtbot: Any, make_window: Any, store: Any) -> None:
    store.import_games(read_games(io.BytesIO(PGN.encode())))
    carla = store.add_player("Carla")
    window = make_window()
    window.tabs.setCurrentIndex(2)
    players = window.library.players_view
    assert players.current_id == carla.id
    assert players.record.text() == "3 games: 2 won, 0 drawn, 0 lost, 1 unfinished"
