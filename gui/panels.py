"""Side panels: the move list and the predictions list."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kibitz.gui.dialogs import plain_label
from kibitz.gui.protocols import PredictionLike


class MoveListPanel(QTableWidget):
    """Moves in SAN, one row per move number; clicking a move shows that position."""

    ply_clicked = Signal(int)  # plies played at the clicked position (1 = after White's first move)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["White", "Black"])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys belong to the window
        self.cellClicked.connect(self._clicked)
        self._sans: list[str] = []
        self._first_black = False

    def set_moves(self, sans: Sequence[str], *, black_first: bool = False, current: int | None = None) -> None:
        """Show the moves; ``current`` is the ply count of the position on the board."""
        self._sans = list(sans)
        self._first_black = black_first
        cells = ([""] if black_first else []) + self._sans
        rows = (len(cells) + 1) // 2
        self.setRowCount(rows)
        self.setVerticalHeaderLabels([f"{i + 1}." for i in range(rows)])
        for index in range(rows * 2):
            text = cells[index] if index < len(cells) else ""
            self.setItem(index // 2, index % 2, QTableWidgetItem(text))
        self.mark(len(self._sans) if current is None else current)

    def _cell_of(self, ply: int) -> tuple[int, int]:
        index = ply - 1 + (1 if self._first_black else 0)
        return index // 2, index % 2

    def mark(self, ply: int) -> None:
        self.clearSelection()
        if ply <= 0:
            self.scrollToTop()
            return
        row, column = self._cell_of(ply)
        item = self.item(row, column)
        if item is not None:
            item.setSelected(True)
            self.scrollToItem(item)

    def _clicked(self, row: int, column: int) -> None:
        ply = row * 2 + column + 1 - (1 if self._first_black else 0)
        if 1 <= ply <= len(self._sans):
            self.ply_clicked.emit(ply)


class PredictionPanel(QWidget):
    """The side to move's five most likely moves with percentages, and where they come from."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = plain_label()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.rows = [plain_label() for _ in range(5)]
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: palette(mid)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        for row in self.rows:
            row.setIndent(8)
            layout.addWidget(row)
        layout.addWidget(self.status)

    def show_predictions(self, name: str, predictions: Sequence[PredictionLike], description: str,
                         *, note: str = "") -> None:
        self.title.setText(f"Likely moves for {name}")
        for index, label in enumerate(self.rows):
            if index < len(predictions):
                p = predictions[index]
                label.setText(f"{p.san}  {p.probability * 100:.0f}%")
            else:
                label.setText("—" if index == 0 and not predictions else "")
        self.status.setText(description + (f"\n{note}" if note else ""))

    def texts(self) -> list[str]:
        return [label.text() for label in self.rows if label.text() and label.text() != "—"]


def player_label() -> QLabel:
    label = plain_label()
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    label.setFont(font)
    return label
