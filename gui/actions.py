"""Menu actions with window-wide shortcuts, made the same way by every feature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget


def add_action(window: QWidget, menu: QMenu, text: str, slot: Callable[[], Any],
               shortcut: str | QKeySequence | QKeySequence.StandardKey | Qt.Key | None = None) -> QAction:
    """An action in ``menu`` whose shortcut works anywhere in ``window``."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _=False: slot())
    menu.addAction(action)
    window.addAction(action)
    return action

