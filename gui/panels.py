"""Side panels: the move list and the predictions list."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kibitz.engine.predictor import Prediction
from kibitz.gui.dialogs import plain_label
from kibitz.gui.overlay import PREDICTION_COLOR, percent_label

TOP_ROWS = 5
OTHERS_COLOR = "#9e9e9e"  # the moves not listed: grey, not the arrows' green


class ElidedLabel(QLabel):
    """Plain text cut with "…" where it does not fit (a long name must not widen or wrap the panel).

    ``text()`` stays the whole text, and the tooltip shows it.
    """

    def __init__(self, label: QLabel | None = None) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        if label is not None:
            self.setFont(label.font())
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(20)

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self.setToolTip(text)

    def shown_lines(self) -> list[str]:
        """The lines as painted (elided to the width)."""
        width = self.contentsRect().width()
        metrics = self.fontMetrics()
        return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in self.text().split("\n")]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), "\n".join(self.shown_lines()))
        painter.end()


class MoveListPanel(QTableWidget):
    """Moves in SAN, one row per move number; clicking a move shows that position."""

    ply_clicked = Signal(int)  # plies played at the clicked position (1 = after White's first move)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["White", "Black"])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().hide()  # the numbered rows say it (1. e4 e5); the room goes to the moves
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)  # more moves fit in a small window
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys belong to the window
        self.cellClicked.connect(self._clicked)
        self._sans: list[str] = []
        self._first_black = False
        self._marked = 0  # the ply count of the position shown (0: the start)

    def set_moves(self, sans: Sequence[str], *, black_first: bool = False, current: int | None = None,
                  result: str = "") -> None:
        """Show the moves, then the ``result`` if the game has one; ``current`` is the ply count shown."""
        self._sans = list(sans)
        self._first_black = black_first
        cells = ([""] if black_first else []) + self._sans + ([result] if result else [])
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
        self._marked = ply
        if ply > 0:
            row, column = self._cell_of(ply)
            item = self.item(row, column)
            if item is not None:
                item.setSelected(True)
        self.scroll_to_marked()

    def scroll_to_marked(self) -> None:
        """Bring the marked move into sight. The scroll range follows new rows only once the view has
        laid them out, and a hidden list has no height yet: scrolling at once was clamped to the old
        range (the newest row half cut off) or to nothing (an opened game stayed at move 1)."""
        self.updateGeometries()
        if self._marked <= 0:
            self.scrollToTop()
            return
        row, column = self._cell_of(self._marked)
        item = self.item(row, column)
        if item is not None:
            self.scrollToItem(item)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.scroll_to_marked()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.scroll_to_marked()

    def _clicked(self, row: int, column: int) -> None:
        ply = row * 2 + column + 1 - (1 if self._first_black else 0)
        if 1 <= ply <= len(self._sans):
            self.ply_clicked.emit(ply)


class ProbabilityBar(QWidget):
    """A thin horizontal bar, as long as the probability, in the arrows' colour."""

    def __init__(self, parent: QWidget | None = None, color: str = PREDICTION_COLOR) -> None:
        super().__init__(parent)
        self.value = 0.0
        self.color = color
        self.setMinimumWidth(24)
        self.setFixedHeight(8)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_value(self, value: float) -> None:
        value = min(1.0, max(0.0, value))
        if value != self.value:
            self.value = value
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self.value <= 0:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self.color))
        width = max(2.0, self.width() * self.value)
        painter.drawRoundedRect(QRectF(0, 0, width, self.height()), 2, 2)
        painter.end()


