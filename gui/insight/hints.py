"""Hints for a learner, from the engine: first the piece to move (a ring on its square), asked
again the move itself (an arrow). The search runs in the engine's thread; a new position drops the
hint and cancels a search still running for the old one, so a hint never holds up a move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import chess
from PySide6.QtCore import QObject, Signal

from kibitz.engine.analysis import REVIEW_LIMIT
from kibitz.gui.engine_service import EngineJob, EngineService
from kibitz.gui.overlay import Brush, Shape

HINT = Brush("hint", "#CC79A7", 0.85, 0.12)
PIECE_NAMES = {chess.PAWN: "pawn", chess.KNIGHT: "knight", chess.BISHOP: "bishop", chess.ROOK: "rook",
               chess.QUEEN: "queen", chess.KING: "king"}


class HintController(QObject):
    changed = Signal()  # the hint's shapes changed: repaint the overlay
    said = Signal(str)  # a line for the status bar

    def __init__(self, engine: EngineService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.position: str | None = None  # the EPD the hint is for
        self.best: chess.Move | None = None
        self.stage = 0  # 0: nothing shown, 1: the piece, 2: the move
        self.job: EngineJob | None = None
        self._board = chess.Board()

    def request(self, board: chess.Board) -> None:
        """The learner asks: the piece first, the move at the second request in the same position."""
        if not any(board.legal_moves):
            self.said.emit("No hint: the game is over.")
            return
        if board.epd() == self.position and self.best is not None:
            self.stage = 2
            self.changed.emit()
            self.said.emit(f"Hint: {self._board.san(self.best)}.")
            return
        if not self.engine.available:
            self.said.emit(self.engine.missing_text())
            return
        self.drop()
        self.position, self._board = board.epd(), board.copy()
        searched = board.copy()

        def work(engine: Any, _cancelled: Callable[[], bool], _report: Callable[[Any], None]) -> chess.Move | None:
            return engine.evaluate(searched, REVIEW_LIMIT).best

        self.job = self.engine.run("hint", work, self._found, lambda message: self.said.emit(f"No hint: {message}"))
        self.said.emit("Looking for a good move…")

    def _found(self, move: chess.Move | None) -> None:
        if move is None:
            return
        self.best, self.stage = move, 1
        piece = self._board.piece_type_at(move.from_square)
        name = PIECE_NAMES.get(piece, "piece") if piece else "piece"
        self.changed.emit()
        self.said.emit(f"Hint: move your {name} on {chess.square_name(move.from_square)}. Ask again for the move.")

    def drop(self) -> None:
        """Forget the hint (and stop its search)."""
        if self.job is not None:
            self.job.cancel()
            self.job = None
        had = self.stage
        self.position, self.best, self.stage = None, None, 0
        if had:
            self.changed.emit()

    def shapes(self, board: chess.Board) -> list[Shape]:
        """The hint's shapes for ``board``; a different position drops the hint."""
        if self.position is None:
            return []
        if board.epd() != self.position:
            self.drop()
            return []
        if self.best is None or self.stage == 0:
            return []
        if self.stage == 1:
            return [Shape(self.best.from_square, self.best.from_square, HINT)]
        return [Shape(self.best.from_square, self.best.to_square, HINT, "hint")]
