"""The Players page: the list of players and one player's page (names, starting rating, games, model)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kibitz.gui.dialogs import LEVEL_TIP, level_box, level_of, plain_label
from kibitz.gui.panels import ElidedLabel
from kibitz.gui.words import plural


@dataclass(frozen=True)
class PlayerPage:
    """What one player's page shows."""

    id: int
    name: str
    aliases: tuple[str, ...]
    level: int | None
    games: int
    wins: int
    draws: int
    losses: int
    model: str
    unfinished: int = 0  # games without a result: the total is the four counts together


class PlayersView(QWidget):
    """Players on the left, the chosen one's page on the right; every edit is a request to the feature."""

    selected = Signal(int)  # player id
    rename_requested = Signal(int)
    aliases_requested = Signal(int)
    merge_requested = Signal(int)
    delete_requested = Signal(int)
    level_changed = Signal(int, object)  # player id, level or None
    games_requested = Signal(int)
    insight_requested = Signal(int)  # what the models know about the player
    retrain_requested = Signal(int)  # fine-tune this player's model now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setMaximumWidth(260)
        self.list.currentItemChanged.connect(self._current_changed)
        self.name = ElidedLabel()
        font = QFont(self.name.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.name.setFont(font)
        self.aliases = plain_label()
        self.aliases.setWordWrap(True)
        self.record = plain_label()
        self.model = plain_label()
        self.model.setWordWrap(True)
        self.level: QSpinBox = level_box(None)
        self.level.setMaximumWidth(140)
        self.level.editingFinished.connect(self._level_edited)
        form = QFormLayout()
        for label, field in (("Also known as", self.aliases), ("Games", self.record),
                             ("Starting rating", self.level), ("Predicted by", self.model)):
            form.addRow(plain_label(label), field)
        form.labelForField(self.level).setToolTip(LEVEL_TIP)
        buttons = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for index, (key, text, signal) in enumerate((
                ("games", "Show their games", self.games_requested),
                ("insight", "What the models know…", self.insight_requested),
                ("retrain", "Retrain their model", self.retrain_requested),
                ("rename", "Rename…", self.rename_requested),
                ("aliases", "Edit aliases…", self.aliases_requested),
                ("merge", "Merge into another player…", self.merge_requested),
                ("delete", "Delete player…", self.delete_requested))):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, s=signal: self.current_id is not None and s.emit(self.current_id))
            buttons.addWidget(button, index // 2, index % 2)
            self.buttons[key] = button
        page = QVBoxLayout()
        page.addWidget(self.name)
        page.addLayout(form)
        page.addLayout(buttons)
        page.addStretch(1)
        self.page = QWidget()
        self.page.setLayout(page)
        self.empty = plain_label("No players yet: they are made when a game starts or games are imported.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.page, 1)
        layout.addWidget(self.empty, 1)
        self.current_id: int | None = None
        self.show_page(None)

    def set_players(self, players: Sequence[tuple[int, str]], current: int | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for pid, name in players:
            item = QListWidgetItem(name)  # list items are plain text
            item.setData(Qt.ItemDataRole.UserRole, pid)
            self.list.addItem(item)
            if pid == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        elif not self.list.count():
            self.show_page(None)
        else:
            self._current_changed(self.list.currentItem(), None)

    def _current_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def show_page(self, page: PlayerPage | None) -> None:
        self.current_id = page.id if page is not None else None
        self.page.setVisible(page is not None)
        self.empty.setVisible(page is None)
        if page is None:
            return
        self.name.setText(page.name)
        self.aliases.setText(", ".join(page.aliases) if page.aliases else "no other names")
        unfinished = f", {page.unfinished:,} unfinished" if page.unfinished else ""
        self.record.setText(f"{plural(page.games, 'game')}: {page.wins:,} won, {page.draws:,} drawn, "
                            f"{page.losses:,} lost{unfinished}" if page.games else "no games yet")
        self.level.blockSignals(True)
        self.level.setValue(page.level if page.level is not None else self.level.minimum())
        self.level.blockSignals(False)
        self.model.setText(page.model)

    def _level_edited(self) -> None:
        if self.current_id is not None:
            self.level_changed.emit(self.current_id, level_of(self.level))
