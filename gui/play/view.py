"""The board page: names above and below the board, the side panel with predictions and moves.

Widgets only; what they show is decided by :class:`kibitz.gui.play.feature.PlayFeature`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kibitz.gui.board_frame import BoardFrame
from kibitz.gui.board_view import BoardView
from kibitz.gui.panels import ElidedLabel, MoveListPanel, PredictionPanel, player_label

SIDE_PANEL_WIDTH = 270
SIDE_PANEL_MIN_WIDTH = 190
MOVE_LIST_MIN_ROWS = 2  # the move list may shrink to this in a low window
BOARD_SIDE_ROOM = 16  # px the board frame may be wider than the board, each side


class PlayView(QWidget):
    """Board and side panel; the side panel takes what width the board's height leaves."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = BoardView()
        self.top_name = ElidedLabel(player_label())
        self.bottom_name = ElidedLabel(player_label())
        self.board_frame = BoardFrame(self.board, self.top_name, self.bottom_name)
        self.status_label = ElidedLabel()
        self.prediction_panel = PredictionPanel()
        self.move_list = MoveListPanel()
        self.takeback_button = _button("Takeback")
        self.flip_button = _button("Flip")
        self.draw_button = _button("Offer draw")
        self.resign_button = _button("Resign")
        self.play_on_button = _button("Play on from here")
        buttons = QGridLayout()  # two rows, so a low window keeps room for the moves
        buttons.setSpacing(4)
        for column, button in enumerate((self.takeback_button, self.flip_button, self.draw_button)):
            buttons.addWidget(button, 0, column)
        buttons.addWidget(self.resign_button, 1, 0)
        buttons.addWidget(self.play_on_button, 1, 1, 1, 2)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.status_label)
        right.addWidget(self.prediction_panel)
        right.addWidget(self.move_list, 1)
        right.addLayout(buttons)
        # A low window (600x400) keeps every row of the panel: the move list gives way, down to two rows.
        self.move_list.setMinimumHeight(MOVE_LIST_MIN_ROWS * self.move_list.verticalHeader().defaultSectionSize()
                                        + self.move_list.horizontalHeader().sizeHint().height() + 4)
        self.side = QWidget()
        self.side.setLayout(right)
        self.side.setFixedWidth(SIDE_PANEL_WIDTH)
        self.side.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.layout_ = QHBoxLayout(self)
        self.layout_.addStretch(0)
        self.layout_.addWidget(self.board_frame, 1)
        self.layout_.addWidget(self.side)
        self.layout_.addStretch(0)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        self.fit_side_panel()
        super().resizeEvent(event)

    def fit_side_panel(self) -> None:
        """Give the board all the width its height allows, the side panel the rest (190-270 px).

        In a small window the board would otherwise shrink to make room for a full-width panel;
        in a wide one, board and panel stay together in the middle instead of drifting apart.
        """
        margins = self.layout_.contentsMargins()
        inner_w = self.width() - margins.left() - margins.right() - 3 * self.layout_.spacing()
        inner_h = self.height() - margins.top() - margins.bottom()
        board = max(self.board_frame.minimumWidth(), inner_h - self.board_frame.labels_height())
        width = max(SIDE_PANEL_MIN_WIDTH, min(SIDE_PANEL_WIDTH, inner_w - board))
        if self.side.minimumWidth() != width or self.side.maximumWidth() != width:
            self.side.setFixedWidth(width)
        self.board_frame.setMaximumWidth(board + 2 * BOARD_SIDE_ROOM)


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys belong to the board
    return button


def connect_button(button: QPushButton, slot: Callable[[], Any]) -> None:
    button.clicked.connect(lambda _=False: slot())
