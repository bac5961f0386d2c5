"""Guess the move, as a small controller the play feature consults (no widgets of its own).

While guess mode is on, the first drag in a live position is the *watching* player's guess at the
mover's move: it is not played, it is drawn as an arrow, and only then are the model's arrows
revealed. The mover's real move then scores the guess and the model's first choice (kept in the
store, :mod:`kibitz.engine.guess`); ``scored`` carries the words for the status bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import chess
from PySide6.QtCore import QObject, Signal

from kibitz.engine.guess import Guess, forget_from, game_tally, pair_tally, record_guess
from kibitz.engine.store import Store
from kibitz.gui.overlay import Brush, Shape

GUESS_BRUSH = Brush("guess", "#7B3294", 0.85, 0.1)


@dataclass(frozen=True)
class Pending:
    game_id: int
    ply: int
    guesser_id: int | None
    guesser: str
    mover_id: int | None
    move: chess.Move
    model: chess.Move | None  # the model's first choice when the guess was made


class GuessController(QObject):
    changed = Signal()
    scored = Signal(str)  # the round and the running scores, in words

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.enabled = False
        self.pending: Pending | None = None

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self.pending = None
        self.changed.emit()

    def waiting_for_guess(self, game_id: int, ply: int) -> bool:
        """Whether the next drag at this live position is a guess (and the arrows stay hidden)."""
        return self.enabled and not (self.pending and (self.pending.game_id, self.pending.ply) == (game_id, ply))

    def guess(self, board: chess.Board, game_id: int, move: chess.Move, model: chess.Move | None,
              guesser: tuple[int | None, str], mover_id: int | None) -> bool:
        """Take ``move`` as the guess at ``board``'s next move (False: not a legal move there)."""
        if move not in board.legal_moves:
            return False
        self.pending = Pending(game_id, len(board.move_stack), guesser[0], guesser[1], mover_id, move, model)
        self.changed.emit()
        return True

    def shapes(self, game_id: int, ply: int, predicted: Sequence[Shape] = ()) -> list[Shape]:
        """``predicted`` (the model's arrows) with the pending guess drawn in; a guess on a predicted
        move takes that arrow's place and names its percentage, so neither hides the other."""
        p = self.pending
        if p is None or (p.game_id, p.ply) != (game_id, ply):
            return list(predicted)
        squares = (p.move.from_square, p.move.to_square)
        same = [s for s in predicted if (s.orig, s.dest) == squares]
        rest = [s for s in predicted if (s.orig, s.dest) != squares]
        label = f"guess · {same[0].label}" if same else "guess"
        shortened = any(s.dest == p.move.to_square for s in rest)
        return [*rest, Shape(*squares, GUESS_BRUSH, label, shortened)]

    def resolve(self, board_before: chess.Board, game_id: int, played: chess.Move) -> Guess | None:
        """The real move at ``board_before``: score the pending guess, if it was for this position."""
        p = self.pending
        ply = len(board_before.move_stack)
        if p is None or (p.game_id, p.ply) != (game_id, ply):
            return None
        self.pending = None
        result = Guess(game_id, ply, p.guesser_id, p.move.uci(), p.model.uci() if p.model else "", played.uci())
        record_guess(self.store, result)
        human, model = result.points
        verdict = {(1, 1): "both right", (1, 0): f"{p.guesser} right, the model wrong",
                   (0, 1): f"the model right, {p.guesser} wrong", (0, 0): "both wrong"}[(human, model)]
        text = (f"{board_before.san(played)} was played: {verdict}. This game: "
                f"{game_tally(self.store, game_id, p.guesser_id).text(p.guesser)}")
        if p.guesser_id is not None and p.mover_id is not None:
            text += f"; all games: {pair_tally(self.store, p.guesser_id, p.mover_id).text(p.guesser)}"
        self.scored.emit(text + ".")
        self.changed.emit()
        return result

    def taken_back(self, game_id: int, ply_count: int) -> None:
        """Moves were taken back to ``ply_count``: their guesses no longer count."""
        forget_from(self.store, game_id, ply_count)
        if self.pending is not None and self.pending.ply >= ply_count:
            self.pending = None
        self.changed.emit()
