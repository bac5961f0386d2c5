"""Dialogs, and ``Dialogs``: the one place the window asks the user something (tests replace it)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chess
from PySide6.QtCore import QAbstractTableModel, QByteArray, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kibitz.engine.clock import TimeControl
from kibitz.engine.store import name_key
from kibitz.gui.pieces import piece_svg
from kibitz.gui.protocols import GameRecordLike
from kibitz.gui.words import plural


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that never interprets its text as HTML (player names are data)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def piece_icon(piece: chess.Piece, size: int = 64) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    QSvgRenderer(QByteArray(piece_svg(piece))).render(painter)
    painter.end()
    return QIcon(pixmap)


class PromotionDialog(QDialog):
    """Pick the piece a pawn becomes."""

    PIECES = (chess.QUEEN, chess.ROOK, chess.BISHOP, chess.KNIGHT)

    def __init__(self, color: chess.Color, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Promote to")
        self.choice: chess.PieceType | None = None
        layout = QHBoxLayout(self)
        self.buttons: dict[chess.PieceType, QPushButton] = {}
        for piece_type in self.PIECES:
            button = QPushButton()
            button.setIcon(piece_icon(chess.Piece(piece_type, color)))
            button.setIconSize(QSize(56, 56))
            button.setToolTip(chess.piece_name(piece_type))
            button.clicked.connect(lambda _=False, p=piece_type: self._choose(p))
            layout.addWidget(button)
            self.buttons[piece_type] = button

    def _choose(self, piece_type: chess.PieceType) -> None:
        self.choice = piece_type
        self.accept()


@dataclass(frozen=True)
class NewGameChoice:
    white: str
    black: str
    event: str | None
    #: The player's starting rating for Maia-3 (lichess-like), used until their own games fit one.
    white_level: int | None = None
    black_level: int | None = None
    #: Each side's time, or None for a game without clocks.
    controls: Mapping[chess.Color, TimeControl] | None = None


DEFAULT_LEVEL = 1500
MIN_LEVEL, MAX_LEVEL = 400, 3000  # the store's range (Store.set_player_level)
LEVEL_STEP = 50  # the prior reads ratings in steps of 50 (kibitz.engine.priors.rating_key)
NO_LEVEL = MIN_LEVEL - LEVEL_STEP  # the spin box's "not given" value, one step below the lowest level
#: The level's name wherever it is asked for: what it is now, a rating for Maia-3 until games fit one.
LEVEL_WORDS = "rating (until their games fit one)"
LEVEL_TIP = ("The player's rating as Maia-3 should read their moves, about 1500 for a club player "
             f"({MIN_LEVEL}-{MAX_LEVEL}). It is their starting rating: once enough of their games are "
             "here, a retrain fits a rating on them and that one is used instead. Not given: 1500.")


def level_box(level: int | None) -> QSpinBox:
    """A starting rating from 400 to 3000 in steps of 50, or "not given"."""
    box = QSpinBox()
    box.setRange(NO_LEVEL, MAX_LEVEL)
    box.setSingleStep(LEVEL_STEP)
    box.setSpecialValueText("not given")
    box.setValue(level if level is not None else NO_LEVEL)
    box.setToolTip(LEVEL_TIP)
    return box


def level_of(box: QSpinBox) -> int | None:
    return None if box.value() < MIN_LEVEL else box.value()


def centre_over(dialog: QWidget, parent: QWidget | None) -> None:
    """Place ``dialog`` over the middle of ``parent``'s window (not at the screen's corner)."""
    if parent is None:
        return
    window = parent.window()
    dialog.adjustSize()
    centre = window.frameGeometry().center()
    frame = dialog.frameGeometry()
    frame.moveCenter(centre)
    dialog.move(frame.topLeft())


def place_on_screen(window: QWidget, over: QWidget, size: QSize) -> None:
    """Give ``window`` (a top-level window of its own) ``size``, or what the screen of ``over`` has room
    for, centred over ``over``'s window and moved wholly onto that screen (a review opened from a
    window near the screen's edge went partly off it)."""
    screen = (over.window().screen() or QApplication.primaryScreen()).availableGeometry()
    room = screen.size() * 0.95
    window.resize(size.boundedTo(room))
    frame = window.frameGeometry()
    frame.moveCenter(over.window().frameGeometry().center())
    # Wholly on the screen; a window wider or taller than the screen (its minimum) keeps its title bar
    # and left edge on it.
    x = max(min(frame.left(), screen.right() - frame.width() + 1), screen.left())
    y = max(min(frame.top(), screen.bottom() - frame.height() + 1), screen.top())
    window.move(x, y)


