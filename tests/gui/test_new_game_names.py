"""The new-game dialog offers the two who last played here: never an opened game's names, also after a restart."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from gui_helpers import ScriptedDialogs
from kibitz.engine import pgn
from kibitz.gui.dialogs import NewGameChoice

IMPORTED = b"""[White "Morphy, Paul"]
[Black "Anderssen, Adolf"]
[Result "1-0"]

1. e4 e5 2. Nf3 d6 1-0
"""


class OfferedNames(ScriptedDialogs):
    """Remembers the names the dialog was opened with."""

    offered: list[tuple[str, str]]

    def new_game(self, names: Sequence[str], white: str = "", black: str = "", *, levels: Any = None
                 ) -> NewGameChoice | None:
        self.offered.append((white, black))
        return super().new_game(names, white, black, levels=levels)


def test_new_game_offers_the_last_players_not_the_opened_games(qtbot: Any, make_window: Any, store: Any) -> None:
    dialogs = OfferedNames(new_game_choice=NewGameChoice("Dad", "Son", None))
    dialogs.offered = []
    window = make_window(dialogs=dialogs)
    window.play.new_game()  # the first game ever: nothing to offer
    assert dialogs.offered == [("", "")]
    games = [g for g in pgn.read_games(io.BytesIO(IMPORTED)) if isinstance(g, pgn.PgnGame)]
    store.import_games(games)
    game_id = int(store.query("SELECT id FROM games WHERE dedup_key = ?", (games[0].key,))[0][0])
    window.play.open_game(game_id)
    dialogs.new_game_choice = None  # looked at, then cancelled
    window.play.new_game()
    assert dialogs.offered[-1] == ("Dad", "Son")
    assert store.find_player("Morphy, Paul") is None
    window.close()

    restarted = make_window(dialogs=dialogs)  # the same settings file, a new window
    restarted.play.new_game()
    assert dialogs.offered[-1] == ("Dad", "Son")
