"""The prediction overlay as plain data: shapes computed from predictions, drawn by a renderer.

``compute_shapes`` is pure: it turns a ranked list of (move, probability) into at most three
``Shape`` arrows. The board replaces its shapes wholesale after every move and ``paint_shapes``
draws them; nothing here knows about predictors or the game.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import chess
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF

from kibitz.gui.geometry import BoardGeometry, Square

MAX_ARROWS = 3
TOP_OPACITY = 0.85
MIN_OPACITY = 0.6  # the most likely arrow is never fainter than this
SECONDARY_MIN_OPACITY = 0.45
MIN_ARROW_PROBABILITY = 0.02  # arrows after the first one below this are noise, not information
# Arrow geometry, as fractions of a square: the tail starts at the edge of the moving piece (so it
# never covers it), the tip stops just short of the destination's centre, or well short of it
# when several arrows meet there.
TAIL = 0.36
TIP = 0.06
TIP_SHORTENED = 0.32
MIN_SHAFT = 0.45  # an arrow is never shorter than this, even between neighbouring squares
LABEL_MIN_PIXELS = 10  # % labels stay readable on a small board
SMALL_BOARD_SQUARE = 34  # px; below this only the top arrow gets its % label


@dataclass(frozen=True)
class Brush:
    """A named arrow style: colour, opacity (0..1) and width as a fraction of a square."""

    name: str
    color: str
    opacity: float
    width: float


@dataclass(frozen=True)
class Shape:
    """One arrow from ``orig`` to ``dest``; ``shortened`` when several arrows meet at ``dest``."""

    orig: Square
    dest: Square
    brush: Brush
    label: str = ""
    shortened: bool = False


PREDICTION_COLOR = "#15781b"


def brush_for(rank: int, probability: float) -> Brush:
    """Width and opacity grow with probability; the top arrow is never fainter than 0.6.

    >>> brush_for(0, 0.05).opacity >= 0.6
    True
    """
    p = min(1.0, max(0.0, probability))
    if rank == 0:
        opacity = max(MIN_OPACITY, TOP_OPACITY * (0.75 + 0.25 * p))
    else:
        opacity = max(SECONDARY_MIN_OPACITY, 0.35 + 0.45 * math.sqrt(p))
    width = 0.06 + 0.16 * math.sqrt(p)
    return Brush(f"predicted{rank + 1}", PREDICTION_COLOR, round(opacity, 3), round(width, 3))


def percent_label(probability: float) -> str:
    """``0.347`` -> ``"35%"``; tiny values show as ``"<1%"``."""
    value = probability * 100
    return "<1%" if 0 < value < 0.5 else f"{value:.0f}%"


def compute_shapes(predictions: Iterable[tuple[chess.Move, float]], *, limit: int = MAX_ARROWS,
                   min_probability: float = MIN_ARROW_PROBABILITY) -> list[Shape]:
    """Arrows for the most likely moves: one per from-to pair, at most ``limit``.

    Promotions to different pieces share one arrow (their probabilities add up). The most likely
    move always gets an arrow; the others only from ``min_probability`` on, so a confident
    prediction is not drawn with a fan of "<1%" arrows beside it.

    >>> shapes = compute_shapes([(chess.Move.from_uci("e2e4"), 0.5), (chess.Move.from_uci("d2d4"), 0.3),
    ...                          (chess.Move.from_uci("a2a3"), 0.001)])
    >>> [(chess.square_name(s.orig), chess.square_name(s.dest), s.label) for s in shapes]
    [('e2', 'e4', '50%'), ('d2', 'd4', '30%')]
    """
    merged: dict[tuple[Square, Square], float] = {}
    for move, probability in predictions:
        key = (move.from_square, move.to_square)
        merged[key] = merged.get(key, 0.0) + float(probability)
    ranked = sorted(merged.items(), key=lambda item: -item[1])[:limit]
    ranked = [item for rank, item in enumerate(ranked) if rank == 0 or item[1] >= min_probability]
    arrivals = Counter(dest for (_, dest), _ in ranked)
    return [
        Shape(orig, dest, brush_for(rank, p), percent_label(p), shortened=arrivals[dest] > 1)
        for rank, ((orig, dest), p) in enumerate(ranked)
    ]


def _arrow_polygon(start: QPointF, end: QPointF, width: float, head: float, head_width: float) -> QPolygonF:
    dx, dy = end.x() - start.x(), end.y() - start.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    nx, ny = -uy, ux
    base = QPointF(end.x() - ux * head, end.y() - uy * head)
    half, head_half = width / 2, head_width / 2
    return QPolygonF([
        QPointF(start.x() + nx * half, start.y() + ny * half),
        QPointF(base.x() + nx * half, base.y() + ny * half),
        QPointF(base.x() + nx * head_half, base.y() + ny * head_half),
        end,
        QPointF(base.x() - nx * head_half, base.y() - ny * head_half),
        QPointF(base.x() - nx * half, base.y() - ny * half),
        QPointF(start.x() - nx * half, start.y() - ny * half),
    ])


def arrow_endpoints(shape: Shape, geometry: BoardGeometry) -> tuple[QPointF, QPointF]:
    """Start at the edge of the moving piece (its tail never covers it) and stop just short of the
    destination's centre; well short when several arrows converge there. Arrows between
    neighbouring squares give up some of both margins so they stay visible."""
    a, b = geometry.square_center(shape.orig), geometry.square_center(shape.dest)
    dx, dy = b.x() - a.x(), b.y() - a.y()
    distance = math.hypot(dx, dy) or 1.0
    ux, uy = dx / distance, dy / distance
    s = geometry.square_size
    tail = TAIL * s
    tip = (TIP_SHORTENED if shape.shortened else TIP) * s
    spare = distance - tail - tip - MIN_SHAFT * s
    if spare < 0:  # take it from the tip first (down to TIP), then from the tail
        from_tip = min(-spare, max(0.0, tip - TIP * s))
        tip -= from_tip
        tail = max(0.15 * s, tail - (-spare - from_tip))
    return QPointF(a.x() + ux * tail, a.y() + uy * tail), QPointF(b.x() - ux * tip, b.y() - uy * tip)


def arrow_head(width: float, length: float, square: float) -> tuple[float, float]:
    """(length, width) of the head: wide enough to read, never more than half of a short arrow."""
    head = min(max(width * 2.0, 0.28 * square), 0.5 * length)
    return head, max(width * 2.0, head * 1.3)


def _label_box(center: QPointF, w: float, h: float, board: QRectF) -> QRectF:
    """A ``w`` x ``h`` box centred on ``center``, moved inside ``board``."""
    x = min(max(center.x() - w / 2, board.left()), board.right() - w)
    y = min(max(center.y() - h / 2, board.top()), board.bottom() - h)
    return QRectF(x, y, w, h)


def label_boxes(shapes: Sequence[Shape], geometry: BoardGeometry, sizes: Sequence[tuple[float, float]],
                ) -> list[QRectF]:
    """Where each shape's label goes: just past its arrow's tip (it marks the destination and hides
    neither the arrow nor the moving piece); if that box is taken by a more likely arrow's label,
    on the middle of the shaft, else beside the tip."""
    s = geometry.square_size
    board = geometry.rect
    placed: list[QRectF] = []
    for shape, (w, h) in zip(shapes, sizes):
        start, end = arrow_endpoints(shape, geometry)
        dx, dy = end.x() - start.x(), end.y() - start.y()
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        along = (abs(ux) * w + abs(uy) * h) / 2 + 0.04 * s  # half the box's extent along the arrow
        across = (abs(uy) * w + abs(ux) * h) / 2 + 0.04 * s
        mid = QPointF((start.x() + end.x()) / 2, (start.y() + end.y()) / 2)
        candidates = [
            QPointF(end.x() + ux * along, end.y() + uy * along),
            mid,
            QPointF(end.x() - uy * across, end.y() + ux * across),
            QPointF(end.x() + uy * across, end.y() - ux * across),
        ]
        boxes = [_label_box(c, w, h, board) for c in candidates]
        dest = geometry.square_rect(shape.dest)
        if w <= dest.width() and h <= dest.height():  # past the tip: keep it in the destination square
            boxes[0] = _label_box(candidates[0], w, h, dest)
        box = next((b for b in boxes if not any(b.intersects(other) for other in placed)), boxes[0])
        placed.append(box)
    return placed


def label_font(base: QFont, square_size: float) -> QFont:
    font = QFont(base)
    font.setPixelSize(max(LABEL_MIN_PIXELS, int(square_size * 0.22)))
    font.setBold(True)
    return font


def _paint_ring(painter: QPainter, shape: Shape, geometry: BoardGeometry) -> None:
    color = QColor(shape.brush.color)
    color.setAlphaF(shape.brush.opacity)
    painter.save()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(color, geometry.square_size * shape.brush.width))
    radius = geometry.square_size * (0.5 - shape.brush.width / 2)
    painter.drawEllipse(geometry.square_rect(shape.orig).center(), radius, radius)
    painter.restore()


def paint_shapes(painter: QPainter, shapes: Sequence[Shape], geometry: BoardGeometry) -> None:
    """Draw the arrows, then their labels on top so no arrow hides a percentage."""
    s = geometry.square_size
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    for shape in reversed(shapes):  # the most likely arrow is painted last, on top
        if shape.orig == shape.dest:  # a square, not a move (a hint's piece): a ring around it
            _paint_ring(painter, shape, geometry)
            continue
        start, end = arrow_endpoints(shape, geometry)
        width = shape.brush.width * s
        length = math.hypot(end.x() - start.x(), end.y() - start.y())
        head, head_width = arrow_head(width, length, s)
        color = QColor(shape.brush.color)
        color.setAlphaF(shape.brush.opacity)
        painter.setBrush(color)
        painter.drawPolygon(_arrow_polygon(start, end, width, head, head_width))
    # On a small board only the most likely arrow is labelled (the panel lists them all).
    labelled = [shape for rank, shape in enumerate(shapes)
                if shape.label and shape.orig != shape.dest and (rank == 0 or s >= SMALL_BOARD_SQUARE)]
    if labelled:
        painter.setFont(label_font(painter.font(), s))
        metrics = painter.fontMetrics()
        sizes = [(metrics.horizontalAdvance(shape.label) + 8.0, float(metrics.height() + 2)) for shape in labelled]
        boxes = label_boxes(labelled, geometry, sizes)
        outline = QPen(QColor(255, 255, 255, 220), 1.0)
        for shape, box in reversed(list(zip(labelled, boxes))):  # the top label ends on top
            background = QColor(shape.brush.color)
            background.setAlphaF(0.95)
            path = QPainterPath()
            path.addRoundedRect(box, 3, 3)
            painter.fillPath(path, background)
            painter.setPen(outline)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            painter.setPen(QPen(QColor("white")))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, shape.label)
    painter.restore()
