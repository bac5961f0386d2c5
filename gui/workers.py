"""Background work: a ``QRunnable`` that runs a function and reports through a signal-holding QObject."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    """Lives in the GUI thread; the worker emits, so receivers run in the GUI thread (queued)."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    finished = Signal()


class Worker(QRunnable):
    """Run ``function(report)`` off the GUI thread; ``report(x)`` emits ``progressed(x)``.

    The function's return value is emitted as ``succeeded``, an exception as ``failed`` (with
    the message; the traceback is logged), and ``finished`` always follows.
    """

    def __init__(self, function: Callable[[Callable[[Any], None]], Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.function = function
        self.signals = WorkerSignals()

    def run(self) -> None:
        try:
            result = self.function(self.signals.progressed.emit)
        except Exception as error:  # reported, never swallowed
            log.error("background task failed:\n%s", traceback.format_exc())
            self.signals.failed.emit(f"{type(error).__name__}: {error}")
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


def start_worker(pool: QThreadPool, function: Callable[[], Any], succeeded: Callable[[Any], None],
                 failed: Callable[[str], None]) -> Worker:
    """Run ``function()`` in ``pool``; its result goes to ``succeeded``, an error's message to ``failed``."""
    worker = Worker(lambda report: function())
    worker.signals.succeeded.connect(succeeded)
    worker.signals.failed.connect(failed)
    pool.start(worker)
    return worker



def start_store_worker(pool: QThreadPool, open_store: Callable[[], Any] | None, shared: Any,
                       work: Callable[[Any], Any], succeeded: Callable[[Any], None],
                       failed: Callable[[str], None]) -> Worker:
    """:func:`start_worker` for ``work(store)``: on a store connection of the worker's own when
    ``open_store`` is given, so that a long read never runs on the connection the window writes
    moves through; on ``shared`` otherwise (tests, and windows given no opener)."""

    return start_worker(pool, lambda: call_with_store(open_store, shared, work), succeeded, failed)


def call_with_store(open_store: Callable[[], Any] | None, shared: Any, work: Callable[[Any], Any]) -> Any:
    """``work(store)`` on a connection of its own (closed after) when ``open_store`` is given, else on ``shared``."""
    if open_store is None:
        return work(shared)
    store = open_store()
    try:
        return work(store)
    finally:
        store.close()
