"""How a finished game reads on the board page: the end in words, and no "Likely moves for …" after it."""

from __future__ import annotations

import io
from typing import Any

from gui_helpers import drag_move
from kibitz.engine import pgn

DRAWN_GAME = b"""[Event "Club"]
[White "Morphy, Paul"]
[Black "Anderssen, Adolf"]
[Result "1/2-1/2"]
[Termination "Normal"]

1. e4 e5 2. Nf3 Nc6 1/2-1/2
"""


def _import(store: Any, text: bytes) -> int:
    games = [g for g in pgn.read_games(io.BytesIO(text)) if isinstance(g, pgn.PgnGame)]
    store.import_games(games)
    return int(store.query("SELECT id FROM games WHERE dedup_key = ?", (games[0].key,))[0][0])


def test_an_imported_games_termination_tag_reads_as_words(qtbot: Any, make_window: Any, store: Any) -> None:
    window = make_window()
    window.play.open_game(_import(store, DRAWN_GAME))
    status = window.play.status_label.text()
    assert status.startswith("Game over: Draw") and "Normal" not in status
    assert "Likely moves" not in window.play.prediction_panel.title.text()


def test_after_mate_the_panel_no_longer_offers_likely_moves(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    session = window.play.session
    with qtbot.waitSignal(session.game_finished, timeout=3000):
        for uci in ("f2f3", "e7e5", "g2g4", "d8h4"):
            drag_move(window.play.board, uci)
    panel = window.play.prediction_panel
    assert panel.title.text() == "Game over"
    assert "Bob won (checkmate)" in panel.status.text() and panel.texts() == []
    window.play.step(-1)  # walking back shows what the model expected again
    assert panel.title.text() == "Likely moves for Bob"
