"""A page per player: results, what the models know (the report's charts), model history with
revert, the habits that cost points (with a chess engine) and the opening tree. The profile is
computed in the thread pool (:func:`kibitz.engine.player_profile.player_profile`), the same data as
``kibitz-train report``; the habits in the engine's thread after it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import chess
from PySide6.QtCore import QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor
from PySide6.QtWidgets import (QAbstractScrollArea, QHBoxLayout, QHeaderView, QLabel, QPushButton, QScrollArea,
                               QSizePolicy, QTableWidget, QTableWidgetItem, QTabWidget, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from kibitz.engine.analysis import NO_ENGINE, REVIEW_LIMIT
from kibitz.engine.habits import Habit, find_habits
from kibitz.engine.models import ModelError
from kibitz.engine.openings import OpeningNode
from kibitz.engine.pair_record import head_to_head_chart
from kibitz.engine.player_profile import PlayerProfile, player_profile, revert_model
from kibitz.engine.predictor import open_predictor
from kibitz.engine.report import accuracy_chart, habits_html, phase_chart, predictability_chart
from kibitz.engine.store import Player, Store
from kibitz.gui.chart_view import ChartView
from kibitz.gui.dialogs import plain_label
from kibitz.gui.engine_service import EngineJob, EngineService
from kibitz.gui.workers import Worker, call_with_store, start_store_worker

COLOUR_NAMES = {chess.WHITE: "White", chess.BLACK: "Black"}
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"
WIDEST_COLUMN = 170  # px: wider cells of a wrapping table wrap, so its note keeps the room left


def _percent(value: object) -> str:
    return "–" if value is None else f"{float(value):.0%}"  # type: ignore[arg-type]


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    table.setMaximumHeight(table.verticalHeader().length() + table.horizontalHeader().height() + 4)
    return table


def wrapping_table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    """A table as tall as its rows, whose last column (a note) takes the width left and wraps its
    text: a long note is read whole, no row hides under a scroll bar, nothing scrolls sideways.
    The other columns fit their contents up to :data:`WIDEST_COLUMN`, past which they wrap."""
    table = _table(headers, rows)
    table.setMaximumHeight(QWIDGETSIZE_MAX)  # _table's fixed height would not follow the wrapped rows
    table.setWordWrap(True)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    header = table.horizontalHeader()
    header.setMinimumSectionSize(40)
    note = len(headers) - 1
    for column in range(note):  # a long cell ("measured on") wraps too, rather than squeezing the note
        header.resizeSection(column, min(header.sectionSize(column), WIDEST_COLUMN))
    header.resizeSection(note, header.fontMetrics().horizontalAdvance(headers[note]) + 24)
    header.setStretchLastSection(True)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # rows follow the wrap
    return table


def opening_items(node: OpeningNode, board: chess.Board) -> list[QTreeWidgetItem]:
    """Tree rows for the children of ``node`` (move, games, score, the model's probability, its favourites)."""
    items = []
    for child in node.children:
        after = board.copy()
        number = f"{after.fullmove_number}{'.' if after.turn == chess.WHITE else '...'}"
        after.push_san(child.san)
        favourites = ", ".join(f"{san} {p:.0%}" for san, p in child.model_top)
        item = QTreeWidgetItem([f"{number} {child.san}", str(child.games), f"{child.score:.0%}",
                                _percent(child.model_probability), favourites,
                                child.opening.text() if child.opening else ""])
        item.addChildren(opening_items(child, after))
        items.append(item)
    if node.rare:
        note = QTreeWidgetItem([node.rare_text()])
        note.setForeground(0, QBrush(QColor("gray")))
        note.setData(0, Qt.ItemDataRole.UserRole, node.rare)  # the games it stands for
        items.append(note)
    return items


def _span_notes(item: QTreeWidgetItem) -> None:
    """The "N more games …" notes read across the columns (they are no move with figures)."""
    for index in range(item.childCount()):
        child = item.child(index)
        if child is None:
            continue
        if child.data(0, Qt.ItemDataRole.UserRole) is not None:
            child.setFirstColumnSpanned(True)
        _span_notes(child)


class InsightPage(QWidget):
    profile_ready = Signal(object)  # PlayerProfile
    profile_failed = Signal(str)
    model_reverted = Signal(object)  # the Player whose served model changed
    habits_ready = Signal(object)  # list[Habit]

    def __init__(self, store: Store, pool: QThreadPool, parent: QWidget | None = None, *,
                 open_store: Callable[[], Store] | None = None, engine: EngineService | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.habits_job: EngineJob | None = None
        self.habits: list[Habit] | None = None
        self.habits_label = QLabel("")
        self.habits_label.setWordWrap(True)
        self.store = store
        self.open_store = open_store
        self.pool = pool
        self.player: Player | None = None
        self.profile: PlayerProfile | None = None
        self.header = QLabel("")
        self.header.setWordWrap(True)
        self.charts = {key: ChartView(minimum=QSize(260, 240)) for key in ("accuracy", "predictability", "phases")}
        self.results_box = QVBoxLayout()
        self.versions_box = QVBoxLayout()
        self.revert_buttons: dict[Path, QPushButton] = {}
        self.openings = QTabWidget()
        self.trees: dict[chess.Color, QTreeWidget] = {}
        for colour in (chess.WHITE, chess.BLACK):
            tree = QTreeWidget()
            tree.setHeaderLabels(["move", "games", "score", "model now gives it", "model's favourites after it",
                                  "opening"])
            self.trees[colour] = tree
            self.openings.addTab(tree, f"As {COLOUR_NAMES[colour]}")
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addLayout(self.results_box)
        charts = QHBoxLayout()
        for key, stretch in (("accuracy", 4), ("predictability", 4), ("phases", 3)):
            charts.addWidget(self.charts[key], stretch)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(top)
        layout.addLayout(charts)
        self.pair_box = QVBoxLayout()
        self.pair_chart = ChartView(minimum=QSize(260, 220))
        layout.addWidget(QLabel("<b>Against each other, and strength by month</b>"))
        pair = QHBoxLayout()
        pair.addLayout(self.pair_box, 1)
        pair.addWidget(self.pair_chart, 1)
        layout.addLayout(pair)
        layout.addWidget(QLabel("<b>Model history</b> (each version scored on the newest games it did not learn from)"))
        layout.addLayout(self.versions_box)
        layout.addWidget(QLabel("<b>Habits that cost points</b> (repeated moves the model expects and the engine "
                                "condemns, the costliest first)"))
        layout.addWidget(self.habits_label)
        layout.addWidget(QLabel("<b>Openings</b>"))
        layout.addWidget(self.openings, 1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def load(self, player: Player) -> Worker:
        """Compute ``player``'s profile in the background; ``profile_ready`` follows."""
        self.player = player
        self.setWindowTitle(f"kibitz: {player.name}")
        self.header.setText(f"<h2>{player.name}</h2>Reading the games and scoring the models…")
        return start_store_worker(self.pool, self.open_store, self.store,
                                  lambda store: player_profile(store, player), self.show_profile, self._failed)

    def _failed(self, message: str) -> None:
        self.header.setText(f"The player page could not be made: {message}")
        self.profile_failed.emit(message)

    def show_profile(self, profile: PlayerProfile) -> None:
        self.profile = profile
        guesses = "".join(f"<br>Guess the move against {name}: {t.text(profile.player.name)}."
                          for name, t in profile.guesses.items())
        self.header.setText(f"<h2>{profile.player.name}</h2>{profile.games} games. "
                            f"Predictions come from: {profile.served}.{guesses}")
        self.charts["accuracy"].set_chart(accuracy_chart(profile))
        self.charts["predictability"].set_chart(predictability_chart(profile))
        self.charts["phases"].set_chart(phase_chart(profile))
        self._replace(self.results_box, _table(
            ["as", "games", "won", "drawn", "lost", "score"],
            [[COLOUR_NAMES[c], str(r.games), str(r.wins), str(r.draws), str(r.losses), _percent(r.score)]
             for c, r in profile.results.items()]))
        self._show_versions(profile)
        self._show_pair(profile)
        for colour, tree in self.trees.items():
            tree.clear()
            tree.addTopLevelItems(opening_items(profile.openings[colour], chess.Board()))
            _span_notes(tree.invisibleRootItem())
            tree.expandToDepth(1)
            for column in range(tree.columnCount()):
                tree.resizeColumnToContents(column)
        self.profile_ready.emit(profile)
        self._find_habits(profile.player)

    def _find_habits(self, player: Player) -> None:
        """The costly habits, in the engine's thread after the page is shown (the searches are cached)."""
        if self.engine is None or not self.engine.available:
            # Say why the section is empty and how to fill it, rather than a heading over nothing.
            self.habits_label.setText(self.engine.missing_text() if self.engine is not None else NO_ENGINE)
            return
        self.habits_label.setText("The engine is looking at the positions the player keeps meeting…")
        open_store, shared = self.open_store, self.store

        def work(engine: Any, cancelled: Callable[[], bool], _report: Callable[[Any], None]) -> list[Habit]:
            return call_with_store(open_store, shared, lambda store: find_habits(
                store, player, engine, open_predictor(player, store), REVIEW_LIMIT, cancelled=cancelled))

        self.habits_job = self.engine.run(f"habits {id(self)}", work, self.show_habits,
                                          lambda message: self.habits_label.setText(f"No habits: {message}"))

    def show_habits(self, habits: list[Habit] | None) -> None:
        if habits is None or self.player is None:
            return
        self.habits = habits
        self.habits_label.setText(habits_html(self.player.name, habits[:8]))
        self.habits_ready.emit(habits)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if self.habits_job is not None:
            self.habits_job.cancel()
        super().closeEvent(event)

    def _show_pair(self, profile: PlayerProfile) -> None:
        """Head-to-head results month by month, and the performance rating by month (engine/pair_record.py)."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        for record in profile.head_to_head:
            layout.addWidget(plain_label(f"Against {record.opponent}: {record.total.games} games, "
                                         f"{record.total.text()} ({_percent(record.total.score)})"))
            layout.addWidget(_table(["month", "games", "won", "drawn", "lost", "score"],
                                    [[m, str(t.games), str(t.wins), str(t.draws), str(t.losses), _percent(t.score)]
                                     for m, t in record.by_month]))
        if profile.strength:
            layout.addWidget(plain_label("Performance rating by month (the opponents' ratings from the games' "
                                         "tags or their level here, ± 400 × (won − lost) / games):"))
            layout.addWidget(_table(["month", "rated games", "opponents", "performance"],
                                    [[p.month, str(p.games), str(p.opponents), str(p.performance)]
                                     for p in profile.strength]))
        if not profile.head_to_head and not profile.strength:
            layout.addWidget(plain_label("No finished games with a date against another player here yet."))
        self._replace(self.pair_box, box)
        self.pair_chart.set_chart(head_to_head_chart(profile.player.name, profile.head_to_head))
        self.pair_chart.setVisible(bool(profile.head_to_head))

    def _show_versions(self, profile: PlayerProfile) -> None:
        rows, self.revert_buttons = [], {}
        for i, v in enumerate(profile.versions, 1):
            state = "served now" if v.current else ("installed" if v.installed else "not installed")
            figures, validation = v.newest or {}, v.validation or {}
            rating = f"{v.rating:,}" if v.rating else "-"  # the rating the version was trained at
            rows.append([str(i), v.date, str(v.games_trained), rating, _percent(figures.get("top1")),
                         _percent(figures.get("top3")), v.measured_on, _percent(validation.get("top1")), state, v.note])
        for name, figures in profile.baselines.items():
            rows.append(["", name, "", "", _percent(figures["top1"]), _percent(figures["top3"]),
                         f"the newest {profile.newest_games} games", "", "", ""])
        table = wrapping_table(["version", "trained", "games", "rating", "top-1", "top-3", "measured on",
                                "top-1 when\njudged", "state", "note"], rows)
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(table, 1)
        buttons = QVBoxLayout()
        served_before = {r.path for r in self.store.model_history(profile.player.id)
                         if r.meta.get("installed") is not False}
        for i, v in enumerate(profile.versions, 1):
            if not v.current and v.newest is not None:  # only a usable, not served version
                button = QPushButton(f"Serve version {i} again" if v.folder in served_before else f"Serve version {i}")
                button.clicked.connect(lambda _=False, folder=v.folder: self.revert(folder))
                self.revert_buttons[v.folder] = button
                buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._replace(self.versions_box, box)

    @staticmethod
    def _replace(box: QVBoxLayout, widget: QWidget) -> None:
        while box.count():
            old = box.takeAt(0).widget()
            if old is not None:
                old.deleteLater()
        box.addWidget(widget)

    def revert(self, folder: Path) -> None:
        """Serve the model in ``folder`` again, then show the page anew."""
        if self.player is None:
            return
        try:
            revert_model(self.store, self.player, folder)
        except ModelError as error:
            self.header.setText(f"That version cannot be served: {error}")
            return
        self.model_reverted.emit(self.player)
        self.load(self.player)
