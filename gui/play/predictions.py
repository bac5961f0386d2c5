"""Both players' predictors: loaded and run off the UI thread, following the position on the board.

The board may show the live position or one the user walked back to; the service follows whichever
is shown (plies forward are pushes, anything else a replay from the start). The predictors run on a
:class:`SerialWorker` of their own, one position at a time, so a move is never held up by them:
the newest position asked for replaces one still waiting, a result for a position no longer shown
is kept for later but not shown, and a model too slow to follow the game is replaced by the next
one down (:class:`~kibitz.engine.predictor.BoundedPredictor`), with the reason in the panel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import chess
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QWidget

from kibitz.engine import library
from kibitz.engine.predictor import (BoundedPredictor, GamePredictor, NullPredictor, Prediction, open_predictor,
                                     pair)
from kibitz.gui.protocols import PlayerLike, StoreLike
from kibitz.gui.serial_worker import SerialWorker
from kibitz.gui.workers import Worker

log = logging.getLogger(__name__)

PredictorFactory = Callable[[Any, Any], GamePredictor]
StoreOpener = Callable[[], StoreLike]
Key = tuple[str, tuple[chess.Move, ...]]
LOADING = "loading model…"
PREDICTING = "predicting…"
TOP_K = 5
CACHE_SIZE = 4096  # positions; a long game walked through many times stays far below
#: A prediction still missing after this long is said to be on its way (a fast one never flickers).
SLOW_NOTICE_MS = 400
#: How long the board's repaint after a move may wait for the new position's arrows: a fast model's
#: arrows then appear with the move in one paint, and a slow one never holds the move back longer
#: (a few frames, below the lag people notice after their own move).
ARROWS_WAIT_MS = 50


def default_predictor_factory(player: PlayerLike | None, store: StoreLike | None) -> GamePredictor:
    """The engine's predictor for ``player`` (personal, else base, else one that says why not),
    replaced by the next one down when its plies are too slow to follow the game."""
    return BoundedPredictor(open_predictor(player, store))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Opened:
    """Both colours' predictors, paired, and where each player's rating for the prior came from."""

    predictors: dict[chess.Color, GamePredictor]
    origins: dict[chess.Color, str]  # "Jo", "fitted on their games" words per colour (see rating_words)


def load_predictors(
    factory: PredictorFactory, players: dict[chess.Color, PlayerLike | None], open_store: StoreOpener | None
) -> Opened:
    """Open one predictor per colour and pair them, so each runs the prior at its player's rating
    against the other's (runs in a worker, with its own store connection)."""
    store = open_store() if open_store is not None else None
    try:
        predictors: dict[chess.Color, GamePredictor] = {}
        for color, player in players.items():
            try:
                predictors[color] = factory(player, store)
            except Exception as error:  # the factory should not raise; the board must work anyway
                log.exception("opening a predictor failed")
                predictors[color] = NullPredictor(f"model failed to load: {error}")
        try:
            pair(predictors)
        except Exception:  # a predictor that cannot be told its opponent still predicts, at its own rating
            log.exception("telling the predictors their opponents' ratings failed")
        return Opened(predictors, {color: _origin(player, predictors[color], store)
                                   for color, player in players.items()})
    finally:
        if store is not None:
            store.close()


def _origin(player: PlayerLike | None, predictor: GamePredictor, store: StoreLike | None) -> str:
    """Where the rating ``predictor`` reads ``player``'s moves at came from ("" where it has none)."""
    rating = getattr(predictor.status, "rating", None)
    if rating is None:
        return ""
    if player is None or store is None:
        return "the default, not a player here"
    try:
        return library.rating_origin(store, player, rating)  # type: ignore[arg-type]
    except Exception:  # a store double, a player deleted meanwhile: the rating without its source
        log.exception("where %s's rating came from is unknown", player.name)
        return ""


def rating_words(players: Mapping[chess.Color, PlayerLike | None], statuses: Mapping[chess.Color, Any],
                 origins: Mapping[chess.Color, str], mover: chess.Color,
                 names: Mapping[chess.Color, str] | None = None) -> str:
    """Both players' ratings for the prior and where each came from, the mover's first, a line each:
    "Jo 1,450: fitted on their games\nAnn 1,700: their starting rating"."""
    parts = []
    for color in (mover, not mover):
        rating, origin = getattr(statuses.get(color), "rating", None), origins.get(color, "")
        if rating is None or not origin:
            continue
        player = players.get(color)
        name = player.name if player is not None else (names or {}).get(color) or chess.COLOR_NAMES[color].title()
        parts.append(f"{name} {rating:,}: {origin}")
    return "\n".join(parts)


def _same_game(a: chess.Board, b: chess.Board) -> bool:
    return a.root() == b.root()


def _key(board: chess.Board) -> Key:
    """A position with the way it was reached (the predictors read the history too)."""
    return board.root().fen(), tuple(board.move_stack)


@dataclass(frozen=True)
class Predicted:
    """One position's predictions for the side to move, and what each colour's model is now."""

    predictions: list[Prediction]
    descriptions: dict[chess.Color, str]


