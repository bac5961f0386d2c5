"""Review a stored game against the models: predictability plot, surprising moves, and a board.

The review is computed in the thread pool (:func:`kibitz.engine.review.review_game`) and shown
when ready. A click on the plot or on a surprising move shows the position before that move with
two arrows - the move played and the model's first choice - so the window works for any stored
game, whether or not it is the one on the main board; ``move_chosen`` tells the host too.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import chess
from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from kibitz.engine.charts import LineChart, Series
from kibitz.engine.review import GameReview, MoveReview, review_game, start_board
from kibitz.engine.store import GameRecord, Store
from kibitz.gui.board_view import BoardView
from kibitz.gui.chart_view import ChartView
from kibitz.gui.overlay import PREDICTION_COLOR, Brush, Shape, move_label, percent_label
from kibitz.gui.workers import Worker, start_store_worker

SURPRISES = 6
PLAYED = Brush("played", "#D55E00", 0.8, 0.12)
MODEL = Brush("model", PREDICTION_COLOR, 0.8, 0.12)


def predictability_chart(review: GameReview) -> LineChart:
    """Both players' probability of the move played, by move number."""
    series = [Series(name, [(m.move_number, m.probability) for m in review.of(colour)])
              for colour, name in ((chess.WHITE, review.white), (chess.BLACK, review.black))]
    return LineChart("How predictable each move was", series, x_label="move number",
                     y_label="model's probability of the move")


def describe_move(move: MoveReview) -> str:
    """``"12... Kd2  3% (rank 9 of 31); the model: Nf3 45%"``."""
    top = f"the model: {move.top_san} {percent_label(move.top_probability)}"
    model = "the model's choice" if move.rank == 1 else top
    return f"{move.label}  {percent_label(move.probability)} (rank {move.rank} of {move.legal}); {model}"


def rich_label(text: str) -> QLabel:
    """A wrapping label that always reads its text as HTML: Qt's guess reads ``"Bb7 <1%<br>…"`` as
    plain text (``<1%`` is no tag) and shows the markup. Data in the text must be escaped."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    return label


class ReviewWindow(QWidget):
    review_ready = Signal(object)  # GameReview
    review_failed = Signal(str)
    move_chosen = Signal(int)  # 0-based ply of the move looked at

    def __init__(self, store: Store, pool: QThreadPool, parent: QWidget | None = None, *,
                 open_store: Callable[[], Store] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.open_store = open_store
        self.pool = pool
        self.record: GameRecord | None = None
        self.review: GameReview | None = None
        self.shown = 0  # the ply of the move shown on the board
        self.board = BoardView()
        self.chart = ChartView()
        self.chart.clicked.connect(self._chart_clicked)
        self.summary = rich_label("Reviewing…")
        self.surprises = QListWidget()
        self.surprises.currentItemChanged.connect(self._surprise_chosen)
        self.caption = rich_label("")
        left = QVBoxLayout()
        left.addWidget(self.board, 1)
        left.addWidget(self.caption)
        self.caption.setToolTip("Left and Right step through the moves")
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.chart, 2)
        right.addWidget(QLabel("Most surprising moves (click to see them):"))
        right.addWidget(self.surprises, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        self.resize(1000, 560)

    def open_game(self, game_id: int) -> Worker:
        """Review ``game_id`` in the background; ``review_ready`` follows."""
        self.record = self.store.game(game_id)
        self.setWindowTitle(f"Review: {self.record.white} – {self.record.black} ({self.record.date})")
        self.summary.setText("Reviewing…")
        return start_store_worker(self.pool, self.open_store, self.store, lambda store: review_game(store, game_id),
                                  self.show_review, self._failed)

    def _failed(self, message: str) -> None:
        self.summary.setText(f"The review failed: {message}")
        self.review_failed.emit(message)

    def show_review(self, review: GameReview) -> None:
        self.review = review
        self.chart.set_chart(predictability_chart(review))
        lines = []
        for colour, name in ((chess.WHITE, review.white), (chess.BLACK, review.black)):
            mean, top1 = review.predictability(colour), review.top1(colour)
            if mean is not None and top1 is not None:
                lines.append(f"<b>{escape(name)}</b>: {mean:.0%} on average; the model's first choice "
                             f"{top1:.0%} of the time ({escape(review.models[colour])})")
        self.summary.setText("<br>".join(lines) or "No move to review.")
        self.surprises.clear()
        for move in review.surprising(SURPRISES):
            item = QListWidgetItem(describe_move(move))
            item.setData(Qt.ItemDataRole.UserRole, move.ply)
            self.surprises.addItem(item)
        self.show_move(review.surprising(1)[0].ply if review.surprising(1) else 0)
        self.review_ready.emit(review)

    def _surprise_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None:
            self.show_move(int(item.data(Qt.ItemDataRole.UserRole)))

    def _chart_clicked(self, move_number: float, probability: float) -> None:
        if self.review is None or not self.review.moves:
            return
        nearest = min(self.review.moves, key=lambda m: (abs(m.move_number - move_number) * 0.2
                                                         + abs(m.probability - probability)))
        self.show_move(nearest.ply)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        """Left and Right step through the moves."""
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step is not None and self.record is not None and self.record.moves:
            self.show_move(min(max(self.shown + step, 0), len(self.record.moves) - 1))
            return
        super().keyPressEvent(event)

    def show_move(self, ply: int) -> None:
        """Show the position before the move at ``ply``: the move played and the model's choice."""
        if self.record is None or self.review is None:
            return
        self.shown = ply
        move = next((m for m in self.review.moves if m.ply == ply), None)
        board = start_board(self.record)
        for uci in self.record.moves[:ply]:
            board.push_uci(uci)
        shapes = []
        self.caption.setText("")
        if move is not None:
            played = chess.Move.from_uci(self.record.moves[ply])
            top = board.parse_san(move.top_san)
            meet = top != played and top.to_square == played.to_square  # shorten both, as the overlay does
            # (an underpromotion and the model's queen on the same squares are drawn side by side)
            if top != played:
                shapes.append(Shape(top.from_square, top.to_square, MODEL, move_label(top, move.top_probability), meet))
            shapes.append(Shape(played.from_square, played.to_square, PLAYED, move_label(played, move.probability), meet))
            self.caption.setText(f"{escape(describe_move(move))}<br><span style='color:#D55E00'>■</span> played   "
                                 f"<span style='color:{PREDICTION_COLOR}'>■</span> the model's first choice")
        last = board.move_stack[-1] if board.move_stack else None
        self.board.set_flipped(move is not None and move.colour == chess.BLACK)
        self.board.set_position(board.piece_map(), {}, last_move=(last.from_square, last.to_square) if last else None)
        self.board.set_shapes(shapes)
        self.move_chosen.emit(ply)
