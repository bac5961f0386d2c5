"""Squares <-> pixels for a square board centred in a widget (the board's only coordinate maths)."""

from __future__ import annotations

from dataclasses import dataclass

import chess
from PySide6.QtCore import QPointF, QRectF

Square = int


@dataclass(frozen=True)
class BoardGeometry:
    """Where the 8x8 board sits in a widget of ``width`` x ``height`` pixels.

    >>> g = BoardGeometry.fit(800, 600, flipped=False)
    >>> g.square_at(g.square_center(chess.E4).x(), g.square_center(chess.E4).y()) == chess.E4
    True
    """

    left: float
    top: float
    square_size: float
    flipped: bool = False

    @classmethod
    def fit(cls, width: float, height: float, *, flipped: bool = False, margin: float = 0.0) -> BoardGeometry:
        """The largest square board that fits, centred, leaving ``margin`` pixels around it."""
        side = max(8.0, min(width, height) - 2 * margin)
        square = float(int(side // 8))
        return cls((width - 8 * square) / 2, (height - 8 * square) / 2, square, flipped)

    @property
    def size(self) -> float:
        return 8 * self.square_size

    @property
    def rect(self) -> QRectF:
        return QRectF(self.left, self.top, self.size, self.size)

    def cell(self, square: Square) -> tuple[int, int]:
        """(column, row) on screen, row 0 at the top."""
        file, rank = chess.square_file(square), chess.square_rank(square)
        return (7 - file, rank) if self.flipped else (file, 7 - rank)

    def square_rect(self, square: Square) -> QRectF:
        col, row = self.cell(square)
        s = self.square_size
        return QRectF(self.left + col * s, self.top + row * s, s, s)

    def square_center(self, square: Square) -> QPointF:
        return self.square_rect(square).center()

    def square_at(self, x: float, y: float) -> Square | None:
        """The square under a pixel, or None off the board."""
        col = int((x - self.left) // self.square_size)
        row = int((y - self.top) // self.square_size)
        if not (0 <= col < 8 and 0 <= row < 8) or x < self.left or y < self.top:
            return None
        if self.flipped:
            return chess.square(7 - col, row)
        return chess.square(col, 7 - row)
