"""The player page: the profile computed in the background, tables and trees filled, revert serves an
earlier version and reloads the page."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QTableWidget

from insight_data import add_model_versions, store_with_games
from kibitz.engine.analysis import NO_ENGINE
from kibitz.gui.insight import InsightPage


def test_player_page_shows_the_profile_and_reverts(qtbot: Any, store: Any) -> None:
    player = store_with_games(store, 12)
    folders = add_model_versions(store, player)
    pool = QThreadPool()
    page = InsightPage(store, pool)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.profile_ready, timeout=240000) as ready:
        page.load(player)
    profile = ready.args[0]
    assert profile.games == 12 and "jowen93" in page.header.text()
    assert "Maia-3 at 1,500" in page.header.text()  # the versions' records carry a fitted rating:
    assert "(rating 1,500: fitted on their games)" in page.header.text()
    assert 'data-name="model top-1"' in page.charts["accuracy"].svg()
    # The opening tree as White starts with the player's first moves and their counts.
    white = page.trees[chess.WHITE]
    first = profile.openings[chess.WHITE].children
    assert white.topLevelItemCount() == len(first) > 0
    assert white.topLevelItem(0).text(0) == f"1. {first[0].san}"
    assert white.topLevelItem(0).text(1) == str(first[0].games)
    # Lines played once are not listed, and the tree says so where they were left out.
    rare = profile.openings[chess.WHITE].children[0].rare
    assert rare > 0
    note = white.topLevelItem(0).child(white.topLevelItem(0).childCount() - 1)
    assert note.text(0) == profile.openings[chess.WHITE].children[0].rare_text() and "played once" in note.text(0)
    assert note.isFirstColumnSpanned()
    # Version 1 is served; version 2 (never served: not installed when trained) can be served.
    assert list(page.revert_buttons) == [folders[1]]
    assert page.revert_buttons[folders[1]].text() == "Serve version 2"
    with qtbot.waitSignals([page.model_reverted, page.profile_ready], timeout=240000):
        qtbot.mouseClick(page.revert_buttons[folders[1]], Qt.MouseButton.LeftButton)
    assert store.latest_model(player.id).path == folders[1]
    assert list(page.revert_buttons) == [folders[0]]
    assert page.revert_buttons[folders[0]].text() == "Serve version 1 again"
    assert [v.current for v in page.profile.versions] == [False, True]
    pool.waitForDone(10000)


def test_a_long_note_in_the_model_history_is_read_whole(qtbot: Any) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from kibitz.gui.insight.page import wrapping_table

    long_note = "a personal model trained on 1,273 games did not beat the base model on the newest games"
    rows = [[str(i), "2026-12-06 22:58", "1273", "52%", "79%", "–", "not installed", long_note] for i in (1, 2)]
    holder = QWidget()
    table = wrapping_table(["version", "trained", "games", "top-1 (newest 20)", "top-3", "top-1 held back",
                            "state", "note"], rows + [["", "base model", "", "50%", "77%", "", "", ""]])
    QVBoxLayout(holder).addWidget(table)
    qtbot.addWidget(holder)
    holder.resize(700, 400)
    holder.show()
    qtbot.waitExposed(holder)
    header, note = table.horizontalHeader(), 7
    assert header.sectionViewportPosition(note) + header.sectionSize(note) <= table.viewport().width()
    needed = table.fontMetrics().boundingRect(QRect(0, 0, header.sectionSize(note) - 8, 10_000),
                                              int(Qt.TextFlag.TextWordWrap), long_note).height()
    assert table.rowHeight(0) >= needed > table.fontMetrics().height()  # wrapped, and every line shown
    last = table.rowCount() - 1
    assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height()  # no row hidden


def test_player_page_reads_whole_at_1100_by_900(qtbot: Any, store: Any) -> None:
    """The chart title, the model history's notes and the habits section are readable at a usual size."""
    import re

    from PySide6.QtGui import QFont, QFontMetrics

    player = store_with_games(store, 12)
    add_model_versions(store, player)
    pool = QThreadPool()
    page = InsightPage(store, pool)
    qtbot.addWidget(page)
    page.resize(1100, 900)
    page.show()
    with qtbot.waitSignal(page.profile_ready, timeout=240000) as ready:
        page.load(player)
    qtbot.waitExposed(page)
    QApplication.processEvents()  # the new tables are laid out (deferred layout requests)
    # The first chart's title is drawn whole: its lines join to the full title and each fits the chart.
    chart = page.charts["accuracy"]
    lines = re.findall(r'<text [^>]*class="title">([^<]*)</text>', chart.svg())
    assert " ".join(lines) == f"Does the model learn {player.name}? (each on games it did not learn from)"
    font = QFont("sans-serif")
    font.setPixelSize(13)
    font.setBold(True)
    assert max(QFontMetrics(font).horizontalAdvance(line) for line in lines) <= chart.width()
    # The note column takes the width left over; no other column is wider than its contents need.
    table = page.versions_box.itemAt(0).widget().findChild(QTableWidget)
    header, note = table.horizontalHeader(), table.columnCount() - 1
    for column in range(note):
        assert header.sectionSize(column) <= max(table.sizeHintForColumn(column),
                                                 header.sectionSizeHint(column)) + 1
    assert header.sectionSize(note) >= max(header.sectionSize(c) for c in range(note))
    # With no engine, the habits section says why it is empty and how to get one.
    assert page.habits_label.text() == NO_ENGINE and page.habits_label.isVisible()
    assert ready.args[0].games == 12
    pool.waitForDone(10000)
