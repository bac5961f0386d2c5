"""Runs ``kibitz-train --progress json`` in a QProcess and turns its JSON lines into signals.

Training stays in its own process: torch never loads into the app, a crash cannot take the board
down, and cancelling is killing the process.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal

from kibitz.engine.words import TRAINING_INSTALL_HINT

log = logging.getLogger(__name__)

EXIT_NO_TORCH = 3
INSTALL_HINT = TRAINING_INSTALL_HINT
CommandFactory = Callable[[str | None, Path | None], tuple[str, list[str]]]


def training_available() -> bool:
    """Whether the training extra (torch) is installed where ``kibitz-train`` runs: this Python's
    environment. Looked up, not imported: torch never loads into the app."""
    return importlib.util.find_spec("torch") is not None


def default_command(player: str | None, home: Path | None = None) -> tuple[str, list[str]]:
    """``kibitz-train`` on the window's data folder (``home``), for one player or every changed one."""
    args = ["-m", "kibitz.training.cli", "--progress", "json"]
    if home is not None:
        args += ["--home", str(home)]
    if player:
        args += ["--player", player]
    return sys.executable, args


def parse_progress_line(line: str) -> dict[str, object] | None:
    """One JSON object per line; anything else (a stray print) is None.

    >>> parse_progress_line('{"event": "finished", "ok": true, "message": "done"}')["ok"]
    True
    >>> parse_progress_line("Epoch 1") is None
    True
    """
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) and "event" in value else None


class TrainingRunner(QObject):
    """One training run at a time."""

    progressed = Signal(dict)  # {"stage", "player", "done", "total", "message"}
    finished = Signal(bool, str)  # ok, message for people

    def __init__(self, command: CommandFactory = default_command, parent: QObject | None = None,
                 home: Path | None = None) -> None:
        super().__init__(parent)
        self.command = command
        self.home = home
        self.models: list[dict[str, object]] = []  # the run's "model" events: who was retrained, who not and why
        self.process: QProcess | None = None
        self._buffer = b""
        self._final: dict[str, object] | None = None
        self._stderr = b""

    @property
    def available(self) -> bool:
        """Whether a run can start here: ``kibitz-train`` needs the training extra (another command,
        as in the tests, is taken as able to run)."""
        return self.command is not default_command or training_available()

    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self, player: str | None = None, *, more_players: Sequence[str] = (),
              time_budget_s: float | None = None) -> bool:
        """Start a retrain (of ``player`` and ``more_players``, or every changed player); False if one runs.
        ``time_budget_s`` bounds each player's fine-tuning (learning after a game)."""
        if self.process is not None:
            return False
        program, args = self.command(player, self.home)
        for name in more_players:
            args = [*args, "--player", name]
        if time_budget_s is not None:
            args = [*args, "--time-budget", f"{time_budget_s:g}"]
        self._buffer, self._stderr, self._final = b"", b"", None
        self.models = []
        process = QProcess(self)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._process_finished)
        process.errorOccurred.connect(self._process_error)
        self.process = process
        process.start(program, args)
        return True

    def cancel(self) -> None:
        if self.process is not None:
            self.process.kill()

    def shutdown(self, msecs: int = 3000) -> None:
        """Kill a running training at teardown and wait for it."""
        process = self.process
        if process is not None:
            process.blockSignals(True)
            process.kill()
            process.waitForFinished(msecs)
            self.process = None

    def _read_stdout(self) -> None:
        assert self.process is not None
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            self._handle_line(raw.decode("utf-8", "replace"))

    def _read_stderr(self) -> None:
        assert self.process is not None
        self._stderr = (self._stderr + bytes(self.process.readAllStandardError().data()))[-20000:]

    def _handle_line(self, line: str) -> None:
        event = parse_progress_line(line)
        if event is None:
            if line.strip():
                log.info("kibitz-train: %s", line.strip())
            return
        kind = event.get("event")
        if kind == "progress":
            self.progressed.emit(event)
        elif kind == "model":
            self.models.append(event)
        elif kind == "finished":
            self._final = event

    def _process_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        if self.process is None:
            return
        self._read_stdout()
        self._read_stderr()
        if self._buffer.strip():
            self._handle_line(self._buffer.decode("utf-8", "replace"))
            self._buffer = b""
        stderr = self._stderr.decode("utf-8", "replace")
        self.process.deleteLater()
        self.process = None
        if exit_status == QProcess.ExitStatus.CrashExit:
            self.finished.emit(False, "Training was stopped.")
            return
        message = str(self._final.get("message", "")) if self._final else ""
        if exit_code == EXIT_NO_TORCH or "No module named 'torch'" in stderr:
            self.finished.emit(False, f"{message}\n{INSTALL_HINT}".strip() if INSTALL_HINT not in message else message)
            return
        ok = exit_code == 0 and bool(self._final.get("ok", True) if self._final else True)
        if not message:
            tail = stderr.strip().splitlines()[-1:] if stderr.strip() else []
            message = "Training finished." if ok else f"Training failed (exit code {exit_code}). {' '.join(tail)}"
        self.finished.emit(ok, message)

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self.process is not None:
            self.process.deleteLater()
            self.process = None
            self.finished.emit(False, "Could not start the training process.")