class PredictionPanel(QWidget):
    """The side to move's five most likely moves with percentages, and where they come from."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ElidedLabel()  # a long name must not push the move list down
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.sans = [plain_label() for _ in range(TOP_ROWS)]
        self.percents = [plain_label() for _ in range(TOP_ROWS)]
        self.bars = [ProbabilityBar() for _ in range(TOP_ROWS)]
        bold = QFont(self.sans[0].font())
        bold.setBold(True)
        self.sans[0].setFont(bold)
        self.percents[0].setFont(bold)
        self.status = plain_label()
        self.status.setWordWrap(True)
        small = QFont(self.status.font())
        small.setPointSizeF(small.pointSizeF() * 0.92)
        self.status.setFont(small)
        # Secondary, but legible: two thirds of the way from the background to the text colour
        # (palette(mid) was about 2:1 contrast on the window background).
        palette = self.status.palette()
        text, window = palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)
        palette.setColor(QPalette.ColorRole.WindowText, QColor(
            *(round(t * 0.72 + w * 0.28) for t, w in zip(text.getRgb()[:3], window.getRgb()[:3]))))
        self.status.setPalette(palette)
        # Each player's rating for the prior and where it came from: a line each, said where there is
        # room (the model's words and the move list come first in a small window; the tooltip has all).
        self.ratings = YieldingLines(self.status)
        self.ratings.setPalette(palette)
        rows = QGridLayout()
        rows.setContentsMargins(8, 0, 4, 0)
        rows.setHorizontalSpacing(10)
        rows.setVerticalSpacing(1)
        digits = self.percents[0].fontMetrics().horizontalAdvance("100%") + 2
        for index, (san, percent, bar) in enumerate(zip(self.sans, self.percents, self.bars)):
            percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            percent.setMinimumWidth(digits)
            rows.addWidget(san, index, 0)
            rows.addWidget(percent, index, 1)
            rows.addWidget(bar, index, 2)
        # The rest of the probability, so the rows visibly add up to 100%.
        self.others_san, self.others_percent, self.others_bar = plain_label(), plain_label(), ProbabilityBar(color=OTHERS_COLOR)
        self.others_percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for column, widget in enumerate((self.others_san, self.others_percent, self.others_bar)):
            rows.addWidget(widget, TOP_ROWS, column)
        rows.setColumnMinimumWidth(0, self.sans[0].fontMetrics().horizontalAdvance("Qxf7+") + 4)
        rows.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.title)
        layout.addLayout(rows)
        layout.addWidget(self.status)
        layout.addWidget(self.ratings)

    def show_message(self, title: str, text: str) -> None:
        """No predictions to show, and why."""
        self.title.setText(title)
        for san, percent, bar in zip(self.sans, self.percents, self.bars):
            san.setText("")
            percent.setText("")
            bar.set_value(0.0)
        self._show_others(0.0)
        self.status.setText(text)
        self.ratings.setText("")

    def _show_others(self, rest: float) -> None:
        """The "others" row: what the moves not listed share (hidden when that rounds to nothing)."""
        shown = rest >= 0.005
        self.others_san.setText("others" if shown else "")
        self.others_percent.setText(percent_label(rest) if shown else "")
        self.others_bar.set_value(rest if shown else 0.0)

    def others_text(self) -> str:
        """The "others" row as shown, ``"others  5%"`` ("" when hidden)."""
        return f"{self.others_san.text()}  {self.others_percent.text()}" if self.others_san.text() else ""

    def show_predictions(self, name: str, predictions: Sequence[Prediction], description: str,
                         *, note: str = "", ratings: str = "") -> None:
        self.title.setText(f"Likely moves for {name}")
        for index, (san, percent, bar) in enumerate(zip(self.sans, self.percents, self.bars)):
            if index < len(predictions):
                p = predictions[index]
                san.setText(p.san)
                percent.setText(percent_label(p.probability))
                bar.set_value(p.probability)
            else:
                san.setText("—" if index == 0 and not predictions else "")
                percent.setText("")
                bar.set_value(0.0)
        listed = sum(p.probability for p in predictions[:TOP_ROWS])
        self._show_others(max(0.0, 1.0 - listed) if predictions else 0.0)
        self.status.setText(description + (f"\n{note}" if note else ""))
        self.ratings.setText(ratings)

    def texts(self) -> list[str]:
        """The rows as shown, ``"e4  50%"``."""
        return [f"{san.text()}  {percent.text()}" for san, percent in zip(self.sans, self.percents)
                if san.text() and san.text() != "—"]


class YieldingLines(ElidedLabel):
    """Lines of secondary text that give way when the panel is short: the layout may squash them to
    nothing, and only the lines that fit whole are drawn (each elided to the width)."""

    def __init__(self, label: QLabel | None = None) -> None:
        super().__init__(label)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(20, 0)

    def sizeHint(self) -> QSize:  # noqa: N802
        lines = len(self.text().split("\n")) if self.text() else 0
        return QSize(20, lines * self.fontMetrics().lineSpacing())

    def shown_lines(self) -> list[str]:
        fitting = self.contentsRect().height() // max(1, self.fontMetrics().lineSpacing())
        return super().shown_lines()[:fitting] if self.text() else []


def player_label() -> QLabel:
    label = plain_label()
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    label.setFont(font)
    return label
