"""Review a stored game against the models and the engine: predictability and evaluation plots,
surprising moves, every move's verdict, and a board.

The models' review is computed in the thread pool (:func:`kibitz.engine.review.review_game`) and
shown when ready; then, with an engine, every move is judged in the engine's own thread
(:func:`kibitz.engine.analysis.judge_moves`) and the evaluation graph and verdicts fill in. A click
on a plot, a surprising move or a row shows the position before that move with up to three arrows -
the move played, the model's first choice and the engine's move - so the window works for any
stored game, whether or not it is the one on the main board; ``move_chosen`` tells the host too.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import chess
from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from kibitz.engine.analysis import REVIEW_LIMIT, Judgement, judge_moves
from kibitz.engine.charts import LineChart, Series
from kibitz.engine.review import GameReview, MoveReview, review_game, start_board
from kibitz.engine.store import GameRecord, Store
from kibitz.gui.board_view import BoardView
from kibitz.gui.chart_view import ChartView
from kibitz.gui.engine_service import EngineJob, EngineService
from kibitz.gui.overlay import PREDICTION_COLOR, Brush, Shape, move_label, percent_label
from kibitz.gui.workers import Worker, start_store_worker

SURPRISES = 6
PLAYED = Brush("played", "#D55E00", 0.8, 0.12)
MODEL = Brush("model", PREDICTION_COLOR, 0.8, 0.12)
ENGINE_COLOR = "#0072B2"
ENGINE = Brush("engine", ENGINE_COLOR, 0.75, 0.09)
VERDICT_COLORS = {"inaccuracy": "#E69F00", "mistake": "#D55E00", "blunder": "#B00020"}
PLURALS = {"inaccuracy": "inaccuracies", "mistake": "mistakes", "blunder": "blunders"}


def predictability_chart(review: GameReview) -> LineChart:
    """Both players' probability of the move played, by move number."""
    series = [Series(name, [(m.move_number, m.probability) for m in review.of(colour)])
              for colour, name in ((chess.WHITE, review.white), (chess.BLACK, review.black))]
    return LineChart("How predictable each move was", series, x_label="move number",
                     y_label="model's probability of the move")


def evaluation_x(ply: int) -> float:
    """Where a move sits on the move-number axis: White's move 12 at 12, Black's at 12.5."""
    return ply / 2 + 1


def evaluation_chart(judgements: list[Judgement]) -> LineChart:
    """White's winning chances (lichess's win%) after every move, the costly moves marked."""
    series = [Series("White", [(evaluation_x(j.ply), j.after.win_probability(chess.WHITE)) for j in judgements],
                     ENGINE_COLOR)]
    for word, colour in VERDICT_COLORS.items():
        points = [(evaluation_x(j.ply), j.after.win_probability(chess.WHITE)) for j in judgements if j.verdict == word]
        if points:
            series.append(Series(PLURALS[word], points, colour, line=False))
    return LineChart("The engine's evaluation", series, x_label="move number", y_label="White's winning chances")


