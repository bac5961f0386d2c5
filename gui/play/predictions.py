"""Both players' predictors: loaded off the GUI thread, following the position on the board.

The board may show the live position or one the user walked back to; the service follows whichever
is shown (one ply forward is a push, anything else a replay from the start).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import chess
from PySide6.QtCore import QObject, QThreadPool, Signal

from kibitz.engine.predictor import GamePredictor, NullPredictor, Prediction, open_predictor
from kibitz.gui.protocols import PlayerLike, StoreLike
from kibitz.gui.workers import Worker

log = logging.getLogger(__name__)

PredictorFactory = Callable[[Any, Any], GamePredictor]
StoreOpener = Callable[[], StoreLike]
LOADING = "loading model…"
TOP_K = 5
CACHE_SIZE = 4096  # positions; a long game walked through many times stays far below


def default_predictor_factory(player: PlayerLike | None, store: StoreLike | None) -> GamePredictor:
    """The engine's predictor for ``player``: personal, else base, else one that says why not."""
    return open_predictor(player, store)  # type: ignore[arg-type]


def load_predictors(
    factory: PredictorFactory, players: dict[chess.Color, PlayerLike | None], open_store: StoreOpener | None
) -> dict[chess.Color, GamePredictor]:
    """Open one predictor per colour (runs in a worker, with its own store connection)."""
    store = open_store() if open_store is not None else None
    try:
        predictors: dict[chess.Color, GamePredictor] = {}
        for color, player in players.items():
            try:
                predictors[color] = factory(player, store)
            except Exception as error:  # the factory should not raise; the board must work anyway
                log.exception("opening a predictor failed")
                predictors[color] = NullPredictor(f"model failed to load: {error}")
        return predictors
    finally:
        if store is not None:
            store.close()


def _same_game(a: chess.Board, b: chess.Board) -> bool:
    return a.root() == b.root()


def _key(board: chess.Board) -> tuple[str, tuple[chess.Move, ...]]:
    """A position with the way it was reached (the predictors read the history too)."""
    return board.root().fen(), tuple(board.move_stack)


class PredictionService(QObject):
    """Keeps the two predictors in step with the game and holds the side-to-move's predictions."""

    predictions_changed = Signal()

    def __init__(
        self,
        factory: PredictorFactory = default_predictor_factory,
        open_store: StoreOpener | None = None,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.factory = factory
        self.open_store = open_store
        self.pool = pool or QThreadPool(self)
        self._predictors: dict[chess.Color, GamePredictor] = {}
        self._loading = False
        self._token = 0
        self._board = chess.Board()
        self._at: chess.Board | None = None  # the position the predictors have followed to
        self._shown: tuple[str, tuple[chess.Move, ...]] | None = None  # the position predicted for
        self._cache: dict[tuple[str, tuple[chess.Move, ...]], list[Prediction]] = {}
        self._over = False
        self._workers: dict[int, Worker] = {}
        self.current: list[Prediction] = []

    # -- loading --------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._loading

    def load(self, players: dict[chess.Color, PlayerLike | None], board: chess.Board) -> None:
        """(Re)open both predictors in the background; the game goes on meanwhile."""
        self._token += 1
        token = self._token
        self._loading = True
        self._predictors = {}
        self._board = board.copy()
        self._at = None
        self._shown = None
        self._cache = {}
        self.current = []
        worker = Worker(lambda report: load_predictors(self.factory, players, self.open_store))
        worker.signals.succeeded.connect(lambda result, t=token: self._loaded(t, result))
        worker.signals.failed.connect(lambda message, t=token: self._load_failed(t, message))
        worker.signals.finished.connect(lambda t=token: self._workers.pop(t, None))
        self._workers[token] = worker
        self.predictions_changed.emit()
        self.pool.start(worker)

    def _loaded(self, token: int, predictors: dict[chess.Color, GamePredictor]) -> None:
        if token != self._token:
            return
        self._predictors = predictors
        self._loading = False
        self._at = None  # fresh predictors: replay the shown game into them
        self._shown = None
        self._cache = {}
        self.show(self._board, over=self._over)

    def _load_failed(self, token: int, message: str) -> None:
        if token == self._token:
            self._loaded(token, {c: NullPredictor(f"model failed to load: {message}")
                                 for c in (chess.WHITE, chess.BLACK)})

    # -- following the position on the board ---------------------------------------------------
    def show(self, board: chess.Board, *, over: bool = False) -> None:
        """Predict for ``board`` (``over``: nothing more will be played there, so no predictions).

        Positions already predicted come from a cache: walking back replays the game from its start
        (a GRU state cannot step backwards), so each position costs that only once.
        """
        key = _key(board)
        if key == self._shown and over == self._over:
            return  # nothing changed (the window refreshes often)
        self._board = board.copy()
        self._over = over
        self._shown = key
        if self._loading:
            return
        cached = None if over else self._cache.get(key)
        if cached is not None:
            self.current = cached
            self.predictions_changed.emit()
            return
        at = self._at
        if (at is not None and _same_game(at, board) and len(board.move_stack) == len(at.move_stack) + 1
                and board.move_stack[:-1] == at.move_stack):
            move = board.move_stack[-1]
            self._each("push", lambda predictor: predictor.push(move))
        elif at is None or not (_same_game(at, board) and board.move_stack == at.move_stack):
            self._each("reset", lambda predictor: predictor.reset(board.copy()))
        self._at = board.copy()
        self._refresh()
        if not over:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = self.current

    def _each(self, what: str, call: Callable[[GamePredictor], None]) -> None:
        for color, predictor in list(self._predictors.items()):
            try:
                call(predictor)
            except Exception as error:
                log.exception("predictor %s failed", what)
                self._predictors[color] = NullPredictor(f"model stopped: {error}")

    def _refresh(self) -> None:
        predictor = self._predictors.get(self._board.turn)
        self.current = []
        if predictor is not None and not self._over:
            try:
                self.current = list(predictor.top_moves(TOP_K))
            except Exception as error:
                log.exception("prediction failed")
                self._predictors[self._board.turn] = NullPredictor(f"model stopped: {error}")
        self.predictions_changed.emit()

    # -- what the panel shows -------------------------------------------------------------------
    @property
    def turn(self) -> chess.Color:
        return self._board.turn

    def predictions(self) -> Sequence[Prediction]:
        return self.current

    def description(self, color: chess.Color) -> str:
        if self._loading:
            return LOADING
        predictor = self._predictors.get(color)
        return predictor.status.description if predictor is not None else "no model"
