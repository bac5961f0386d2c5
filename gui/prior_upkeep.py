"""Keeps the prior's outputs of stored games up to date in the background (engine/prior_outputs.py).

After a game is finished here or an import ends, the players' games not kept yet are run through
the prior on a thread of its own (a :class:`~kibitz.gui.serial_worker.SerialWorker`, so never the
UI thread, and never the window's shared pool, where it would hold up an import or a review), on a
store connection of its own, at low CPU priority where the system allows it, so the game being
played keeps its speed. Closing the window cancels the run between two batches of a few games;
what was kept stays. Nothing here is shown: the outputs are a cache a retrain reads.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal

from kibitz.engine.priors import PriorSession
from kibitz.gui.serial_worker import SerialWorker

#: ``upkeep(store, player_ids, session=..., cancel=...) -> games computed`` (engine.prior_outputs.upkeep).
UpkeepFunction = Callable[..., int]
#: Niceness of the upkeep thread (Linux: per thread): the prior yields the CPU to the game in play.
NICENESS = 10


class PriorUpkeep(QObject):
    """Runs the prior's upkeep for players on its own thread; ``kept(games computed)`` after each run."""

    kept = Signal(int)
    failed = Signal(str)

    def __init__(self, open_store: Callable[[], Any], upkeep: UpkeepFunction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_store = open_store
        self._upkeep = upkeep
        self._cancel = threading.Event()
        self._session: PriorSession | None = None  # used on the worker's thread only
        self._worker = SerialWorker(self, name="kibitz-prior-upkeep")
        self._worker.done.connect(lambda _tag, count: self.kept.emit(count))
        self._worker.failed.connect(lambda _tag, message: self.failed.emit(message))

    def request(self, player_ids: Iterable[int] | None) -> None:
        """Keep the outputs of those players' games (every player: None), after the runs before."""
        ids = None if player_ids is None else sorted(set(player_ids))
        if ids == []:
            return
        self._worker.submit(("upkeep", ids), lambda: self._run(ids))

    @property
    def idle(self) -> bool:
        return self._worker.idle

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Cancel the run (it stops after its current batch) and end the thread."""
        self._cancel.set()
        return self._worker.stop(timeout_s)

    def _run(self, player_ids: list[int] | None) -> int:
        _lower_priority()
        store = self._open_store()
        try:
            if self._session is None:
                self._session = PriorSession(threads=1, remember=0)
            # No prior or a full disk raises: reported by ``failed`` (and logged); a cache not kept, nothing lost.
            return self._upkeep(store, player_ids, session=self._session, cancel=self._cancel.is_set)
        finally:
            store.close()


def _lower_priority() -> None:
    """Lower this thread's CPU priority (Linux threads have their own niceness; elsewhere: no-op)."""
    if not sys.platform.startswith("linux"):  # elsewhere a thread id is no process id to setpriority
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), NICENESS))
    except OSError:
        pass  # not allowed here: runs at the usual priority
