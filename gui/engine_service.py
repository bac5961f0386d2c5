"""The chess engine for the window: found through the settings, run off the UI thread, one search
at a time, every job cancellable (a new position cancels the job asked for the old one).

Jobs run in a pool of their own with one thread, so an engine search never waits behind a model
or store task and never makes a move wait: the window only starts jobs and hears their results.
The engine process starts at the first job and stays for the next; :meth:`close` ends it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from kibitz.engine.analysis import NO_ENGINE, Cancelled, Engine, EngineError, find_engine
from kibitz.engine.eval_cache import EvalCache
from kibitz.gui.settings import AppSettings
from kibitz.gui.workers import Worker

Locator = Callable[[str | None], Path | None]
#: function(engine, cancelled, report) -> result, run in the engine's thread
EngineWork = Callable[[Engine, Callable[[], bool], Callable[[Any], None]], Any]


class EngineJob:
    """A running or waiting job: cancel it and its result is dropped (the engine stops searching)."""

    def __init__(self, service: EngineService, worker: Worker) -> None:
        self.service = service
        self.worker = worker
        self.cancelled = threading.Event()
        self.done = False

    def cancel(self) -> None:
        if not self.done and not self.cancelled.is_set():
            self.cancelled.set()
            self.service._stop_search(self)


class EngineService(QObject):
    availability_changed = Signal(bool)

    def __init__(self, settings: AppSettings, home: Path | None, parent: QObject | None = None, *,
                 locator: Locator = find_engine) -> None:
        super().__init__(parent)
        self.settings = settings
        self.home = home
        self.locator = locator
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one search at a time: the engine is one process
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        self._running: EngineJob | None = None
        self._jobs: dict[str, EngineJob] = {}
        self.closed = False

    # ------------------------------------------------------------------ which engine --
    def path(self) -> Path | None:
        return self.locator(self.settings.engine_path or None)

    @property
    def available(self) -> bool:
        return not self.closed and self.path() is not None

    def missing_text(self) -> str:
        """One line on how to get an engine (or why the chosen one is not usable)."""
        chosen = self.settings.engine_path
        if chosen and self.path() is None:
            return (f"The chosen chess engine ({chosen}) is not an executable file: choose another in "
                    "Insight → Chess engine…")
        return NO_ENGINE

    def set_path(self, path: str) -> None:
        """Use the engine at ``path`` ("" : find one on this computer); the running one is ended."""
        self.settings.engine_path = path
        self._end_engine()
        self.availability_changed.emit(self.available)

    # ----------------------------------------------------------------------- jobs --
    def run(self, key: str, work: EngineWork, succeeded: Callable[[Any], None], failed: Callable[[str], None],
            progressed: Callable[[Any], None] | None = None) -> EngineJob | None:
        """Start ``work`` as the job ``key`` (a window's channel: "hint", "review 12"...), cancelling the
        previous job of that key. None when there is no engine (the caller shows :meth:`missing_text`)."""
        if not self.available:
            return None
        previous = self._jobs.get(key)
        if previous is not None:
            previous.cancel()
        job_box: list[EngineJob] = []

        def function(report: Callable[[Any], None]) -> Any:
            job = job_box[0]
            if job.cancelled.is_set():
                return None  # cancelled before it started
            engine = self._ensure_engine()
            self._running = job
            try:
                return work(engine, job.cancelled.is_set, report)
            except Cancelled:
                return None  # nobody waits for a cancelled job's result
            except EngineError:
                self._end_engine()  # it died or went wrong: the next job starts a fresh one
                raise
            finally:
                self._running = None

        worker = Worker(function)
        job = EngineJob(self, worker)
        job_box.append(job)
        self._jobs[key] = job

        def finish(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            def deliver(value: Any) -> None:
                job.done = True
                if self._jobs.get(key) is job:
                    del self._jobs[key]
                if not job.cancelled.is_set() and not self.closed:
                    callback(value)
            return deliver

        worker.signals.succeeded.connect(finish(succeeded))
        worker.signals.failed.connect(finish(failed))
        if progressed is not None:
            worker.signals.progressed.connect(lambda value: None if job.cancelled.is_set() else progressed(value))
        self.pool.start(worker)
        return job

    def cancel(self, key: str) -> None:
        job = self._jobs.get(key)
        if job is not None:
            job.cancel()

    def _stop_search(self, job: EngineJob) -> None:
        engine = self._engine
        if engine is not None and self._running is job:
            engine.cancel()

    def _ensure_engine(self) -> Engine:
        with self._engine_lock:
            if self._engine is None:
                path = self.path()
                if path is None:
                    raise RuntimeError(self.missing_text())
                cache = EvalCache.in_home(self.home) if self.home is not None else None
                self._engine = Engine.open(path, cache=cache)
            return self._engine

    def _end_engine(self) -> None:
        with self._engine_lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
            if engine.cache is not None:
                engine.cache.close()

    def close(self) -> None:
        """Cancel every job, wait for the engine's thread, end the engine (the window is closing)."""
        self.closed = True
        for job in list(self._jobs.values()):
            job.cancel()
        self.pool.waitForDone(10000)
        self._end_engine()