def verdict_counts(judgements: list[Judgement], colour: chess.Color) -> str:
    """``"1 inaccuracy, 2 mistakes, no blunders"``."""
    words = []
    for word in VERDICT_COLORS:
        count = sum(1 for j in judgements if j.mover == colour and j.verdict == word)
        words.append(f"{count or 'no'} {word if count == 1 else PLURALS[word]}")
    return ", ".join(words)


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

    judgements_ready = Signal(object)  # list[Judgement], every move judged by the engine
    anticipation_requested = Signal(object, object)  # the position shown (a board with its moves), the record

    def __init__(self, store: Store, pool: QThreadPool, parent: QWidget | None = None, *,
                 open_store: Callable[[], Store] | None = None, engine: EngineService | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.open_store = open_store
        self.pool = pool
        self.engine = engine
        self.engine_job: EngineJob | None = None
        self.record: GameRecord | None = None
        self.review: GameReview | None = None
        self.judgements: dict[int, Judgement] = {}
        self.shown = 0  # the ply of the move shown on the board
        self.board = BoardView()
        self.chart = ChartView()
        self.chart.clicked.connect(self._chart_clicked)
        self.eval_chart = ChartView()
        self.eval_chart.clicked.connect(self._eval_clicked)
        self.engine_label = QLabel("")
        self.engine_label.setWordWrap(True)
        self.moves_table = QTableWidget(0, 6)
        self.moves_table.setHorizontalHeaderLabels(["move", "model", "before", "after", "verdict", "engine's move"])
        self.moves_table.verticalHeader().hide()
        self.moves_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.moves_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.moves_table.currentCellChanged.connect(lambda row, *_: self._row_chosen(row))
        self.anticipate_button = QPushButton("Where could the opponent go wrong here?")
        self.anticipate_button.setToolTip("The moves that do best against the other player's model in the position "
                                          "shown, and the likely bad replies (needs a chess engine)")
        self.anticipate_button.clicked.connect(self._anticipate)
        self.summary = rich_label("Reviewing…")
        self.surprises = QListWidget()
        self.surprises.currentItemChanged.connect(self._surprise_chosen)
        self.caption = rich_label("")
        left = QVBoxLayout()
        left.addWidget(self.board, 1)
        left.addWidget(self.caption)
        self.caption.setToolTip("Left and Right step through the moves")
        left.addWidget(self.anticipate_button)
        charts = QHBoxLayout()
        charts.addWidget(self.chart, 1)
        charts.addWidget(self.eval_chart, 1)
        self.lists = QTabWidget()
        self.lists.addTab(self.surprises, "Most surprising moves")
        self.lists.addTab(self.moves_table, "Every move, judged")
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.engine_label)
        right.addLayout(charts, 2)
        right.addWidget(self.lists, 2)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)
        self.resize(1280, 640)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)  # as a dialog: Escape closes it

    def open_game(self, game_id: int) -> Worker:
        """Review ``game_id`` in the background; ``review_ready`` follows."""
        self.record = self.store.game(game_id)
        self.judgements = {}
        if self.engine_job is not None:
            self.engine_job.cancel()
        self.setWindowTitle(f"Review: {self.record.white} – {self.record.black} ({self.record.date})")
        self.summary.setText("Reviewing…")
        return start_store_worker(self.pool, self.open_store, self.store, lambda store: review_game(store, game_id),
                                  self.show_review, self._failed)

    def _failed(self, message: str) -> None:
        self.summary.setText(f"The review failed: {escape(message)}")
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
        opening = self.store.opening(self.record.id) if self.record is not None else None
        if opening is not None:  # named by position, as in the Games tab
            lines.insert(0, f"Opening: {escape(opening.text())}")
        self.summary.setText("<br>".join(lines) or "No move to review.")
        self.surprises.clear()
        for move in review.surprising(SURPRISES):
            item = QListWidgetItem(describe_move(move))
            item.setData(Qt.ItemDataRole.UserRole, move.ply)
            self.surprises.addItem(item)
        self._fill_table()
        self.show_move(review.surprising(1)[0].ply if review.surprising(1) else 0)
        self.review_ready.emit(review)
        self._start_engine()

    # -------------------------------------------------------------------------- engine --
    def _start_engine(self) -> None:
        record = self.record
        if record is None or not record.moves:
            return
        if self.engine is None or not self.engine.available:
            self.engine_label.setText(self.engine.missing_text() if self.engine is not None else "")
            self.anticipate_button.setEnabled(False)
            self.anticipate_button.setToolTip(self.engine.missing_text() if self.engine is not None else "")
            return
        start = start_board(record)
        moves = [chess.Move.from_uci(u) for u in record.moves]
        self.engine_label.setText(f"The engine is judging every move (0 of {len(moves)})…")

        def work(engine: Any, cancelled: Callable[[], bool], report: Callable[[Any], None]) -> list[Judgement]:
            return judge_moves(engine, start, moves, REVIEW_LIMIT, cancelled=cancelled,
                               progress=lambda done, total: report((done, total)))

        self.engine_job = self.engine.run(f"review {id(self)}", work, self.show_judgements, self._engine_failed,
                                          progressed=self._engine_progress)

    def _engine_progress(self, value: Any) -> None:
        done, total = value
        self.engine_label.setText(f"The engine is judging every move ({done} of {total})…")

    def _engine_failed(self, message: str) -> None:
        self.engine_label.setText(f"The engine could not judge the moves: {message}")

    def show_judgements(self, judgements: list[Judgement] | None) -> None:
        if judgements is None or self.review is None:
            return
        self.judgements = {j.ply: j for j in judgements}
        self.eval_chart.set_chart(evaluation_chart(judgements))
        review = self.review
        self.engine_label.setText("<br>".join(
            f"<b>{name}</b>: {verdict_counts(judgements, colour)}"
            for colour, name in ((chess.WHITE, review.white), (chess.BLACK, review.black))))
        self._fill_table()
        self.lists.setCurrentWidget(self.moves_table)
        self.show_move(self.shown)
        self.judgements_ready.emit(judgements)

    def _fill_table(self) -> None:
        if self.record is None or self.review is None:
            return
        models = {m.ply: m for m in self.review.moves}
        board = start_board(self.record)
        self.moves_table.blockSignals(True)
        self.moves_table.setRowCount(len(self.record.moves))
        for ply, uci in enumerate(self.record.moves):
            move = chess.Move.from_uci(uci)
            number = f"{board.fullmove_number}{'.' if board.turn == chess.WHITE else '...'} {board.san(move)}"
            board.push(move)
            model, judged = models.get(ply), self.judgements.get(ply)
            cells = [number, percent_label(model.probability) if model else "–",
                     judged.before.text() if judged else "", judged.after.text() if judged else "",
                     judged.verdict if judged else "", judged.best_san if judged else ""]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if judged is not None and judged.verdict in VERDICT_COLORS and column == 4:
                    item.setForeground(QColor(VERDICT_COLORS[judged.verdict]))
                self.moves_table.setItem(ply, column, item)
        self.moves_table.resizeColumnsToContents()
        self.moves_table.blockSignals(False)

    def _row_chosen(self, row: int) -> None:
        if row >= 0:
            self.show_move(row)

    def _eval_clicked(self, move_number: float, _chances: float) -> None:
        if self.judgements:
            nearest = min(self.judgements.values(), key=lambda j: abs(evaluation_x(j.ply) - move_number))
            self.show_move(nearest.ply)

    def _anticipate(self) -> None:
        if self.record is None:
            return
        board = start_board(self.record)
        for uci in self.record.moves[: self.shown]:
            board.push_uci(uci)
        self.anticipation_requested.emit(board, self.record)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if self.engine_job is not None:
            self.engine_job.cancel()  # nobody will read the verdicts: the engine stops now
        super().closeEvent(event)

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
            judged = self.judgements.get(ply)
            best = board.parse_san(judged.best_san) if judged is not None and judged.best_san else None
            targets = [m.to_square for m in {played, top, best} if m is not None]
            meet = len(targets) != len(set(targets))  # arrows that end on one square are shortened
            # (an underpromotion and the model's queen on the same squares are drawn side by side)
            if best is not None and best not in (played, top):
                shapes.append(Shape(best.from_square, best.to_square, ENGINE, "", meet))
            if top != played:
                shapes.append(Shape(top.from_square, top.to_square, MODEL, move_label(top, move.top_probability), meet))
            shapes.append(Shape(played.from_square, played.to_square, PLAYED, move_label(played, move.probability), meet))
            engine = ""
            if judged is not None:
                engine = (f"<br>The engine: {escape(judged.before.text())} → {escape(judged.after.text())}, "
                          f"<b>{escape(judged.verdict)}</b>"
                          + (f"; it plays {escape(judged.best_san)}" if judged.verdict != "best" else ""))
            self.caption.setText(f"{escape(describe_move(move))}{engine}<br><span style='color:#D55E00'>■</span> played   "
                                 f"<span style='color:{PREDICTION_COLOR}'>■</span> the model's first choice"
                                 + (f"   <span style='color:{ENGINE_COLOR}'>■</span> the engine's move"
                                    if judged is not None else ""))
        last = board.move_stack[-1] if board.move_stack else None
        self.board.set_flipped(move is not None and move.colour == chess.BLACK)
        self.board.set_position(board.piece_map(), {}, last_move=(last.from_square, last.to_square) if last else None)
        self.board.set_shapes(shapes)
        self.move_chosen.emit(ply)
