"""The board widget: squares and pixels, no chess rules.

The host gives it pieces, the legal destinations of each movable piece, highlights and overlay
shapes; it emits ``move_attempted(from, to)`` when the user clicks or drags a piece somewhere legal.
Selection and drag state live in ``MoveInputController`` so they can be tested without a widget.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import chess
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from kibitz.gui.geometry import BoardGeometry, Square
from kibitz.gui.overlay import Shape, paint_shapes
from kibitz.gui.pieces import PieceRenderers

LIGHT = QColor("#f0d9b5")
DARK = QColor("#b58863")
LAST_MOVE = QColor(155, 199, 0, 105)
SELECTED = QColor(20, 85, 30, 128)
DESTINATION = QColor(20, 85, 30, 110)
CHECK = QColor(230, 30, 30, 170)
DRAG_THRESHOLD = 4.0

Move = tuple[Square, Square]


@dataclass
class MoveInputController:
    """Click-click and drag-and-drop, as plain state: feed it presses, moves and releases.

    ``destinations`` maps each movable square to its legal targets. ``press``/``release``
    return a (from, to) pair when the gesture completes a move.

    >>> c = MoveInputController({chess.E2: {chess.E3, chess.E4}})
    >>> c.press(chess.E2, (0, 0)), c.release(chess.E2, (0, 0)), c.selected == chess.E2
    (None, None, True)
    >>> c.press(chess.E4, (0, 0))
    (12, 28)
    """

    destinations: Mapping[Square, Collection[Square]] = field(default_factory=dict)
    selected: Square | None = None
    dragging: bool = False
    drag_pos: tuple[float, float] | None = None
    _press_pos: tuple[float, float] | None = None
    pressed: Square | None = None  # square the button went down on

    def reset(self, destinations: Mapping[Square, Collection[Square]] | None = None) -> None:
        if destinations is not None:
            self.destinations = destinations
        self.selected = None
        self._end_drag()

    def targets(self) -> Collection[Square]:
        return self.destinations.get(self.selected, ()) if self.selected is not None else ()

    def press(self, square: Square | None, pos: tuple[float, float]) -> Move | None:
        if self.selected is not None and square is not None and square in self.targets():
            move = (self.selected, square)
            self.reset()
            return move
        if square is not None and square in self.destinations:
            self.selected = square
            self.pressed = square
            self._press_pos = pos
            return None
        self.reset()
        return None

    def move(self, pos: tuple[float, float]) -> bool:
        """Pointer moved with the button held; True when the view should repaint."""
        if self.pressed is None or self._press_pos is None:
            return False
        if not self.dragging:
            dx, dy = pos[0] - self._press_pos[0], pos[1] - self._press_pos[1]
            if dx * dx + dy * dy < DRAG_THRESHOLD * DRAG_THRESHOLD:
                return False
            self.dragging = True
        self.drag_pos = pos
        return True

    def release(self, square: Square | None, pos: tuple[float, float]) -> Move | None:
        origin, was_dragging = self.pressed, self.dragging
        self._end_drag()
        if origin is None or not was_dragging:
            return None  # a click: the piece stays selected for click-click
        if square is not None and square != origin and square in self.destinations.get(origin, ()):
            self.reset()
            return (origin, square)
        if square != origin:
            self.selected = None  # dropped off the board or on an illegal square
        return None

    def _end_drag(self) -> None:
        self.dragging = False
        self.drag_pos = None
        self._press_pos = None
        self.pressed = None


class BoardView(QWidget):
    """A square board that scales with the widget and stays centred."""

    move_attempted = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setMouseTracking(False)
        self._renderers = PieceRenderers()
        self._pieces: dict[Square, chess.Piece] = {}
        self._last_move: Move | None = None
        self._check: Square | None = None
        self._shapes: list[Shape] = []
        self._flipped = False
        self._coordinates = True
        self.controller = MoveInputController()
        self.paint_count = 0

    # -- what the host sets -------------------------------------------------------------------
    def set_position(
        self,
        pieces: Mapping[Square, chess.Piece],
        destinations: Mapping[Square, Collection[Square]] | None = None,
        *,
        last_move: Move | None = None,
        check: Square | None = None,
    ) -> None:
        """Show a position; ``destinations`` (movable squares -> targets) enables input."""
        self._pieces = dict(pieces)
        self._last_move = last_move
        self._check = check
        self.controller.reset({k: frozenset(v) for k, v in (destinations or {}).items() if v})
        self.update()

    def set_shapes(self, shapes: Sequence[Shape]) -> None:
        """Replace the overlay wholesale."""
        new = list(shapes)
        if new != self._shapes:
            self._shapes = new
            self.update()

    def shapes(self) -> list[Shape]:
        return list(self._shapes)

    def set_flipped(self, flipped: bool) -> None:
        if flipped != self._flipped:
            self._flipped = flipped
            self.update()

    def is_flipped(self) -> bool:
        return self._flipped

    def pieces(self) -> dict[Square, chess.Piece]:
        return dict(self._pieces)

    def geometry_now(self) -> BoardGeometry:
        return BoardGeometry.fit(self.width(), self.height(), flipped=self._flipped, margin=2)

    def square_center(self, square: Square) -> QPointF:
        """Widget coordinates of a square's centre (for tests and tools)."""
        return self.geometry_now().square_center(square)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(560, 560)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return False

    # -- input ----------------------------------------------------------------------------------
    def _square_at(self, pos: QPointF) -> Square | None:
        return self.geometry_now().square_at(pos.x(), pos.y())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            self.controller.reset()
            self.update()
            return
        pos = event.position()
        move = self.controller.press(self._square_at(pos), (pos.x(), pos.y()))
        self.update()
        if move is not None:
            self.move_attempted.emit(*move)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self.controller.move((pos.x(), pos.y())):
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        move = self.controller.release(self._square_at(pos), (pos.x(), pos.y()))
        self.update()
        if move is not None:
            self.move_attempted.emit(*move)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.update()

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        geometry = self.geometry_now()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_squares(painter, geometry)
        self._paint_pieces(painter, geometry)
        self._paint_destinations(painter, geometry)
        if self._shapes:
            paint_shapes(painter, self._shapes, geometry)
        self._paint_drag(painter, geometry)
        painter.end()
        self.paint_count += 1

    def _paint_squares(self, painter: QPainter, g: BoardGeometry) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(8, int(g.square_size * 0.17)))
        font.setBold(True)
        painter.setFont(font)
        highlighted = set(self._last_move or ())
        for square in chess.SQUARES:
            rect = g.square_rect(square)
            light = (chess.square_file(square) + chess.square_rank(square)) % 2 == 1
            painter.fillRect(rect, LIGHT if light else DARK)
            if square in highlighted:
                painter.fillRect(rect, LAST_MOVE)
            if square == self.controller.selected:
                painter.fillRect(rect, SELECTED)
            if self._coordinates:
                col, row = g.cell(square)
                painter.setPen(DARK if light else LIGHT)
                pad = g.square_size * 0.05
                inner = rect.adjusted(pad, pad * 0.5, -pad, -pad * 0.5)
                if row == 7:
                    painter.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                                     chess.FILE_NAMES[chess.square_file(square)])
                if col == 0:
                    painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                                     chess.RANK_NAMES[chess.square_rank(square)])
            if square == self._check:
                painter.save()
                painter.setPen(Qt.PenStyle.NoPen)
                center = rect.center()
                painter.setBrush(CHECK)
                painter.drawEllipse(center, g.square_size * 0.48, g.square_size * 0.48)
                painter.restore()

    def _paint_pieces(self, painter: QPainter, g: BoardGeometry) -> None:
        dragged = self.controller.pressed if self.controller.dragging else None
        for square, piece in self._pieces.items():
            if square != dragged:
                self._renderers.paint(painter, piece, g.square_rect(square))

    def _paint_destinations(self, painter: QPainter, g: BoardGeometry) -> None:
        painter.save()
        for target in self.controller.targets():
            rect = g.square_rect(target)
            if target in self._pieces:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(DESTINATION, g.square_size * 0.08))
                r = g.square_size * 0.45
                painter.drawEllipse(rect.center(), r, r)
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(DESTINATION)
                r = g.square_size * 0.15
                painter.drawEllipse(rect.center(), r, r)
        painter.restore()

    def _paint_drag(self, painter: QPainter, g: BoardGeometry) -> None:
        c = self.controller
        if not c.dragging or c.drag_pos is None or c.pressed is None:
            return
        piece = self._pieces.get(c.pressed)
        if piece is None:
            return
        s = g.square_size
        x, y = c.drag_pos
        self._renderers.paint(painter, piece, QRectF(x - s / 2, y - s / 2, s, s))
