"""The entry point opens a window on the store in KIBITZ_HOME and returns when it closes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from kibitz.gui import app as app_module
from kibitz.gui.main_window import MainWindow


def test_main_opens_and_closes(qtbot: Any, kibitz_home: Path, qsettings: Any,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[MainWindow] = []
    monkeypatch.setattr(app_module, "QSettings", lambda: qsettings)  # never the user's settings
    monkeypatch.setattr(MainWindow, "startup", lambda self: started.append(self))

    def close_all() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()

    QTimer.singleShot(0, lambda: QTimer.singleShot(0, close_all))
    assert app_module.main([]) == 0
    assert started and (kibitz_home / "kibitz.sqlite3").exists()


def test_many_void_qt_calls_do_not_exhaust_none() -> None:
    color = QColor()
    before = sys.getrefcount(None)
    for _ in range(200_000):
        color.setAlphaF(0.5)
    # Either this PySide6 keeps None's count, or the work-around gave None a count it cannot exhaust.
    assert sys.getrefcount(None) >= before - 1000 or before > 200_000


def test_a_second_window_on_one_data_folder_is_refused(qtbot: Any, kibitz_home: Path, qsettings: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QLockFile

    messages: list[str] = []
    monkeypatch.setattr(app_module, "QSettings", lambda: qsettings)
    monkeypatch.setattr(app_module.QMessageBox, "critical", lambda parent, title, text: messages.append(text))
    monkeypatch.setattr(MainWindow, "__init__", lambda *a, **k: pytest.fail("a second window was opened"))
    first = QLockFile(str(kibitz_home / app_module.LOCK_NAME))  # what the first window holds
    assert first.tryLock(0)
    try:
        assert app_module.main([]) == 1
    finally:
        first.unlock()
    assert len(messages) == 1 and "already open" in messages[0] and str(kibitz_home) in messages[0]
