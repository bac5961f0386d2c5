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


def test_the_dialog_asks_for_each_players_starting_rating(qtbot: Any) -> None:
    """The level is the player's starting rating for Maia-3 (until their games fit one): the dialog
    says so, fills a known player's, starts a new one at 1500, steps by 50 and swaps with the names."""
    from PySide6.QtWidgets import QFormLayout, QLabel

    from kibitz.gui.dialogs import NewGameDialog

    dialog = NewGameDialog(["Dad", "Son"], white="Dad", black="Son", levels={"Dad": 1800, "Son": None})
    qtbot.addWidget(dialog)
    form = dialog.findChild(QFormLayout)
    label = form.labelForField(dialog.white_level)
    assert isinstance(label, QLabel) and label.text() == "White's rating (until their games fit one)"
    assert "Maia-3" in dialog.white_level.toolTip() and "retrain" in dialog.white_level.toolTip()
    assert (dialog.white_level.value(), dialog.black_level.text()) == (1800, "not given")
    assert (dialog.white_level.maximum(), dialog.white_level.singleStep()) == (3000, 50)
    dialog.black_level.stepUp()  # from "not given" to the lowest rating the store takes
    assert dialog.choice().black_level == 400
    dialog.swap()
    assert (dialog.choice().white_level, dialog.choice().black_level) == (400, 1800)
    dialog.white.setCurrentText("Ann")  # a new player starts at the default
    assert dialog.choice().white_level == 1500
