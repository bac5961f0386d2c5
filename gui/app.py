"""``kibitz`` opens this: the application, its store and settings, and the main window."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QLockFile, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from kibitz.gui.main_window import MainWindow
from kibitz.gui.settings import AppSettings

#: Held in the data folder while a window is open on it: a second window would resume the same
#: unfinished game, and the store would refuse its moves (they are no longer the next ply).
LOCK_NAME = "kibitz.lock"


def _parse(args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kibitz", description="A chess board that knows how you play.")
    parser.add_argument("--home", type=Path, help="data folder (default: $KIBITZ_HOME or the user data dir)")
    parser.add_argument("--no-resume", action="store_true", help="do not offer to resume unfinished games")
    return parser.parse_args(args)


def main(args: list[str]) -> int:
    """Open the board; returns the exit code."""
    options = _parse(args)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("kibitz")
    app.setOrganizationName("kibitz")
    try:
        from kibitz.engine.store import Store

        store = Store.open(options.home)
    except Exception as error:  # no store: nothing can be recorded, so say so and stop
        QMessageBox.critical(None, "kibitz", f"Could not open the game store: {error}")
        return 2
    home = store.home
    lock = QLockFile(str(home / LOCK_NAME))
    lock.setStaleLockTime(0)  # a live window's lock never goes stale; a crashed one's is taken over
    if not lock.tryLock(0):
        store.close()
        QMessageBox.critical(None, "kibitz", f"kibitz is already open on the data folder {home}: use that window, "
                             "or open another data folder with --home.")
        return 1
    settings = AppSettings(QSettings())
    window = MainWindow(store, settings, open_store=lambda: Store.open(home))
    window.show()
    if options.no_resume:
        QTimer.singleShot(0, window.new_game)
    else:
        QTimer.singleShot(0, window.startup)
    try:
        return int(app.exec())
    finally:
        window.shutdown()
        store.close()
        lock.unlock()
