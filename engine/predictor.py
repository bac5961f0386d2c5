"""Live move prediction for one player through one game, with onnxruntime (no torch).

A predictor follows the game ply by ply - both sides' moves - keeping the position history the
prior's input tokens need and the adapter's hidden state, and on request gives the most likely
next moves in the current position, illegal moves masked out. Per ply, the Maia-3 prior reads the
tokens at the mover's rating and the other side's (move logits and its pooled view of the
position), then the player's adapter reads those, the previous move and its state (final logits
and the next state). Takebacks and loaded positions replay the game from its first position.

The player's rating is the predictor's own (:func:`kibitz.engine.models.player_rating`); the
opponent's is told by :meth:`ModelPredictor.set_game` (:func:`pair` does it for the app's two
predictors, each the other's opponent), so both ask the prior the same question at every ply
and it runs once per position for the two.

``open_predictor`` never raises for a missing or broken model: it falls back from the player's
personal model to the bundled base adapter, and from there to a ``NullPredictor`` whose status
says why, so the board keeps working.

>>> import chess
>>> predictor = open_predictor(None, None)   # the bundled base adapter over Maia-3 at 1500
>>> predictor.reset(chess.Board())
>>> [p.san for p in predictor.top_moves(2)]  # doctest: +SKIP
['e4', 'd4']
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

import chess
import numpy as np

from kibitz.engine.book import PlayerBook
from kibitz.engine.features import PositionHistory
from kibitz.engine import models
from kibitz.engine.words import plural
from kibitz.engine.models import ModelError, ModelInfo, base_model_dir, load_model_info
from kibitz.engine.moves import NO_MOVE, VOCAB_SIZE, legal_move_indices, move_to_index
from kibitz.engine.priors import (DEFAULT_RATING, POOLED_SIZE, PRIOR_NAME, PriorError, PriorSession, prior_session,
                                  rating_key)

if TYPE_CHECKING:
    from kibitz.engine.store import Player, Store

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The most one ply of a model may take. Predictions arrive in the background, but a prediction
#: shown seconds after the move is late for the people at the board: a slower model (an oversized
#: or damaged file, a machine far too busy) is replaced by the next one down.
STEP_LIMIT_S: Final = 1.0
#: Plies in a row over the limit before the model is replaced: one slow ply is a hiccup (a
#: session's first run, another program starting), two are the model.
SLOW_PLIES: Final = 2

ADAPTER_INPUTS: dict[str, list[Any]] = {"pooled": ["batch", POOLED_SIZE], "prior": ["batch", VOCAB_SIZE],
                                        "prev_move": ["batch"]}


@dataclass(frozen=True)
class Prediction:
    move: chess.Move
    san: str
    probability: float


@dataclass(frozen=True)
class ModelStatus:
    """Which model makes the predictions, in words for the side panel."""

    kind: str  # "personal" | "base" | "none"
    description: str
    games_trained: int = 0
    rating: int | None = None  # the player's rating for the prior


class AdapterSession:
    """One adapter step graph: (pooled, prior, prev_move, h) -> (logits, h_next), one thread, and
    the player's own book (:mod:`kibitz.engine.book`) when the model folder has one.

    The graph's real input and output shapes are checked against the contract and the metadata
    here, so a model whose metadata disagrees with its graph is refused at load, not at first use.

    :raises ModelError: when onnxruntime cannot load the file or its shapes are not the contract's.
    """

    def __init__(self, info: ModelInfo) -> None:
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            # One thread: a second one made p99 latency far worse for this small graph.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._session = ort.InferenceSession(
                str(info.onnx_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own (Fail, InvalidGraph, ...) types
            raise ModelError(f"{info.onnx_path} cannot be loaded ({error})") from error
        self.hidden = info.hidden
        expected: dict[str, list[Any]] = {**ADAPTER_INPUTS, "h": ["batch", info.hidden]}
        found = {i.name: i.shape for i in self._session.get_inputs()}
        outputs = {o.name: o.shape for o in self._session.get_outputs()}
        problems = [name for name in expected if name not in found or not _fits(found[name], expected[name])]
        if set(found) != set(expected) or problems:
            raise ModelError(f"{info.onnx_path} has inputs {found}, not {expected}")
        if not (_fits(outputs.get("logits"), ["batch", VOCAB_SIZE]) and _fits(outputs.get("h_next"), ["batch", info.hidden])):
            raise ModelError(f"{info.onnx_path} has outputs {outputs}, not logits [batch, {VOCAB_SIZE}] "
                             f"and h_next [batch, {info.hidden}]")
        self.book: PlayerBook | None = None
        if info.book_path is not None:
            try:
                self.book = PlayerBook.load(info.book_path, info.meta["book"]["strength"])
            except (ValueError, TypeError) as error:
                raise ModelError(str(error)) from error

    def step(self, pooled: np.ndarray, prior: np.ndarray, prev_move: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One ply for a batch of games (``prev_move`` int64 ``[N]``)."""
        logits, h_next = self._session.run(
            ["logits", "h_next"], {"pooled": pooled.astype(np.float32, copy=False),
                                   "prior": prior.astype(np.float32, copy=False), "prev_move": prev_move, "h": h}
        )
        return np.asarray(logits), np.asarray(h_next)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Probabilities from logits, in float64 so that tiny probabilities keep their order."""
    scores = scores.astype(np.float64) - scores.max()
    weights = np.exp(scores)
    probabilities: np.ndarray = weights / weights.sum()
    return probabilities


def _fits(shape: list[Any] | None, expected: list[Any]) -> bool:
    """Whether an ONNX shape (ints for fixed sizes, strings or None for free ones) is ``expected``."""
    if shape is None or len(shape) != len(expected):
        return False
    return all(isinstance(want, str) or got == want for got, want in zip(shape, expected))


class GamePredictor(Protocol):
    status: ModelStatus

    def reset(self, board: chess.Board | None = None) -> None: ...
    def push(self, move: chess.Move) -> None: ...
    def top_moves(self, k: int = 5) -> list[Prediction]: ...
    def set_game(self, colour: chess.Color, opponent_rating: int | None) -> None: ...


class ModelPredictor:
    """Follows one game with the prior and an adapter; the state after each ply is computed once."""

    def __init__(self, adapter: AdapterSession, prior: PriorSession, status: ModelStatus, *,
                 describe: Callable[[int, int | None], str] | None = None) -> None:
        """``describe(rating, opponent_rating)``: the status's words once the opponent is known."""
        self.adapter = adapter
        self.prior = prior
        self.status = status
        self.rating = rating_key(status.rating)
        self._describe = describe
        self._notes = ""  # said after the model's words: the player's book, what was wrong
        self.ratings = {chess.WHITE: self.rating, chess.BLACK: self.rating}
        self.reset()

    def set_game(self, colour: chess.Color, opponent_rating: int | None) -> None:
        """The player plays ``colour`` against an opponent rated ``opponent_rating`` (None: unknown,
        taken as the player's own); the game followed so far is replayed with the new ratings."""
        opponent = self.rating if opponent_rating is None else rating_key(opponent_rating)
        ratings = {colour: self.rating, not colour: opponent}
        if self._describe is not None:
            status = self.status
            self.status = ModelStatus(status.kind, self._describe(self.rating, opponent_rating) + self._notes,
                                      status.games_trained, status.rating)
        if ratings != self.ratings:
            self.ratings = ratings
            self.reset(self.board.copy())

    def note(self, words: str) -> None:
        """Add ``words`` to the status's description (kept when :meth:`set_game` rewrites it)."""
        self._notes += words
        status = self.status
        self.status = ModelStatus(status.kind, status.description + words, status.games_trained, status.rating)

    def reset(self, board: chess.Board | None = None) -> None:
        """Start over at ``board``'s first position and replay its moves (None: a new game)."""
        board = board or chess.Board()
        self._history = PositionHistory(board.root())
        self._h = np.zeros((1, self.adapter.hidden), dtype=np.float32)
        self._prev = NO_MOVE
        self._logits: np.ndarray | None = None
        for move in board.move_stack:
            self.push(move)

    @property
    def board(self) -> chess.Board:
        return self._history.board

    def _current_logits(self) -> np.ndarray:
        if self._logits is None:
            mover = self.board.turn
            outputs = self.prior.run(self._history.tokens()[None], self.ratings[mover], self.ratings[not mover])
            logits, self._h_next = self.adapter.step(outputs.pooled, outputs.logits,
                                                     np.array([self._prev], dtype=np.int64), self._h)
            self._logits = logits[0]
        return self._logits

    def push(self, move: chess.Move) -> None:
        """Advance by one ply (either side's) played in the current position."""
        self._current_logits()
        self._h = self._h_next
        self._prev = move_to_index(move, self.board.turn)
        self._history.push(move)
        self._logits = None

    def probabilities(self) -> tuple[list[chess.Move], np.ndarray]:
        """Legal moves of the current position and their probabilities (softmax over legal only,
        then the player's book where they have been here before)."""
        indices, legal = legal_move_indices(self.board)
        if not legal:
            return [], np.zeros(0, dtype=np.float64)
        probabilities = softmax(self._current_logits()[indices])
        book = self.adapter.book
        if book is not None:
            probabilities = book.blend(probabilities, book.counts(self.board, indices))
        return legal, probabilities

    def top_moves(self, k: int = 5) -> list[Prediction]:
        legal, probs = self.probabilities()
        order = np.argsort(-probs, kind="stable")[:k]
        return [Prediction(legal[i], self.board.san(legal[i]), float(probs[i])) for i in order]