class Follower:
    """Both players' predictors and the position they have followed to.

    Used on the prediction worker's thread only: a predictor carries the game's state, so it is
    never run by two threads, and both follow the same positions in turn, which lets the two
    paired predictors (each at its player's rating against the other's) share each prior run
    (:mod:`kibitz.engine.priors`).
    """

    def __init__(self, predictors: dict[chess.Color, GamePredictor],
                 players: Mapping[chess.Color, PlayerLike | None] | None = None,
                 origins: Mapping[chess.Color, str] | None = None,
                 names: Mapping[chess.Color, str] | None = None) -> None:
        """``names``: what to call a side with no player (the name in the game's record)."""
        self.predictors = dict(predictors)
        self.players = dict(players or {})
        self.origins = dict(origins or {})
        self.names = dict(names or {})
        self.at: chess.Board | None = None

    def descriptions(self) -> dict[chess.Color, str]:
        """Each colour's model in words, then a line per player with their rating and where it came
        from (from the predictors' statuses now: a model replaced by one without a rating drops its
        line); :meth:`PredictionService.description` and :meth:`PredictionService.ratings` part them."""
        statuses = {color: p.status for color, p in self.predictors.items()}
        described = {}
        for color, status in statuses.items():
            ratings = rating_words(self.players, statuses, self.origins, color, self.names)
            described[color] = f"{status.description}\n{ratings}" if ratings else status.description
        return described

    def predict(self, board: chess.Board, over: bool) -> Predicted:
        """Follow both predictors to ``board``; the side to move's top moves (none when ``over``)."""
        at = self.at
        done = len(at.move_stack) if at is not None else 0
        if at is not None and _same_game(at, board) and board.move_stack[:done] == at.move_stack:
            for move in board.move_stack[done:]:  # plies forward: pushes (several when some were skipped)
                self._each("push", lambda predictor: predictor.push(move))  # called at once
        else:  # walked back, or another game: a GRU state cannot step backwards, so replay
            self._each("reset", lambda predictor: predictor.reset(board.copy()))
        self.at = board.copy()
        predictions: list[Prediction] = []
        predictor = self.predictors.get(board.turn)
        if predictor is not None and not over:
            try:
                predictions = list(predictor.top_moves(TOP_K))
            except Exception as error:
                log.exception("prediction failed")
                self.predictors[board.turn] = NullPredictor(f"model stopped: {error}")
        return Predicted(predictions, self.descriptions())

    def _each(self, what: str, call: Callable[[GamePredictor], None]) -> None:
        for color, predictor in list(self.predictors.items()):
            try:
                call(predictor)
            except Exception as error:
                log.exception("predictor %s failed", what)
                self.predictors[color] = NullPredictor(f"model stopped: {error}")


