"""The human-move prior: Maia-1's nine rating-band networks, run by onnxruntime.

Each band (1100 ... 1900, 100 points of lichess rating) is one ONNX graph in
``kibitz.assets/maia`` (converted from the public nets by ``training/maia_export.py``; GPL-3.0,
licence and attribution beside them). A graph maps lc0's 112 input planes to the band's policy
logits over the 1,858-move vocabulary and its residual tower's output, which kibitz's adapter
reads. Sessions are cached per (band, threads): several predictors share one, and a session
remembers its last few single-position runs, so two predictors of the same band following the
same game (the app's two players) run the prior once per position, not twice.

>>> sorted(BANDS)[:2]
[1100, 1200]
>>> band_for_rating(1547)
1500
"""

from __future__ import annotations

import threading
from collections import deque
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np

BANDS: Final = tuple(range(1100, 2000, 100))
DEFAULT_BAND: Final = 1500
TOWER_SHAPE: Final = (64, 8, 8)
#: Single-position runs a session remembers (both players' predictors, a ply or two apart).
RECENT_RUNS: Final = 4


class PriorError(Exception):
    """A prior graph that is missing or cannot be run; the message says why, for people."""


def band_for_rating(rating: float | None) -> int:
    """The Maia band for a rating: its hundreds, clipped to 1100 ... 1900 (None: the default)."""
    if rating is None:
        return DEFAULT_BAND
    return int(min(max(int(rating) // 100 * 100, BANDS[0]), BANDS[-1]))


def prior_dir() -> Path:
    return Path(str(resources.files("kibitz.assets") / "maia"))


def prior_path(band: int) -> Path:
    if band not in BANDS:
        raise PriorError(f"there is no Maia-1 band {band}; the bands are {BANDS[0]} to {BANDS[-1]}")
    return prior_dir() / f"maia-{band}.onnx"


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


def prior_graph(path: Path, threads: int, *, name: str, error: type[Exception]) -> Any:
    """:func:`cpu_session` on a shipped prior graph, every failure one sentence naming the prior.

    :raises error: when the file is missing or onnxruntime cannot load it.
    """
    if not path.is_file():
        raise error(f"the {name} is missing ({path}); reinstall kibitz")
    try:
        return cpu_session(path, threads)
    except Exception as problem:  # onnxruntime raises its own (Fail, InvalidGraph, ...) types
        raise error(f"the {name} {path} cannot be loaded ({problem})") from problem


class PriorSession:
    """One band's graph: planes ``[N, 112, 8, 8]`` -> (policy logits ``[N, 1858]``, tower ``[N, 64, 8, 8]``).

    :raises PriorError: when the graph is missing or onnxruntime cannot load it.
    """

    def __init__(self, band: int, *, threads: int = 1, path: Path | None = None, remember: int = RECENT_RUNS) -> None:
        """``path``: another graph for the band than the shipped one (benchmarks); ``remember``:
        how many single-position runs to keep (0: none)."""
        path = path or prior_path(band)
        self._session = prior_graph(path, threads, name=f"Maia-1 prior for band {band}", error=PriorError)
        self.band = band
        self.path = path
        self._lock = threading.Lock()  # one run at a time: sessions are shared between predictors
        self._recent: deque[tuple[bytes, tuple[np.ndarray, np.ndarray]]] = deque(maxlen=remember)

    def run(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Policy logits and tower output for a batch of planes (float32).

        A single position seen in one of the last few single-position runs is answered from
        memory (the same arrays, read-only: the prior is a pure function of the planes).
        """
        planes = planes.astype(np.float32, copy=False)
        if len(planes) != 1 or not self._recent.maxlen:
            with self._lock:
                policy, tower = self._session.run(["policy", "tower"], {"planes": planes})
            return policy, tower
        key = planes.tobytes()  # 28 KB; comparing stops at the first differing byte
        with self._lock:
            for seen, outputs in self._recent:
                if seen == key:
                    return outputs
            policy, tower = self._session.run(["policy", "tower"], {"planes": planes})
            policy.flags.writeable = False
            tower.flags.writeable = False
            self._recent.appendleft((key, (policy, tower)))
        return policy, tower

    def run_batched(self, planes: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`run` over a large array in slices of ``batch`` positions."""
        policies, towers = [], []
        for start in range(0, len(planes), batch):
            policy, tower = self.run(planes[start : start + batch])
            policies.append(policy)
            towers.append(tower)
        if not policies:
            return np.zeros((0, 1858), np.float32), np.zeros((0, *TOWER_SHAPE), np.float32)
        return np.concatenate(policies), np.concatenate(towers)


@lru_cache(maxsize=32)
def prior_session(band: int, threads: int = 1) -> PriorSession:
    """The shared session of ``band`` (created on first use)."""
    return PriorSession(band, threads=threads)
