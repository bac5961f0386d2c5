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
MIN_OPACITY = 0.6


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
        opacity = 0.35 + 0.45 * math.sqrt(p)
    width = 0.06 + 0.16 * math.sqrt(p)
    return Brush(f"predicted{rank + 1}", PREDICTION_COLOR, round(opacity, 3), round(width, 3))


def percent_label(probability: float) -> str:
    """``0.347`` -> ``"35%"``; tiny values show as ``"<1%"``."""
    value = probability * 100
    return "<1%" if 0 < value < 0.5 else f"{value:.0f}%"


def compute_shapes(predictions: Iterable[tuple[chess.Move, float]], *, limit: int = MAX_ARROWS) -> list[Shape]:
    """Arrows for the most likely moves: one per from-to pair, at most ``limit``.

    Promotions to different pieces share one arrow (their probabilities add up).

    >>> shapes = compute_shapes([(chess.Move.from_uci("e2e4"), 0.5), (chess.Move.from_uci("d2d4"), 0.3)])
    >>> [(chess.square_name(s.orig), chess.square_name(s.dest), s.label) for s in shapes]
    [('e2', 'e4', '50%'), ('d2', 'd4', '30%')]
    """
    merged: dict[tuple[Square, Square], float] = {}
    for move, probability in predictions:
        key = (move.from_square, move.to_square)
        merged[key] = merged.get(key, 0.0) + float(probability)
    ranked = sorted(merged.items(), key=lambda item: -item[1])[:limit]
    arrivals = Counter(dest for (_, dest), _ in ranked)
    return [
        Shape(orig, dest, brush_for(rank, p), percent_label(p), shortened=arrivals[dest] > 1)
        for rank, ((orig, dest), p) in enumerate(ranked)
    ]


def _arrow_polygon(start: QPointF, end: QPointF, width: float, head: float) -> QPolygonF:
    dx, dy = end.x() - start.x(), end.y() - start.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    nx, ny = -uy, ux
    base = QPointF(end.x() - ux * head, end.y() - uy * head)
    half, head_half = width / 2, head * 0.75
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
    """Start just off the moving piece's centre (so its tail does not hide it) and stop short of
    the destination centre; further short when several arrows converge there."""
    a, b = geometry.square_center(shape.orig), geometry.square_center(shape.dest)
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    s = geometry.square_size
    tail = 0.28 * s
    tip = (0.38 if shape.shortened else 0.12) * s
    return QPointF(a.x() + ux * tail, a.y() + uy * tail), QPointF(b.x() - ux * tip, b.y() - uy * tip)


def paint_shapes(painter: QPainter, shapes: Sequence[Shape], geometry: BoardGeometry) -> None:
    """Draw the arrows, then their labels on top so no arrow hides a percentage."""
    s = geometry.square_size
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    labels: list[tuple[QPointF, Shape]] = []
    for shape in reversed(shapes):  # the most likely arrow is painted last, on top
        start, end = arrow_endpoints(shape, geometry)
        width = shape.brush.width * s
        color = QColor(shape.brush.color)
        color.setAlphaF(shape.brush.opacity)
        painter.setBrush(color)
        painter.drawPolygon(_arrow_polygon(start, end, width, max(width * 2.2, 0.3 * s)))
        if shape.label:
            labels.append((QPointF((start.x() + 2 * end.x()) / 3, (start.y() + 2 * end.y()) / 3), shape))
    font = QFont(painter.font())
    font.setPixelSize(max(8, int(s * 0.2)))
    font.setBold(True)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    for center, shape in labels:
        text_w, text_h = metrics.horizontalAdvance(shape.label) + 6, metrics.height()
        box = QRectF(center.x() - text_w / 2, center.y() - text_h / 2, text_w, text_h)
        background = QColor(shape.brush.color)
        background.setAlphaF(0.92)
        path = QPainterPath()
        path.addRoundedRect(box, 3, 3)
        painter.fillPath(path, background)
        painter.setPen(QPen(QColor("white")))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, shape.label)
        painter.setPen(Qt.PenStyle.NoPen)
    painter.restore()
