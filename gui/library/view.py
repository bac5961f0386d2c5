"""The Games page: a filter bar above the list of every stored game, actions below."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kibitz.gui.dialogs import plain_label
from kibitz.gui.library.model import RESULT_FILTERS, GameFilter, GamesModel
from kibitz.gui.words import plural

FILTER_DELAY_MS = 150  # filter when the typing pauses, not on every key
ONLY_NAME_WIDTH = 140  # px of a player's name on the "Only …: show all" button (the search box keeps its room)


class LibraryView(QWidget):
    """Sort by clicking a header; double-click or Enter opens a game."""

    open_requested = Signal(int)  # game id
    delete_requested = Signal(list)  # game ids
    export_requested = Signal(list)  # game ids
    review_requested = Signal(int)  # game id: review it against the models
    shown = Signal()

    def __init__(self, model: GamesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names, event, date, opening")
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance(self.search.placeholderText()) + 24)
        self.player = QLineEdit()
        self.player.setPlaceholderText("Player")
        self.result = QComboBox()
        self.result.addItems(RESULT_FILTERS)
        self.date_from = QLineEdit()
        self.date_from.setPlaceholderText("from (2024.01)")
        self.date_to = QLineEdit()
        self.date_to.setPlaceholderText("to (2024.12)")
        for edit in (self.date_from, self.date_to):
            edit.setMaximumWidth(110)
        self.player_id: int | None = None
        self.clear_player = QPushButton("Show all players")
        self.clear_player.hide()
        self.clear_player.clicked.connect(lambda _=False: self.show_player(None))
        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        bar.addWidget(self.player, 1)
        bar.addWidget(self.result)
        bar.addWidget(self.date_from)
        bar.addWidget(self.date_to)
        bar.addWidget(self.clear_player)

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring: 50,000 rows stay fast
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 150, 90, 65, 150, 80, 55, 240)):
            header.resizeSection(column, width)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)  # the opening takes what room is left
        self.table.doubleClicked.connect(lambda index: self.open_requested.emit(model.game_id(index.row())))

        self.count = plain_label()
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(lambda _=False: self._open_current())
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(lambda _=False: self.export_requested.emit(self.selected_ids()))
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(lambda _=False: self.delete_requested.emit(self.selected_ids()))
        self.review_button = QPushButton("Review…")
        self.review_button.setToolTip("How predictable each move was for the players' models")
        self.review_button.clicked.connect(lambda _=False: self.selected_ids() and
                                           self.review_requested.emit(self.selected_ids()[0]))
        actions = QHBoxLayout()
        actions.addWidget(self.count, 1)
        actions.addWidget(self.open_button)
        actions.addWidget(self.review_button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.delete_button)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(FILTER_DELAY_MS)
        self.timer.timeout.connect(self.apply_filter)
        for edit in (self.search, self.player, self.date_from, self.date_to):
            edit.textChanged.connect(lambda _text: self.timer.start())
        self.result.currentIndexChanged.connect(lambda _index: self.apply_filter())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        model.modelReset.connect(self._update_buttons)
        self._update_buttons()

    def current_filter(self) -> GameFilter:
        return GameFilter(self.search.text(), self.player.text(), self.player_id, self.result.currentText(),
                          self.date_from.text(), self.date_to.text())

    def apply_filter(self) -> None:
        self.timer.stop()
        self.model.set_filter(self.current_filter())

    def show_player(self, player_id: int | None, name: str = "") -> None:
        """Only this player's games (None: everyone's)."""
        self.player_id = player_id
        shown = self.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, ONLY_NAME_WIDTH)
        self.clear_player.setText(f"Only {shown}: show all" if player_id is not None else "")
        self.clear_player.setToolTip(f"Only {name}'s games are listed; click to list everyone's"
                                     if player_id is not None else "")
        self.clear_player.setVisible(player_id is not None)
        if player_id is not None:  # the player's games, not theirs among an old name filter's
            self.player.blockSignals(True)
            self.player.clear()
            self.player.blockSignals(False)
        self.apply_filter()

    def selected_ids(self) -> list[int]:
        return [self.model.game_id(index.row()) for index in self.table.selectionModel().selectedRows()]

    def _open_current(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.open_requested.emit(ids[0])

    def _update_buttons(self) -> None:
        selected = len(self.table.selectionModel().selectedRows())
        self.open_button.setEnabled(selected == 1)
        self.review_button.setEnabled(selected == 1)
        self.export_button.setEnabled(selected > 0)
        self.delete_button.setEnabled(selected > 0)
        shown, total = self.model.rowCount(), self.model.total
        self.count.setText(plural(total, "game") if shown == total else f"{shown:,} of {plural(total, 'game')}")

    def keyPressEvent(self, event: object) -> None:  # noqa: N802
        key = event.key()  # type: ignore[attr-defined]
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open_current()
        elif key == Qt.Key.Key_Delete and self.selected_ids():
            self.delete_requested.emit(self.selected_ids())
        else:
            super().keyPressEvent(event)  # type: ignore[arg-type]

    def showEvent(self, event: object) -> None:  # noqa: N802
        super().showEvent(event)  # type: ignore[arg-type]
        self.shown.emit()
