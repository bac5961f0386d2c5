"""Where the opponent will go wrong: the side to move's candidates ranked by the expected result
against the opponent's model, on a board of its own (:mod:`kibitz.engine.anticipation`).

Asked for, never shown unasked: a hint for a learner, a coach's view of the game on the board, or
a stored game's position from the review. The work (the opponent's model and a few dozen bounded
searches) runs in the engine's thread; asking again, or closing the window, cancels it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import chess
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from kibitz.engine.analysis import REVIEW_LIMIT
from kibitz.engine.anticipation import Anticipation, Candidate, PredictorReplies, anticipate, describe
from kibitz.engine.predictor import open_predictor
from kibitz.engine.store import Player, Store
from kibitz.gui.board_view import BoardView
from kibitz.gui.engine_service import EngineJob, EngineService
from kibitz.gui.overlay import Brush, Shape, percent_label
from kibitz.gui.workers import call_with_store

CHOSEN = Brush("candidate", "#15781b", 0.85, 0.12)
TRAP = Brush("trap", "#E69F00", 0.85, 0.12)
BAD_REPLY = Brush("bad reply", "#B00020", 0.8, 0.09)
REPLY = Brush("reply", "#56B4E9", 0.7, 0.07)
COLOUR_NAMES = {chess.WHITE: "White", chess.BLACK: "Black"}


def candidate_shapes(candidate: Candidate) -> list[Shape]:
    """The candidate's arrow (orange when it is a trap), and the opponent's likely replies to it
    (red for a bad one), labelled with the opponent's probability."""
    brush = TRAP if candidate.trap else CHOSEN
    shapes = [Shape(candidate.move.from_square, candidate.move.to_square, brush, f"{candidate.expected:.0%}")]
    for reply in candidate.replies[:3]:
        bad = reply is candidate.bad_reply
        shapes.append(Shape(reply.move.from_square, reply.move.to_square, BAD_REPLY if bad else REPLY,
                            percent_label(reply.probability)))
    return shapes


class AnticipationWindow(QWidget):
    anticipation_ready = Signal(object)  # Anticipation
    anticipation_failed = Signal(str)

    def __init__(self, store: Store, engine: EngineService, parent: QWidget | None = None, *,
                 open_store: Callable[[], Store] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.engine = engine
        self.open_store = open_store
        self.job: EngineJob | None = None
        self.board_shown = chess.Board()
        self.plan: Anticipation | None = None
        self.opponent_name = ""
        self.board = BoardView()
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.candidates = QListWidget()
        self.candidates.setWordWrap(True)
        self.candidates.currentRowChanged.connect(self.show_candidate)
        self.legend = QLabel("<span style='color:#15781b'>■</span> a candidate (its expected result)  "
                             "<span style='color:#E69F00'>■</span> near the best and likely answered badly  "
                             "<span style='color:#B00020'>■</span> the likely bad reply  "
                             "<span style='color:#56B4E9'>■</span> other likely replies")
        self.legend.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.candidates, 1)
        right.addWidget(self.legend)
        layout = QHBoxLayout(self)
        layout.addWidget(self.board, 1)
        layout.addLayout(right, 1)
        self.resize(1000, 520)

    def analyse(self, board: chess.Board, opponent: Player | None, opponent_name: str) -> EngineJob | None:
        """Rank the side to move's moves in ``board`` (with its moves: the opponent's model follows
        the game) against ``opponent``'s served model; ``anticipation_ready`` follows."""
        if self.job is not None:
            self.job.cancel()
        self.board_shown = board.copy()
        self.plan = None
        self.opponent_name = opponent_name
        mover = COLOUR_NAMES[board.turn]
        self.setWindowTitle(f"Where could {opponent_name} go wrong? ({mover} to move)")
        self.board.set_flipped(board.turn == chess.BLACK)
        last = board.move_stack[-1] if board.move_stack else None
        self.board.set_position(board.piece_map(), {}, last_move=(last.from_square, last.to_square) if last else None)
        self.board.set_shapes([])
        self.candidates.clear()
        if not any(board.legal_moves):
            self.heading.setText("The game is over here: there is no move to choose.")
            return None
        self.heading.setText(f"{mover} to move: weighing the engine's best moves against {opponent_name}'s "
                             "likely replies…")
        open_store, shared = self.open_store, self.store

        def work(engine: Any, cancelled: Callable[[], bool], _report: Callable[[Any], None]) -> Anticipation:
            predictor = call_with_store(open_store, shared, lambda store: open_predictor(opponent, store))
            return anticipate(board, engine, PredictorReplies(predictor), REVIEW_LIMIT, cancelled=cancelled)

        self.job = self.engine.run(f"anticipation {id(self)}", work, self.show_plan, self._failed)
        if self.job is None:
            self.heading.setText(self.engine.missing_text())
        return self.job

    def _failed(self, message: str) -> None:
        self.heading.setText(f"The engine could not weigh the moves: {message}")
        self.anticipation_failed.emit(message)

    def show_plan(self, plan: Anticipation | None) -> None:
        if plan is None:
            return
        self.plan = plan
        traps = plan.traps
        mover = COLOUR_NAMES[plan.mover]
        summary = (f"<b>{mover} to move</b>, ranked by the expected result against {self.opponent_name}'s model "
                   f"(the engine alone prefers {plan.engine_best.san}, {plan.engine_best.evaluation.text()}).")
        if traps:
            trap = traps[0]
            bad = trap.bad_reply
            assert bad is not None
            summary += (f"<br><b>{trap.san}</b> is near the best, and {self.opponent_name} is likely to answer "
                        f"<b>{bad.san}</b> ({bad.probability:.0%}), a {bad.verdict}.")
        else:
            summary += f"<br>No near-best move here that {self.opponent_name} is likely to answer badly."
        self.heading.setText(summary)
        self.candidates.blockSignals(True)
        self.candidates.clear()
        for candidate in plan.candidates:
            item = QListWidgetItem(describe(candidate, self.opponent_name))
            item.setData(Qt.ItemDataRole.UserRole, candidate.san)
            self.candidates.addItem(item)
        self.candidates.blockSignals(False)
        first = plan.candidates.index(traps[0]) if traps else 0
        self.candidates.setCurrentRow(first)
        self.show_candidate(first)
        self.anticipation_ready.emit(plan)

    def show_candidate(self, row: int) -> None:
        if self.plan is None or not 0 <= row < len(self.plan.candidates):
            return
        self.board.set_shapes(candidate_shapes(self.plan.candidates[row]))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if self.job is not None:
            self.job.cancel()
        super().closeEvent(event)
