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
