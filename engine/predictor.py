"""Live move prediction for one player through one game, with onnxruntime (no torch).

A predictor follows the game ply by ply - both sides' moves - carrying the model's hidden state,
and on request gives the most likely next moves in the current position, illegal moves masked
out. Takebacks and loaded positions replay the game from its first position.

``open_predictor`` never raises for a missing or broken model: it falls back from the player's
personal model to the bundled base model, and from there to a ``NullPredictor`` whose status says
why, so the board keeps working.

>>> import chess
>>> predictor = open_predictor(None, None)   # the bundled base model
>>> predictor.reset(chess.Board())
>>> [p.san for p in predictor.top_moves(3)]  # doctest: +SKIP
['e4', 'd4', 'Nf3']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import chess
import numpy as np

from kibitz.engine import features
from kibitz.engine.models import ModelError, ModelInfo, base_model_dir, load_model_info
from kibitz.engine.moves import NO_MOVE, legal_move_indices, move_to_index

if TYPE_CHECKING:
    from kibitz.engine.store import Player, Store

log = logging.getLogger(__name__)


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


class StepSession:
    """One ONNX step model: (features, prev_move, h) -> (logits, h_next), one thread.

    :raises ModelError: when onnxruntime cannot load the file or its inputs are not the contract's.
    """

    def __init__(self, info: ModelInfo) -> None:
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            # One thread: a second one made p99 latency 20x worse for this tiny graph.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._session = ort.InferenceSession(
                str(info.onnx_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own (Fail, InvalidGraph, ...) types
            raise ModelError(f"{info.onnx_path} cannot be loaded ({error})") from error
        names = sorted(i.name for i in self._session.get_inputs())
        if names != ["features", "h", "prev_move"]:
            raise ModelError(f"{info.onnx_path} has inputs {names}, not (features, prev_move, h)")
        self.hidden = info.hidden

    def step(self, feats: np.ndarray, prev_move: int, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, h_next = self._session.run(
            None,
            {
                "features": feats[None, :],
                "prev_move": np.array([prev_move], dtype=np.int64),
                "h": h,
            },
        )
        return logits[0], h_next


class GamePredictor(Protocol):
    status: ModelStatus

    def reset(self, board: chess.Board | None = None) -> None: ...
    def push(self, move: chess.Move) -> None: ...
    def top_moves(self, k: int = 5) -> list[Prediction]: ...


class ModelPredictor:
    """Follows one game with a step model; the state after each ply is computed once."""

    def __init__(self, session: StepSession, status: ModelStatus) -> None:
        self.session = session
        self.status = status
        self.reset()

    def reset(self, board: chess.Board | None = None) -> None:
        """Start over at ``board``'s first position and replay its moves (None: a new game)."""
        board = board or chess.Board()
        self._board = board.root()
        self._h = np.zeros((1, self.session.hidden), dtype=np.float32)
        self._prev = NO_MOVE
        self._logits: np.ndarray | None = None
        for move in board.move_stack:
            self.push(move)

    @property
    def board(self) -> chess.Board:
        return self._board

    def _current_logits(self) -> np.ndarray:
        if self._logits is None:
            self._logits, self._h_next = self.session.step(
                features.encode(self._board), self._prev, self._h
            )
        return self._logits

    def push(self, move: chess.Move) -> None:
        """Advance by one ply (either side's) played in the current position."""
        self._current_logits()
        self._h = self._h_next
        self._prev = move_to_index(move, self._board.turn)
        self._board.push(move)
        self._logits = None

    def probabilities(self) -> tuple[list[chess.Move], np.ndarray]:
        """Legal moves of the current position and their probabilities (softmax over legal only)."""
        indices, legal = legal_move_indices(self._board)
        if not legal:
            return [], np.zeros(0, dtype=np.float64)
        scores = self._current_logits()[indices].astype(np.float64)
        scores -= scores.max()
        weights = np.exp(scores)
        return legal, weights / weights.sum()

    def top_moves(self, k: int = 5) -> list[Prediction]:
        legal, probs = self.probabilities()
        order = np.argsort(-probs, kind="stable")[:k]
        return [Prediction(legal[i], self._board.san(legal[i]), float(probs[i])) for i in order]


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


def open_model(folder: Path, *, description: str | None = None) -> ModelPredictor:
    """A predictor for the model in ``folder``.

    :raises ModelError: when the folder holds no usable model.
    """
    info = load_model_info(folder)
    if description is None:
        if info.kind == "personal":
            description = f"personal model, trained on {info.games_trained:,} games"
        else:
            description = "base model (trained on many players' games)"
    return ModelPredictor(StepSession(info), ModelStatus(info.kind, description, info.games_trained))


def open_predictor(player: Player | None, store: Store | None) -> GamePredictor:
    """The best usable predictor for ``player``: personal model, else base model, else none.

    Never raises for a missing or broken model; the status says what was chosen and why. The
    store is only read during this call.
    """
    problems: list[str] = []
    if player is not None and store is not None:
        record = store.latest_model(player.id)
        if record is not None and record.meta.get("installed") is False:
            problems.append(str(record.meta.get("reason", "the personal model did not beat the base")))
        elif record is not None:
            try:
                return open_model(Path(record.path))
            except ModelError as error:
                log.warning("personal model of %s unusable: %s", player.name, error)
                problems.append(f"personal model unusable: {error}")
    try:
        predictor = open_model(base_model_dir())
    except ModelError as error:
        log.warning("base model unusable: %s", error)
        return NullPredictor("; ".join([*problems, f"no predictions: {error}"]))
    if problems:
        status = predictor.status
        predictor.status = ModelStatus(
            status.kind, f"{status.description} - {problems[0]}", status.games_trained
        )
    return predictor
