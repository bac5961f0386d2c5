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
HEAD_MIN = 0.28  # an arrow head is at least this long, so it reads on a small board
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

    Promotions to different pieces share one arrow, which shows the most likely piece's probability
    (the panel's number for that move; ``"=N 40%"`` when that piece is not a queen). The most likely
    move always gets an arrow; the others only from ``min_probability`` on, so a confident
    prediction is not drawn with a fan of "<1%" arrows beside it.

    >>> shapes = compute_shapes([(chess.Move.from_uci("e2e4"), 0.5), (chess.Move.from_uci("d2d4"), 0.3),
    ...                          (chess.Move.from_uci("a2a3"), 0.001)])
    >>> [(chess.square_name(s.orig), chess.square_name(s.dest), s.label) for s in shapes]
    [('e2', 'e4', '50%'), ('d2', 'd4', '30%')]
    """
    best: dict[tuple[Square, Square], tuple[float, chess.Move]] = {}
    for move, probability in predictions:
        key = (move.from_square, move.to_square)
        if key not in best or float(probability) > best[key][0]:
            best[key] = (float(probability), move)
    ranked = sorted(best.items(), key=lambda item: -item[1][0])[:limit]
    ranked = [item for rank, item in enumerate(ranked) if rank == 0 or item[1][0] >= min_probability]
    arrivals = Counter(dest for (_, dest), _ in ranked)
    return [
        Shape(orig, dest, brush_for(rank, p), move_label(move, p), shortened=arrivals[dest] > 1)
        for rank, ((orig, dest), (p, move)) in enumerate(ranked)
    ]


def move_label(move: chess.Move, probability: float) -> str:
    """An arrow's label: the percentage, with the piece of an underpromotion (``"=N 3%"``)."""
    piece = f"={chess.piece_symbol(move.promotion).upper()} " if move.promotion not in (None, chess.QUEEN) else ""
    return piece + percent_label(probability)


def lane_offsets(shapes: Sequence[Shape]) -> list[float]:
    """Sideways shifts (fractions of a square, along each arrow's left normal) that lay arrows sharing
    a stretch of one line side by side instead of on top of each other: a queen's two moves along a
    file, or a move played and the model's choice between the same two squares (an underpromotion).

    >>> a, b = (Shape(chess.D1, dest, Brush("x", "#000", 1.0, 0.1)) for dest in (chess.D3, chess.D6))
    >>> lane_offsets([a, b])
    [-0.192, 0.192]
    """
    def points(shape: Shape) -> tuple[tuple[int, int], tuple[int, int]]:
        return ((chess.square_file(shape.orig), chess.square_rank(shape.orig)),
                (chess.square_file(shape.dest), chess.square_rank(shape.dest)))

    def share_a_stretch(a: Shape, b: Shape) -> bool:
        (ax, ay), (bx, by) = points(a)
        (cx, cy), (dx, dy) = points(b)
        ux, uy = bx - ax, by - ay
        if ux * (cy - ay) - uy * (cx - ax) or ux * (dy - ay) - uy * (dx - ax):
            return False  # not on one line
        t = sorted(((cx - ax) * ux + (cy - ay) * uy, (dx - ax) * ux + (dy - ay) * uy))
        return max(0, t[0]) < min(ux * ux + uy * uy, t[1])  # the stretches overlap, more than in a point

    group = list(range(len(shapes)))  # union-find over the shapes sharing a stretch

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            if share_a_stretch(shapes[i], shapes[j]):
                group[root(j)] = root(i)
    offsets = [0.0] * len(shapes)
    for leader in set(map(root, range(len(shapes)))):
        members = [i for i in range(len(shapes)) if root(i) == leader]
        if len(members) < 2:
            continue
        lane = max(head_width_of(shapes[i].brush.width) for i in members) + 0.02  # heads side by side too
        (ax, ay), (bx, by) = points(shapes[leader])
        for place, i in enumerate(members):
            (cx, cy), (dx, dy) = points(shapes[i])
            same_way = (dx - cx) * (bx - ax) + (dy - cy) * (by - ay) > 0  # else its left is the leader's right
            shift = (place - (len(members) - 1) / 2) * lane
            offsets[i] = round(shift if same_way else -shift, 4)
    return offsets


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


def arrow_endpoints(shape: Shape, geometry: BoardGeometry, offset: float = 0.0) -> tuple[QPointF, QPointF]:
    """Start at the edge of the moving piece (its tail never covers it) and stop just short of the
    destination's centre; well short when several arrows converge there. Arrows between
    neighbouring squares give up some of both margins so they stay visible. ``offset`` (fractions
    of a square, see :func:`lane_offsets`) moves the arrow sideways into its lane."""
    a, b = geometry.square_center(shape.orig), geometry.square_center(shape.dest)
    dx, dy = b.x() - a.x(), b.y() - a.y()
    distance = math.hypot(dx, dy) or 1.0
    ux, uy = dx / distance, dy / distance
    s = geometry.square_size
    if offset:
        a = QPointF(a.x() - uy * offset * s, a.y() + ux * offset * s)
        b = QPointF(b.x() - uy * offset * s, b.y() + ux * offset * s)
    tail = TAIL * s
    tip = (TIP_SHORTENED if shape.shortened else TIP) * s
    spare = distance - tail - tip - MIN_SHAFT * s
    if spare < 0:  # take it from the tip first (down to TIP), then from the tail
        from_tip = min(-spare, max(0.0, tip - TIP * s))
        tip -= from_tip
        tail = max(0.15 * s, tail - (-spare - from_tip))
    return QPointF(a.x() + ux * tail, a.y() + uy * tail), QPointF(b.x() - ux * tip, b.y() - uy * tip)


def head_width_of(width: float) -> float:
    """The widest an arrow head of shaft ``width`` gets (both in fractions of a square; see :func:`arrow_head`)."""
    return max(width * 2.0, HEAD_MIN * 1.3)


def arrow_head(width: float, length: float, square: float) -> tuple[float, float]:
    """(length, width) of the head: wide enough to read, never more than half of a short arrow."""
    head = min(max(width * 2.0, HEAD_MIN * square), 0.5 * length)
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
    for shape, (w, h), offset in zip(shapes, sizes, lane_offsets(shapes)):
        start, end = arrow_endpoints(shape, geometry, offset)
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


def arrow_polygons(shapes: Sequence[Shape], geometry: BoardGeometry) -> list[QPolygonF]:
    """Each arrow's outline as painted, in its lane."""
    s = geometry.square_size
    polygons = []
    for shape, offset in zip(shapes, lane_offsets(shapes)):
        start, end = arrow_endpoints(shape, geometry, offset)
        width = shape.brush.width * s
        length = math.hypot(end.x() - start.x(), end.y() - start.y())
        head, head_width = arrow_head(width, length, s)
        polygons.append(_arrow_polygon(start, end, width, head, head_width))
    return polygons


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
    for shape, polygon in reversed(list(zip(shapes, arrow_polygons(shapes, geometry)))):  # the top one last
        if shape.orig == shape.dest:  # a square, not a move (a hint's piece): a ring around it
            _paint_ring(painter, shape, geometry)
            continue
        color = QColor(shape.brush.color)
        color.setAlphaF(shape.brush.opacity)
        painter.setBrush(color)
        painter.drawPolygon(polygon)
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
