"""The player page shows the pair's record: head-to-head by month, its chart, and the strength by month."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QLabel, QTableWidget

from kibitz.gui.insight import InsightPage


def _game(store: Any, white: int, black: int, date: str, result: str) -> None:
    game = store.start_game(white, black)
    board = chess.Board()
    for ply, san in enumerate(("d4", "d5", "c4")):
        store.add_move(game, ply, board.push_san(san).uci(), san)
    store.finish_game(game, result, "test")
    with store.transaction() as db:
        db.execute("UPDATE games SET date = ? WHERE id = ?", (date, game))


def test_the_player_page_shows_the_pairs_record(qtbot: Any, store: Any) -> None:
    dad, son = store.add_player("Dad"), store.add_player("Son")
    store.set_player_level(dad.id, 1500)
    for date, white, black, result in (("2026.04.01", dad, son, "1-0"), ("2026.04.02", son, dad, "1-0"),
                                       ("2026.05.01", dad, son, "0-1")):
        _game(store, white.id, black.id, date, result)
    pool = QThreadPool()
    page = InsightPage(store, pool)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.profile_ready, timeout=60000):
        page.load(store.player(son.id))
    labels = [w.text() for w in page.findChildren(QLabel)]
    assert "Against Dad: 3 games, 2 won, 0 drawn, 1 lost (67%)" in labels
    tables = [t for t in page.findChildren(QTableWidget) if t.horizontalHeaderItem(0).text() == "month"]
    by_month, strength = tables
    assert [[by_month.item(r, c).text() for c in range(6)] for r in range(by_month.rowCount())] == [
        ["2026-04", "2", "1", "0", "1", "50%"], ["2026-05", "1", "1", "0", "0", "100%"]]
    assert [strength.item(r, 3).text() for r in range(strength.rowCount())] == ["1500", "1900"]
    assert 'data-name="against Dad"' in page.pair_chart.svg() and page.pair_chart.isVisible()
    # The tree names the openings the son met (1.d4 d5 2.c4: the Queen's Gambit).
    tree = page.trees[chess.BLACK]
    assert tree.topLevelItem(0).text(5) == "A40 Queen's Pawn Game"
    pool.waitForDone(10000)
