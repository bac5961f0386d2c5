"""Keeps the board square and the players' names right above and below it, at any window size."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from kibitz.gui.board_view import BoardView

GAP = 4


class BoardFrame(QWidget):
    """Lays out ``top`` label, square ``board``, ``bottom`` label as one centred block."""

    def __init__(self, board: BoardView, top: QLabel, bottom: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board, self.top, self.bottom = board, top, bottom
        for child in (board, top, bottom):
            child.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 240)

    def labels_height(self) -> int:
        """Height taken by the names and gaps above and below the board."""
        return self.top.sizeHint().height() + self.bottom.sizeHint().height() + 2 * GAP

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(560, 560 + self.labels_height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.relayout()

    def relayout(self) -> None:
        top_h, bottom_h = self.top.sizeHint().height(), self.bottom.sizeHint().height()
        side = max(64, min(self.width(), self.height() - self.labels_height()))
        side -= side % 8
        left = (self.width() - side) // 2
        y = max(0, (self.height() - (side + top_h + bottom_h + 2 * GAP)) // 2)
        self.top.setGeometry(left, y, side, top_h)
        self.board.setGeometry(left, y + top_h + GAP, side, side)
        self.bottom.setGeometry(left, y + top_h + GAP + side + GAP, side, bottom_h)