def pair(predictors: Mapping[chess.Color, GamePredictor]) -> None:
    """Tell the two players' predictors of one game who plays which colour: each gets the other's
    rating as its opponent's, so both run the prior at the same ratings and share its work."""
    for colour, predictor in predictors.items():
        other = predictors.get(not colour)
        predictor.set_game(colour, other.status.rating if other is not None else None)


class NullPredictor:
    """No usable model: predicts nothing and says why."""

    def __init__(self, reason: str) -> None:
        self.status = ModelStatus("none", reason)

    def reset(self, board: chess.Board | None = None) -> None:
        pass

    def push(self, move: chess.Move) -> None:
        pass

    def top_moves(self, k: int = 5) -> list[Prediction]:
        return []

    def set_game(self, colour: chess.Color, opponent_rating: int | None) -> None:
        pass


class BoundedPredictor:
    """A predictor whose plies are timed: a model slower than ``limit_s`` a ply for ``strikes``
    plies in a row is replaced by ``fallback(model, reason)`` (by default the base adapter over the
    same rating for a personal model, no model for the base one), which then follows the same game
    and is bounded in turn. The status says what happened.

    The slow ply itself still finishes (a running onnxruntime call cannot be stopped), so run
    predictors off the UI thread; this bounds how long a too-slow model keeps being served.
    """

    def __init__(self, predictor: GamePredictor,
                 fallback: Callable[[GamePredictor, str], GamePredictor] | None = None, *,
                 limit_s: float = STEP_LIMIT_S, strikes: int = SLOW_PLIES,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.predictor = predictor
        self.fallback = fallback or fallback_for
        self.limit_s, self.strikes, self.clock = limit_s, strikes, clock
        self._board = chess.Board()  # the game followed, to replay into a replacement
        self._game: tuple[chess.Color, int | None] | None = None  # told to a replacement too
        self._slow = 0

    @property
    def status(self) -> ModelStatus:
        return self.predictor.status

    def reset(self, board: chess.Board | None = None) -> None:
        self._board = board.copy() if board is not None else chess.Board()
        plies = max(1, len(self._board.move_stack))  # a replay runs the model once per ply
        self._timed(lambda: self.predictor.reset(board), plies)

    def push(self, move: chess.Move) -> None:
        self._board.push(move)
        self._timed(lambda: self.predictor.push(move))

    def top_moves(self, k: int = 5) -> list[Prediction]:
        return self._timed(lambda: self.predictor.top_moves(k))

    def set_game(self, colour: chess.Color, opponent_rating: int | None) -> None:
        self._game = (colour, opponent_rating)
        self._timed(lambda: self.predictor.set_game(colour, opponent_rating), max(1, len(self._board.move_stack)))

    def _timed(self, call: Callable[[], T], plies: int = 1) -> T:
        started = self.clock()
        result = call()
        per_ply = (self.clock() - started) / plies
        self._slow = self._slow + 1 if per_ply > self.limit_s else 0
        if self._slow >= self.strikes:
            self._replace(per_ply)
        return result

    def _replace(self, per_ply: float) -> None:
        slow = self.predictor.status
        reason = f"the {slow.kind} model took {per_ply:.1f} s a move, too slow to follow the game"
        log.warning("%s (%s)", reason, slow.description)
        replacement = self.fallback(self.predictor, reason)
        if self._game is not None:
            replacement.set_game(*self._game)
        replacement.reset(self._board)
        self.predictor, self._slow = replacement, 0


def fallback_for(predictor: GamePredictor, reason: str) -> GamePredictor:
    """The next model down from ``predictor`` (too slow: ``reason``): the base adapter at the same
    rating for a personal model, none for the base model."""
    status = predictor.status
    if status.kind == "personal":
        try:
            return _with_problems(open_model(base_model_dir(), rating=status.rating), [reason])
        except ModelError as error:
            return NullPredictor(f"no predictions: {reason}; {error}")
    return NullPredictor(f"no predictions: {reason}")


def describe(info: ModelInfo, rating: int, opponent: int | None = None) -> str:
    """The panel's words for a model: "Maia-3 at 1,450 vs 1,700 + personal model from 2,273 games
    (its network trained on the newest 1,273)". Every game counts in the player's book; the network
    learns from the newest only (the figure the training's summary gives), so both numbers are said."""
    prior = f"{PRIOR_NAME} at {rating:,}" + (f" vs {rating_key(opponent):,}" if opponent is not None else "")
    if info.kind == "personal":
        network = int(info.meta.get("training", {}).get("train_games") or 0)
        part = f" (its network trained on the newest {network:,})" if 0 < network < info.games_trained else ""
        return f"{prior} + personal model from {info.games_trained:,} games{part}"
    if info.meta.get("identity"):  # the bundled adapter that passes the prior through unchanged
        return prior
    return f"{prior} + base adapter (many players' games)"


def open_model(folder: Path, *, rating: int | None = None, description: str | None = None) -> ModelPredictor:
    """A predictor for the model in ``folder`` with the player at ``rating`` (default: the rating
    the model was trained at, else the default rating).

    :raises ModelError: when the folder holds no usable model or the prior cannot be run.
    """
    info = load_model_info(folder)
    rating = rating_key(rating or info.rating or DEFAULT_RATING)
    try:
        prior = prior_session()
    except PriorError as error:
        raise ModelError(str(error)) from error
    status = ModelStatus(info.kind, description or describe(info, rating), info.games_trained, rating)
    return ModelPredictor(AdapterSession(info), prior, status,
                          describe=None if description else lambda own, opponent: describe(info, own, opponent))


def player_rating(player: Player, store: Store) -> int:
    """The prior's rating for ``player`` (:func:`kibitz.engine.models.player_rating`)."""
    return models.player_rating(store, player)


def open_predictor(player: Player | None, store: Store | None, *,
                   without_games: frozenset[int] = frozenset()) -> GamePredictor:
    """The predictor for what serves ``player`` (:func:`kibitz.engine.models.served_model`: their
    personal model, else the base adapter), with their live book: every stored game counted but
    ``without_games`` (a stored game under review: its own moves must not predict themselves).

    Never raises for a missing or broken model, or malformed model details in the store (the
    store reads damaged ones as a model not to serve); the status says what was chosen and why. The store is only read during this call.
    """
    try:
        served = models.served_model(store, player)
        try:
            predictor = open_model(served.info.folder, rating=served.rating)
        except ModelError as error:  # its graph or book does not load: the base adapter, and say why
            if not served.personal:
                raise
            log.warning("personal model of %s unusable: %s", player.name if player else "?", error)
            served = models.ServedModel(load_model_info(base_model_dir()), served.rating, None,
                                        served.problem or f"personal model unusable: {error}")
            predictor = open_model(served.info.folder, rating=served.rating)
    except ModelError as error:
        log.warning("base model unusable: %s", error)
        return NullPredictor(f"no predictions: {error}")
    if player is not None and store is not None:
        try:
            predictor.adapter.book = models.served_book(store, player, served.info, without=without_games)
            if predictor.adapter.book is not None and not served.personal:
                games = plural(len(models.player_game_ids(store, player.id)), "game")
                predictor.note(f" + {player.name}'s openings from their {games}")
        except (OSError, ValueError) as error:  # an unreadable count table: the network alone, and say so
            log.warning("the book of %s is unusable: %s", player.name, error)
    if served.problem:
        log.warning("personal model of %s not served: %s", player.name if player else "?", served.problem)
        predictor.note(f" - {served.problem}")
    return predictor


def _with_problems(predictor: ModelPredictor, problems: list[str]) -> ModelPredictor:
    """``predictor`` whose status also says what was wrong (the first problem, the cause)."""
    if problems:
        predictor.note(f" - {problems[0]}")
    return predictor