class NewGameDialog(QDialog):
    """Pick or type two players' names and, optionally, an event."""

    def __init__(self, names: Sequence[str], parent: QWidget | None = None,
                 white: str = "", black: str = "", levels: Mapping[str, int | None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New game")
        self.levels = {name_key(name): level for name, level in (levels or {}).items()}
        self.white = self._combo(names, white)
        self.black = self._combo(names, black)
        self.white_level = level_box(self._level(white))
        self.black_level = level_box(self._level(black))
        self.white.currentTextChanged.connect(lambda text: self.white_level.setValue(self._level(text) or NO_LEVEL))
        self.black.currentTextChanged.connect(lambda text: self.black_level.setValue(self._level(text) or NO_LEVEL))
        self.event = QLineEdit()
        self.event.setPlaceholderText("optional")
        swap = QPushButton("Swap colours")
        swap.setAutoDefault(False)  # Enter anywhere in the dialog means OK, never "swap"
        swap.clicked.connect(self.swap)
        self.clocks = self._clock_box()
        form = QFormLayout()
        form.addRow("White", self.white)
        form.addRow(f"White's {LEVEL_WORDS}", self.white_level)
        form.addRow("Black", self.black)
        form.addRow(f"Black's {LEVEL_WORDS}", self.black_level)
        form.addRow("", swap)
        form.addRow("Event", self.event)
        self.error = plain_label()
        self.error.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Choose a name from the list or type a new one."))
        layout.addLayout(form)
        layout.addWidget(self.clocks)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    @staticmethod
    def _combo(names: Sequence[str], current: str) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(list(names))
        combo.setCurrentText(current)
        combo.setMinimumContentsLength(18)
        return combo

    def _clock_box(self) -> QGroupBox:
        """None, or minutes + increment each, with extra minutes for either side (a parent gives a child more)."""
        box = QGroupBox("Clocks")
        box.setCheckable(True)
        box.setChecked(False)
        box.setToolTip("Without clocks, nobody is timed. With them, a player whose time runs out loses "
                       "(a draw if the other cannot checkmate).")
        self.minutes = _spin(1, 180, 10, " min")
        self.increment = _spin(0, 60, 0, " s")
        self.white_extra = _spin(0, 180, 0, " min")
        self.black_extra = _spin(0, 180, 0, " min")
        form = QFormLayout(box)
        form.addRow("Time each", self.minutes)
        form.addRow("Added after each move", self.increment)
        form.addRow("Extra time for White", self.white_extra)
        form.addRow("Extra time for Black", self.black_extra)
        return box

    def controls(self) -> dict[chess.Color, TimeControl] | None:
        if not self.clocks.isChecked():
            return None
        return {color: TimeControl((self.minutes.value() + extra.value()) * 60.0, float(self.increment.value()))
                for color, extra in ((chess.WHITE, self.white_extra), (chess.BLACK, self.black_extra))}

    def _level(self, name: str) -> int | None:
        """A known player's level as stored; a new player starts at the default."""
        key = name_key(name)
        if not key:
            return None
        return self.levels[key] if key in self.levels else DEFAULT_LEVEL

    def swap(self) -> None:
        white, black = self.white.currentText(), self.black.currentText()
        levels = self.white_level.value(), self.black_level.value()
        self.white.setCurrentText(black)
        self.black.setCurrentText(white)
        self.white_level.setValue(levels[1])
        self.black_level.setValue(levels[0])
        extras = self.white_extra.value(), self.black_extra.value()
        self.white_extra.setValue(extras[1])
        self.black_extra.setValue(extras[0])

    def choice(self) -> NewGameChoice:
        return NewGameChoice(" ".join(self.white.currentText().split()), " ".join(self.black.currentText().split()),
                             self.event.text().strip() or None, level_of(self.white_level),
                             level_of(self.black_level), self.controls())

    def accept(self) -> None:
        c = self.choice()
        if not c.white or not c.black:
            self.error.setText("Both players need a name.")
            return
        if name_key(c.white) == name_key(c.black):
            self.error.setText("White and Black must be two different players.")
            return
        super().accept()


def _spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


def describe_record(record: GameRecordLike) -> str:
    when = datetime.datetime.fromtimestamp(record.created_at).strftime("%Y-%m-%d %H:%M")
    moves = len(record.moves)
    return f"{record.white} – {record.black}, {plural(moves, 'ply', 'plies')}, started {when}"


class ResumeDialog(QDialog):
    """Unfinished games found at start: resume one, or start afresh."""

    def __init__(self, records: Sequence[GameRecordLike], parent: QWidget | None = None,
                 abandon: Callable[[GameRecordLike], None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Resume a game?")
        self.records = list(records)
        self.abandon = abandon
        self.list = QListWidget()
        for record in self.records:
            QListWidgetItem(describe_record(record), self.list)  # list items are plain text
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        buttons = QDialogButtonBox()
        buttons.addButton("Resume", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("New game", QDialogButtonBox.ButtonRole.RejectRole)
        if abandon is not None:  # else it is offered at every start for ever
            drop = buttons.addButton("Abandon this one", QDialogButtonBox.ButtonRole.ActionRole)
            drop.clicked.connect(lambda _=False: self.abandon_selected())
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("These games were not finished:"))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def abandon_selected(self) -> None:
        """Stop the selected game for good; with none left, go on to a new game."""
        record = self.selected()
        if record is None or self.abandon is None:
            return
        self.abandon(record)
        row = self.list.currentRow()
        self.records.pop(row)
        self.list.takeItem(row)
        if not self.records:
            self.reject()

    def selected(self) -> GameRecordLike | None:
        row = self.list.currentRow()
        return self.records[row] if 0 <= row < len(self.records) else None


KEEP = "keep"
NEW = "new"


@dataclass(frozen=True)
class NameMapping:
    """What to do with one PGN name: keep it (``KEEP``), make a player (``NEW``), or alias to a player id."""

    pgn_name: str
    action: str | int


class NameMappingModel(QAbstractTableModel):
    """The names found in the files, their games, and who each one is (``KEEP``, ``NEW`` or a player id).

    A model, not a widget per row: a file of master games holds some 15,000 names, and a combo box
    for each took seconds to build and to show.
    """

    HEADERS = ("Name in the PGN", "Games", "Player")

    def __init__(self, names: Sequence[tuple[str, int]], players: Sequence[tuple[int, str]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.names = list(names)
        self.options: list[tuple[str | int, str]] = [(KEEP, "— not a player here —"),
                                                     (NEW, "New player with this name"),
                                                     *((pid, f"is {name}") for pid, name in players)]
        self._words = dict(self.options)
        known = {name_key(name): pid for pid, name in players}
        self.choices: list[str | int] = [known.get(name_key(name), KEEP) for name, _ in self.names]
        self._folded = [name.casefold() for name, _ in self.names]
        self._shown = list(range(len(self.names)))  # rows shown (found by the filter), as indices into names

    def set_filter(self, text: str) -> None:
        """Show only the names holding ``text`` (in any case); "" shows all. Filtered here, in one pass:
        a proxy model asks ``data()`` once per row and comparison, seconds for 15,000 names."""
        wanted = text.casefold().strip()
        self.beginResetModel()
        self._shown = [i for i, folded in enumerate(self._folded) if wanted in folded]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._shown[index.row()]
        name, games = self.names[row]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (name, f"{games:,}", self._words[self.choices[row]])[column]
        if role == Qt.ItemDataRole.EditRole and column == 2:
            return self.choices[row]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        editable = Qt.ItemFlag.ItemIsEditable if index.column() == 2 else Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | editable

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != 2 or value not in self._words:
            return False
        self.choices[self._shown[index.row()]] = value
        self.dataChanged.emit(index, index)
        return True

    def choose(self, name: str, choice: str | int) -> bool:
        """Say who ``name`` is, shown or not (False: no such name or choice)."""
        row = next((i for i, (found, _) in enumerate(self.names) if found == name), None)
        if row is None or choice not in self._words:
            return False
        self.choices[row] = choice
        if row in self._shown:
            shown = self.index(self._shown.index(row), 2)
            self.dataChanged.emit(shown, shown)
        return True

    def mappings(self) -> list[NameMapping]:
        return [NameMapping(name, choice) for (name, _), choice in zip(self.names, self.choices) if choice != KEEP]


class PlayerChoiceDelegate(QStyledItemDelegate):
    """A combo box of the choices, only for the row being edited."""

    def createEditor(self, parent: QWidget, option: Any, index: QModelIndex | QPersistentModelIndex  # noqa: N802
                     ) -> QWidget:
        combo = QComboBox(parent)
        for value, text in index.model().options:  # type: ignore[attr-defined]
            combo.addItem(text, value)
        combo.activated.connect(lambda _index: self.commitData.emit(combo))
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        combo = editor if isinstance(editor, QComboBox) else None
        if combo is not None:
            combo.setCurrentIndex(max(0, combo.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: Any, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class ImportMappingDialog(QDialog):
    """Say which player each PGN name is: an existing player (alias), a new player, or nobody."""

    def __init__(self, names: Sequence[tuple[str, int]], players: Sequence[tuple[int, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is who?")
        self.resize(620, 480)
        self.model = NameMappingModel(names, players, self)  # most games first, as the scan gives them
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText(f"Find a name among {plural(len(names), 'name')}")
        self.name_filter.textChanged.connect(self.model.set_filter)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(2, PlayerChoiceDelegate(self.table))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no measuring of 15,000 rows
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.resizeSection(0, 240)
        header.resizeSection(1, 70)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox()
        buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(
            "Games are linked to a player by name. Map the names in these files to players "
            "(a mapped name becomes that player's alias); unmapped names are imported as they are."))
        layout.addWidget(self.name_filter)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def mappings(self) -> list[NameMapping]:
        return self.model.mappings()


class Dialogs:
    """Every question the window asks. Tests subclass this with scripted answers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def _exec(self, dialog: QDialog) -> int:
        centre_over(dialog, self.parent)
        return dialog.exec()

    def choose_promotion(self, color: chess.Color) -> chess.PieceType | None:
        dialog = PromotionDialog(color, self.parent)
        return dialog.choice if self._exec(dialog) == QDialog.DialogCode.Accepted else None

    def new_game(self, names: Sequence[str], white: str = "", black: str = "", *,
                 levels: Mapping[str, int | None] | None = None) -> NewGameChoice | None:
        dialog = NewGameDialog(names, self.parent, white, black, levels)
        return dialog.choice() if self._exec(dialog) == QDialog.DialogCode.Accepted else None

    def choose_resume(self, records: Sequence[GameRecordLike], *,
                      abandon: Callable[[GameRecordLike], None] | None = None) -> GameRecordLike | None:
        dialog = ResumeDialog(records, self.parent, abandon)
        return dialog.selected() if self._exec(dialog) == QDialog.DialogCode.Accepted else None

    def confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        return self._exec(box) == QMessageBox.StandardButton.Yes

    def inform(self, title: str, text: str, details: str = "") -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self.parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        if details:
            box.setDetailedText(details)
        self._exec(box)

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        """One line of text (a new name), or None if cancelled."""
        dialog = QInputDialog(self.parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        return dialog.textValue() if self._exec(dialog) == QDialog.DialogCode.Accepted else None

    def choose_item(self, title: str, label: str, items: Sequence[str]) -> int | None:
        """The index of one of ``items``, or None if cancelled."""
        dialog = QInputDialog(self.parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setComboBoxItems(list(items))
        dialog.setComboBoxEditable(False)
        if self._exec(dialog) != QDialog.DialogCode.Accepted:
            return None
        return list(items).index(dialog.textValue()) if dialog.textValue() in items else None

    def open_pgn_files(self) -> list[Path]:
        paths, _ = QFileDialog.getOpenFileNames(self.parent, "Import PGN", "",
                                                "PGN files (*.pgn *.pgn.gz *.pgn.xz *.pgn.bz2);;All files (*)")
        return [Path(p) for p in paths]

    def save_pgn_path(self, suggested: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, "Export PGN", suggested, "PGN files (*.pgn)")
        return Path(path) if path else None

    def map_import_names(self, names: Sequence[tuple[str, int]],
                         players: Sequence[tuple[int, str]]) -> list[NameMapping] | None:
        dialog = ImportMappingDialog(names, players, self.parent)
        return dialog.mappings() if self._exec(dialog) == QDialog.DialogCode.Accepted else None
