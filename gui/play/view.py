"""The board page: names and clocks above and below the board, the side panel with predictions and moves.

Widgets only; what they show is decided by :class:`kibitz.gui.play.feature.PlayFeature`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kibitz.engine.clock import clock_text
from kibitz.gui.board_frame import BoardFrame
from kibitz.gui.board_view import BoardView
from kibitz.gui.panels import ElidedLabel, MoveListPanel, PredictionPanel, player_label
from kibitz.gui.play.move_entry import MoveEntry

LOW_TIME = 20.0  # seconds: a running clock below this turns red

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
        self.top_clock, self.bottom_clock = ClockLabel(), ClockLabel()
        self.board_frame = BoardFrame(self.board, self.top_name, self.bottom_name,
                                      clocks=(self.top_clock, self.bottom_clock))
        self.status_label = ElidedLabel()
        self.opening_label = ElidedLabel()  # "B90 Sicilian Defense: Najdorf Variation"; one line, whole in the tooltip
        self.move_entry = MoveEntry()
        self.prediction_panel = PredictionPanel()
        self.move_list = MoveListPanel()
        self.takeback_button = _button("Takeback")
        self.flip_button = _button("Flip")
        self.draw_button = _button("Offer draw")
        self.resign_button = _button("Resign")
        self.play_on_button = _button("Play on")
        self.play_on_button.setToolTip("Play on from the position shown, in a new game")
        self.pause_button = _button("Pause clocks")
        # Two rows, so a low window (600x400) keeps room for the moves; the pause button shows only in
        # timed games, and the others share its room when it is hidden.
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        for row in ((self.takeback_button, self.flip_button, self.draw_button),
                    (self.resign_button, self.pause_button, self.play_on_button)):
            line = QHBoxLayout()
            line.setSpacing(4)
            for button in row:
                line.addWidget(button, 1)
            buttons.addLayout(line)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(3)  # six parts above one another: a low window needs every pixel
        right.addWidget(self.status_label)
        right.addWidget(self.opening_label)
        right.addWidget(self.prediction_panel)
        right.addWidget(self.move_list, 1)
        right.addWidget(self.move_entry)
        right.addLayout(buttons)
        # A low window (600x400) keeps every row of the panel: the move list gives way, down to two rows.
        self.move_list.setMinimumHeight(MOVE_LIST_MIN_ROWS * self.move_list.verticalHeader().defaultSectionSize() + 4)
        self.side = QWidget()
        self.side.setLayout(right)
        self.side.setFixedWidth(SIDE_PANEL_WIDTH)
        self.side.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.layout_ = QHBoxLayout(self)
        margins = self.layout_.contentsMargins()
        self.layout_.setContentsMargins(margins.left(), 4, margins.right(), 4)  # height is short, width is not
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


class ClockLabel(QLabel):
    """A player's clock beside their name: dark while running, red when low, hidden for a game without clocks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = player_label().font()
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamily("monospace")
        self.setFont(font)
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("0:00:00") + 16)
        self.running = False
        self.hide()

    def show_time(self, seconds: float | None, *, running: bool) -> None:
        """Show ``seconds`` left (None: not known yet, ``–:––``)."""
        self.running = running
        self.setText(clock_text(seconds) if seconds is not None else "–:––")
        low = running and seconds is not None and seconds < LOW_TIME
        background = "#c62828" if low else "#263238" if running else "transparent"
        colour = "white" if running else "palette(text)"
        self.setStyleSheet(f"QLabel {{ background: {background}; color: {colour}; border: 1px solid #90a4ae;"
                           " border-radius: 3px; }")
        self.show()


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys belong to the board
    return button


def connect_button(button: QPushButton, slot: Callable[[], Any]) -> None:
    button.clicked.connect(lambda _=False: slot())
