"""The human-move prior: CSSLab's Maia-3 5M (Chessformer), run by onnxruntime in batches.

The graph in ``kibitz.assets/maia3`` (written by ``kibitz-train convert-maia3``; AGPL-3.0, licence
and attribution beside it) maps ``tokens`` ``[N, 64, 96]`` (:mod:`kibitz.engine.features`),
``self_elo`` and ``oppo_elo`` (int64 ``[N]``: the ratings of the side to move and of the other
side, continuous) to

* ``logits_move`` ``[N, 4352]`` (:mod:`kibitz.engine.moves`; mask to the legal moves), and
* ``pooled`` ``[N, 256]``: the transformer's final representation of the position (its 64 square
  tokens averaged and layer-normed, what its value head reads) - what a player's adapter reads,
  small enough to keep for every stored position (:mod:`kibitz.engine.prior_outputs`).

Ratings are rounded to ``RATING_STEP`` before they reach the graph, so outputs computed once can be
found again (and a rating fitted to a few points' precision would mean nothing anyway). Every ply
of a game runs at (the mover's rating, the other side's): both players' predictors following one
game ask the same question, and a session remembers its last few single-position answers, so the
prior runs once per position for the two of them.

>>> rating_key(1537), rating_key(90), rating_key(None)
(1550, 400, 1500)
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np

from kibitz.engine.features import TOKEN_SHAPE
from kibitz.engine.moves import VOCAB_SIZE

GRAPH_NAME: Final = "maia3-5m.onnx"
PRIOR_NAME: Final = "Maia-3"
POOLED_SIZE: Final = 256
#: Positions per onnxruntime call when scoring many: larger batches gain little on 2 cores
#: (bench/predictor_bench.py) and a batch's float32 tokens stay a few MB.
BATCH: Final = 64
#: The rating used where none is known (a new player before their level is given or fitted).
DEFAULT_RATING: Final = 1500
RATING_STEP: Final = 50
#: Ratings the app uses: the player dialog's range (Maia-3 itself clips to 0 ... 5000).
MIN_RATING: Final = 400
MAX_RATING: Final = 3000
#: Single-position runs a session remembers (both players' predictors, a ply or two apart).
RECENT_RUNS: Final = 4


class PriorError(Exception):
    """The prior's graph is missing or cannot be run; the message says why, for people."""


def rating_key(rating: float | None) -> int:
    """A rating as the prior gets it: rounded to ``RATING_STEP``, clipped to the app's range
    (None: the default)."""
    if rating is None or not np.isfinite(rating):
        return DEFAULT_RATING
    rounded = int(round(float(rating) / RATING_STEP)) * RATING_STEP
    return min(max(rounded, MIN_RATING), MAX_RATING)


def prior_path() -> Path:
    return Path(str(resources.files("kibitz.assets") / "maia3" / GRAPH_NAME))


def cpu_session(path: Path, threads: int) -> Any:
    """An onnxruntime session on ``path``: CPU provider, ``threads`` intra-op threads, quiet.

    :raises Exception: onnxruntime's own error types when the file is not a graph it can run.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@dataclass(frozen=True)
class PriorOutputs:
    logits: np.ndarray  # float32 [N, 4352]
    pooled: np.ndarray  # float32 [N, 256]


class PriorSession:
    """The batched Maia-3 graph on onnxruntime's CPU provider (graph optimisations on).

    :raises PriorError: when the graph is missing or onnxruntime cannot load it.
    """

    def __init__(self, *, threads: int = 1, path: Path | None = None, remember: int = RECENT_RUNS) -> None:
        """``path``: another graph than the shipped one (benchmarks, the converter's checks);
        ``remember``: how many single-position runs to keep (0: none)."""
        path = path or prior_path()
        if not path.is_file():
            raise PriorError(f"the {PRIOR_NAME} prior is missing ({path}); reinstall kibitz")
        try:
            self._session = cpu_session(path, threads)
        except Exception as problem:  # onnxruntime raises its own (Fail, InvalidGraph, ...) types
            raise PriorError(f"the {PRIOR_NAME} prior {path} cannot be loaded ({problem})") from problem
        self.path = path
        self._lock = threading.Lock()  # one run at a time: sessions are shared between predictors
        self._recent: deque[tuple[bytes, PriorOutputs]] = deque(maxlen=remember)

    def run(self, tokens: np.ndarray, self_elo: float | np.ndarray, oppo_elo: float | np.ndarray) -> PriorOutputs:
        """Move logits and ``pooled`` for ``tokens`` ``[N, 64, 96]``; a rating may be one number for
        every position or one per position (each rounded by :func:`rating_key`).

        A single position asked again within the last few single-position runs, at the same
        ratings, is answered from memory (the same arrays, read-only: the prior is a pure function).
        """
        if tokens.ndim != 3 or tokens.shape[1:] != TOKEN_SHAPE:
            raise ValueError(f"tokens must be [N, 64, 96], not {list(tokens.shape)}")
        count = len(tokens)
        feeds = {"tokens": np.ascontiguousarray(tokens, np.float32),
                 "self_elo": _ratings(self_elo, count), "oppo_elo": _ratings(oppo_elo, count)}
        if count != 1 or not self._recent.maxlen:
            with self._lock:
                return self._run(feeds)
        key = np.ascontiguousarray(tokens, np.uint8).tobytes() + feeds["self_elo"].tobytes() + feeds["oppo_elo"].tobytes()
        with self._lock:
            for seen, outputs in self._recent:
                if seen == key:
                    return outputs
            outputs = self._run(feeds)
            outputs.logits.flags.writeable = False
            outputs.pooled.flags.writeable = False
            self._recent.appendleft((key, outputs))
        return outputs

    def _run(self, feeds: dict[str, np.ndarray]) -> PriorOutputs:
        logits, pooled = self._session.run(["logits_move", "pooled"], feeds)
        return PriorOutputs(np.asarray(logits), np.asarray(pooled))

    def run_batched(self, tokens: np.ndarray, self_elo: float | np.ndarray, oppo_elo: float | np.ndarray,
                    *, batch: int = BATCH) -> PriorOutputs:
        """:meth:`run` over many positions in slices of ``batch``."""
        count = len(tokens)
        selfs, oppos = _ratings(self_elo, count), _ratings(oppo_elo, count)
        logits = np.empty((count, VOCAB_SIZE), np.float32)
        pooled = np.empty((count, POOLED_SIZE), np.float32)
        for start in range(0, count, batch):
            part = slice(start, start + batch)
            out = self.run(tokens[part], selfs[part], oppos[part])
            logits[part] = out.logits
            pooled[part] = out.pooled
        return PriorOutputs(logits, pooled)


def _ratings(rating: float | np.ndarray, count: int) -> np.ndarray:
    values = np.broadcast_to(np.asarray(rating, np.float64), (count,))
    if not np.all(np.isfinite(values)):
        raise ValueError("a rating given to the prior is not a number")
    rounded = np.rint(values / RATING_STEP) * RATING_STEP
    ratings: np.ndarray = np.clip(rounded, MIN_RATING, MAX_RATING).astype(np.int64)
    return ratings


@lru_cache(maxsize=4)
def prior_session(threads: int = 1) -> PriorSession:
    """The shared session (created on first use)."""
    return PriorSession(threads=threads)