class PredictionService(QObject):
    """Keeps the two predictors in step with the game and holds the side-to-move's predictions.

    Every call here returns at once: predictors are opened in ``pool`` and run on a
    :class:`SerialWorker` of the service's own; :attr:`busy` says whether an answer is on its way.
    """

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
        self.worker = SerialWorker(self, name="kibitz-predictions")
        self.worker.done.connect(self._predicted)
        self.worker.failed.connect(self._prediction_failed)
        self._follower: Follower | None = None
        self._players: dict[chess.Color, PlayerLike | None] = {}
        self._names: dict[chess.Color, str] = {}
        self._descriptions: dict[chess.Color, str] = {}
        self._loading = False
        self._token = 0
        self._board = chess.Board()
        self._shown: Key | None = None  # the position shown, predicted for or waiting for it
        self._waiting: Key | None = None  # the shown position while its prediction is on the way
        self._cache: dict[Key, list[Prediction]] = {}
        self._over = False
        self._workers: dict[int, Worker] = {}
        self._slow = QTimer(self)
        self._slow.setSingleShot(True)
        self._slow.setInterval(SLOW_NOTICE_MS)
        self._slow.timeout.connect(self.predictions_changed.emit)
        self._held: QWidget | None = None  # the board, whose repaint waits for the arrows
        self._release = QTimer(self)
        self._release.setSingleShot(True)
        self._release.setInterval(ARROWS_WAIT_MS)
        self._release.timeout.connect(self._release_board)
        self.current: list[Prediction] = []

    def set_worker(self, worker: SerialWorker) -> SerialWorker:
        """Run the predictors on ``worker`` from now on; returns the one used so far (a benchmark's
        baseline runs them inline, on the UI thread, and swaps back)."""
        previous = self.worker
        previous.done.disconnect(self._predicted)
        previous.failed.disconnect(self._prediction_failed)
        self.worker = worker
        worker.done.connect(self._predicted)
        worker.failed.connect(self._prediction_failed)
        return previous

    def hold_while_predicting(self, board: QWidget) -> None:
        """Let ``board``'s repaint after a move wait up to :data:`ARROWS_WAIT_MS` for the arrows."""
        self._held = board

    # -- loading --------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def busy(self) -> bool:
        """Predictors are being opened, or the shown position's predictions are on their way."""
        return self._loading or self._waiting is not None

    def load(self, players: dict[chess.Color, PlayerLike | None], board: chess.Board,
             names: Mapping[chess.Color, str] | None = None) -> None:
        """(Re)open both predictors in the background; the game goes on meanwhile. ``names``: each
        side's name in the game (said for a side with no player)."""
        self._token += 1
        token = self._token
        self._loading = True
        self._follower = None
        self._players = dict(players)
        self._names = dict(names or {})
        self._descriptions = {}
        self.worker.cancel_pending()  # predictions by the old predictors are of no use now
        self._board = board.copy()
        self._shown = None
        self._waiting = None
        self._cache = {}
        self.current = []
        worker = Worker(lambda report: load_predictors(self.factory, players, self.open_store))
        worker.signals.succeeded.connect(lambda result, t=token: self._loaded(t, result))
        worker.signals.failed.connect(lambda message, t=token: self._load_failed(t, message))
        worker.signals.finished.connect(lambda t=token: self._workers.pop(t, None))
        self._workers[token] = worker
        self.predictions_changed.emit()
        self.pool.start(worker)

    def _loaded(self, token: int, opened: Opened) -> None:
        if token != self._token:
            return
        self._follower = Follower(opened.predictors, self._players, opened.origins, self._names)
        self._descriptions = self._follower.descriptions()
        self._loading = False
        self._shown = None
        self._cache = {}
        self.show(self._board, over=self._over)

    def _load_failed(self, token: int, message: str) -> None:
        if token == self._token:
            self._loaded(token, Opened({c: NullPredictor(f"model failed to load: {message}")
                                        for c in (chess.WHITE, chess.BLACK)}, {}))

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop the prediction thread (the window closes); a ply still running may finish first
        (after ``timeout_s`` the window closes anyway: the thread ends with the process)."""
        self._token += 1
        self._release_board()
        self.worker.stop(timeout_s)

    # -- following the position on the board ---------------------------------------------------
    def show(self, board: chess.Board, *, over: bool = False) -> None:
        """Predict for ``board`` (``over``: nothing more will be played there, so no predictions).

        Returns at once: the predictions follow with ``predictions_changed``. Positions already
        predicted come from a cache: walking back replays the game from its start (a GRU state
        cannot step backwards), so each position costs that only once.
        """
        key = _key(board)
        if key == self._shown and over == self._over:
            return  # nothing changed (the window refreshes often)
        self._board = board.copy()
        self._over = over
        self._shown = key
        if self._loading or self._follower is None:
            return
        cached = None if over else self._cache.get(key)
        if cached is not None:
            self._settle(cached)
            return
        self.current = []  # the last position's arrows would point at the wrong side's pieces
        self._waiting = key
        if not self._slow.isActive():
            self._slow.start()
        if self._held is not None and self._held.updatesEnabled():
            self._held.setUpdatesEnabled(False)
            self._release.start()
        follower, wanted = self._follower, board.copy()
        self.worker.submit((self._token, key, over), lambda: follower.predict(wanted, over), slot="position")
        if self._waiting == key:  # (a worker that runs inline has answered already)
            self.predictions_changed.emit()

    def _predicted(self, tag: tuple[int, Key, bool], result: Predicted) -> None:
        token, key, over = tag
        if token != self._token:
            return  # made by predictors that were replaced since
        changed = result.descriptions != self._descriptions
        self._descriptions = result.descriptions
        if not over:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = result.predictions
        if key == self._shown and over == self._over:
            self._settle(result.predictions)
        elif changed:  # an old position's answer: not shown, but a model was replaced meanwhile
            self.predictions_changed.emit()

    def _prediction_failed(self, tag: tuple[int, Key, bool], message: str) -> None:
        token, key, over = tag
        if token == self._token and key == self._shown:
            self._settle([])

    def _settle(self, predictions: list[Prediction]) -> None:
        self.current = predictions
        self._waiting = None
        self._slow.stop()
        self.predictions_changed.emit()  # the arrows are set before the board may paint again
        self._release_board()

    def _release_board(self) -> None:
        self._release.stop()
        if self._held is not None and not self._held.updatesEnabled():
            self._held.setUpdatesEnabled(True)  # repaints it

    # -- what the panel shows -------------------------------------------------------------------
    @property
    def turn(self) -> chess.Color:
        return self._board.turn

    def predictions(self) -> Sequence[Prediction]:
        return self.current

    def description(self, color: chess.Color) -> str:
        """The model predicting ``color``'s moves, in words (what it is doing, while it takes a while)."""
        if self._loading:
            return LOADING
        description = self._descriptions.get(color, "no model").partition("\n")[0]
        if self._waiting is not None and not self._slow.isActive() and color == self._board.turn:
            return f"{description} - {PREDICTING}"
        return description

    def ratings(self, color: chess.Color) -> str:
        """Both players' ratings for the prior and where each came from, ``color``'s first, a line
        each ("" while loading, or when no model has a rating)."""
        return "" if self._loading else self._descriptions.get(color, "").partition("\n")[2]
