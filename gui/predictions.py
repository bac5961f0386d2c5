"""Both players' predictors: loaded off the GUI thread, fed every ply, asked for the mover's top moves."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import chess
from PySide6.QtCore import QObject, QThreadPool, Signal

from kibitz.engine.predictor import NullPredictor, open_predictor
from kibitz.gui.protocols import GamePredictorLike, PlayerLike, PredictionLike, StoreLike
from kibitz.gui.workers import Worker

log = logging.getLogger(__name__)

PredictorFactory = Callable[[Any, Any], GamePredictorLike]
StoreOpener = Callable[[], StoreLike]
LOADING = "loading model…"
TOP_K = 5


def default_predictor_factory(player: PlayerLike | None, store: StoreLike | None) -> GamePredictorLike:
    """The engine's predictor for ``player``: personal, else base, else one that says why not."""
    return open_predictor(player, store)  # type: ignore[arg-type]


def load_predictors(
    factory: PredictorFactory, players: dict[chess.Color, PlayerLike | None], open_store: StoreOpener | None
) -> dict[chess.Color, GamePredictorLike]:
    """Open one predictor per colour (runs in a worker, with its own store connection)."""
    store = open_store() if open_store is not None else None
    try:
        predictors: dict[chess.Color, GamePredictorLike] = {}
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
        self._predictors: dict[chess.Color, GamePredictorLike] = {}
        self._loading = False
        self._token = 0
        self._board = chess.Board()
        self._over = False
        self._workers: dict[int, Worker] = {}
        self.current: list[PredictionLike] = []

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
        self.current = []
        worker = Worker(lambda report: load_predictors(self.factory, players, self.open_store))
        worker.signals.succeeded.connect(lambda result, t=token: self._loaded(t, result))
        worker.signals.failed.connect(lambda message, t=token: self._load_failed(t, message))
        worker.signals.finished.connect(lambda t=token: self._workers.pop(t, None))
        self._workers[token] = worker
        self.predictions_changed.emit()
        self.pool.start(worker)

    def _loaded(self, token: int, predictors: dict[chess.Color, GamePredictorLike]) -> None:
        if token != self._token:
            return
        self._predictors = predictors
        self._loading = False
        self.reset(self._board, over=self._over)

    def _load_failed(self, token: int, message: str) -> None:
        if token == self._token:
            self._loaded(token, {c: NullPredictor(f"model failed to load: {message}")
                                 for c in (chess.WHITE, chess.BLACK)})

    def wait(self, msecs: int = 30000) -> bool:
        """Wait for background loads (teardown)."""
        return self.pool.waitForDone(msecs)

    # -- following the game ---------------------------------------------------------------------
    def push(self, move: chess.Move, board_after: chess.Board, *, over: bool = False) -> None:
        self._board = board_after.copy()
        self._over = over
        for color, predictor in list(self._predictors.items()):
            try:
                predictor.push(move)
            except Exception as error:
                log.exception("predictor push failed")
                self._predictors[color] = NullPredictor(f"model stopped: {error}")
        self._refresh()

    def reset(self, board: chess.Board, *, over: bool = False) -> None:
        """Replay the game from its start (new game, takeback, resume)."""
        self._board = board.copy()
        self._over = over
        for color, predictor in list(self._predictors.items()):
            try:
                predictor.reset(board.copy())
            except Exception as error:
                log.exception("predictor reset failed")
                self._predictors[color] = NullPredictor(f"model stopped: {error}")
        self._refresh()

    def set_over(self, over: bool) -> None:
        if over != self._over:
            self._over = over
            self._refresh()

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

    def predictions(self) -> Sequence[PredictionLike]:
        return self.current

    def description(self, color: chess.Color) -> str:
        if self._loading:
            return LOADING
        predictor = self._predictors.get(color)
        return predictor.status.description if predictor is not None else "no model"
