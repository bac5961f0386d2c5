"""A thread of its own that runs jobs one after another, and lets a newer job replace a waiting one.

Made for predictions: the window asks for them after every move, and a model may take far longer
than a move (a busy machine, a large prior). The jobs run in order on this worker's own thread -
never the UI thread, and not the window's shared pool, where an import or a review would make them
wait - so they may keep state between jobs (a recurrent model following the game) without locks. A
job submitted under a ``slot`` replaces the one still waiting under that slot (only the newest
position matters), and every result reaches the UI thread as a signal carrying the job's tag, so
the receiver can drop one for a position it no longer shows.

>>> worker = SerialWorker()                                        # doctest: +SKIP
>>> worker.done.connect(lambda tag, result: print(tag, result))    # doctest: +SKIP
>>> worker.submit("ply 3", lambda: predict(board), slot="position")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class SerialWorker(QObject):
    """Runs submitted functions in order on one background thread (started on first use)."""

    done = Signal(object, object)  # tag, the function's result
    failed = Signal(object, str)  # tag, the error in words (the traceback is logged)

    def __init__(self, parent: QObject | None = None, *, name: str = "kibitz-worker") -> None:
        super().__init__(parent)
        self.name = name
        self._jobs: list[tuple[object, str | None, Callable[[], Any]]] = []
        self._changed = threading.Condition()
        self._running = False
        self._stopped = False
        self._thread: threading.Thread | None = None

    def submit(self, tag: object, function: Callable[[], Any], *, slot: str | None = None) -> None:
        """Run ``function()`` after the jobs before it; a job still waiting under ``slot`` is dropped."""
        with self._changed:
            if self._stopped:
                return
            if slot is not None:
                self._jobs = [job for job in self._jobs if job[1] != slot]
            self._jobs.append((tag, slot, function))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._changed.notify()

    def cancel_pending(self) -> None:
        """Drop every job not started yet (the one running finishes)."""
        with self._changed:
            self._jobs.clear()

    @property
    def idle(self) -> bool:
        """Nothing running and nothing waiting (results may still be on their way to the UI thread)."""
        with self._changed:
            return not self._jobs and not self._running

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Drop waiting jobs, let the running one finish, end the thread; False if it did not end in time."""
        with self._changed:
            self._stopped = True
            self._jobs.clear()
            self._changed.notify_all()
            thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._jobs and not self._stopped:
                    self._changed.wait()
                if self._stopped:
                    return
                tag, _, function = self._jobs.pop(0)
                self._running = True
            try:
                result = function()
            except Exception as error:  # reported to the receiver, never swallowed
                log.error("background job %r failed:\n%s", tag, traceback.format_exc())
                self._emit(self.failed, tag, f"{type(error).__name__}: {error}")
            else:
                self._emit(self.done, tag, result)
            finally:
                with self._changed:
                    self._running = False

    def _emit(self, signal: Any, tag: object, value: object) -> None:
        try:
            signal.emit(tag, value)
        except RuntimeError:  # the receiver's window was destroyed meanwhile: nobody to tell
            log.debug("result of %r dropped: the worker's owner is gone", tag)
