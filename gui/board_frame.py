"""Keeps the board square and the players' names (and clocks) right above and below it, at any window size."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from kibitz.gui.board_view import BoardView

GAP = 4


class BoardFrame(QWidget):
    """Lays out ``top`` label, square ``board``, ``bottom`` label as one centred block; a clock, if
    given, sits at the right end of its player's name."""

    def __init__(self, board: BoardView, top: QLabel, bottom: QLabel, parent: QWidget | None = None, *,
                 clocks: tuple[QLabel, QLabel] | None = None) -> None:
        super().__init__(parent)
        self.board, self.top, self.bottom = board, top, bottom
        self.clocks = clocks  # (top, bottom)
        for child in (board, top, bottom, *(clocks or ())):
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
        bottom_y = y + top_h + GAP + side + GAP
        self.board.setGeometry(left, y + top_h + GAP, side, side)
        for name, clock, row_y, row_h in ((self.top, self.clocks and self.clocks[0], y, top_h),
                                          (self.bottom, self.clocks and self.clocks[1], bottom_y, bottom_h)):
            clock_w = clock.sizeHint().width() if clock and not clock.isHidden() else 0
            name.setGeometry(left, row_y, side - clock_w - (GAP if clock_w else 0), row_h)
            if clock:
                clock.setGeometry(left + side - clock_w, row_y, clock_w, row_h)
