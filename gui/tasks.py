"""Long work off the UI thread, behind a progress dialog that says what is happening and can cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool
from PySide6.QtWidgets import QProgressDialog, QWidget

from kibitz.gui.workers import Worker

Report = Callable[[Any], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class Progress:
    """What a task reports: ``done`` of ``total`` (total 0: no measure yet), and what it is doing."""

    done: int
    total: int
    text: str = ""


class Tasks(QObject):
    """Runs ``function(report, cancelled)`` in a pool; the window waits for them at close."""

    def __init__(self, pool: QThreadPool, window: QWidget) -> None:
        super().__init__(window)
        self.pool = pool
        self.window = window
        self.closed = False
        self._workers: list[Worker] = []

    def run(self, title: str, label: str, function: Callable[[Report, Cancelled], Any],
            on_done: Callable[[Any], None], on_failed: Callable[[str], None]) -> Worker:
        cancel = threading.Event()
        dialog = QProgressDialog(label, "Cancel", 0, 0, self.window)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(cancel.set)
        worker = Worker(lambda report: function(report, cancel.is_set))

        def progressed(value: Any) -> None:
            if not isinstance(value, Progress):
                return
            if value.text:
                dialog.setLabelText(value.text)
            if value.total > 0 and value.done < value.total:
                dialog.setMaximum(value.total)
                dialog.setValue(value.done)
            else:  # nothing to measure, or the measured part is done and the rest is not: busy
                dialog.setMaximum(0)

        def finished() -> None:
            dialog.reset()
            dialog.deleteLater()
            if worker in self._workers:
                self._workers.remove(worker)

        worker.signals.progressed.connect(progressed)
        worker.signals.succeeded.connect(lambda result: None if self.closed else on_done(result))
        worker.signals.failed.connect(lambda message: None if self.closed else on_failed(message))
        worker.signals.finished.connect(finished)
        self._workers.append(worker)
        self.pool.start(worker)
        return worker

    @property
    def running(self) -> int:
        return len(self._workers)
