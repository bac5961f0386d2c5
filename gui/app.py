"""``kibitz`` opens this: the application, its store and settings, and the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QLockFile, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from kibitz import __version__
from kibitz.gui.main_window import MainWindow
from kibitz.gui.settings import AppSettings

#: Held in the data folder while a window is open on it: a second window would resume the same
#: unfinished game, and the store would refuse its moves (they are no longer the next ply).
LOCK_NAME = "kibitz.lock"
SETTINGS_FILE = "settings.ini"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kibitz", description="A chess board that knows how you play.",
        epilog="commands:\n  kibitz import FILE... [--player NAME] [--home DIR]\n"
               "                        import PGN files into the store (kibitz import --help)\n"
               "  kibitz export OUT.pgn [--player NAME] [--home DIR]\n"
               "                        write the stored games, with clocks and openings (kibitz export --help)\n"
               "  kibitz review FILE.pgn [--game N] [--json]\n"
               "                        each move with the mover's model and the engine (kibitz review --help)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, metavar="DIR", help="data folder (default: $KIBITZ_HOME or the user data dir); "
                        "the settings are kept there too")
    parser.add_argument("--no-resume", action="store_true", help="do not offer to resume unfinished games")
    parser.add_argument("--version", action="version", version=f"kibitz {__version__}")
    return parser


def open_settings(home: Path | None) -> QSettings:
    """The settings file in the data folder when one was named (``--home``/``KIBITZ_HOME``): two data
    folders keep two sets of settings; else the platform's usual place."""
    if home is None and os.environ.get("KIBITZ_HOME"):
        home = Path(os.environ["KIBITZ_HOME"]).expanduser()
    if home is None:
        return QSettings()
    return QSettings(str(home / SETTINGS_FILE), QSettings.Format.IniFormat)


def main(args: list[str]) -> int:
    """Open the board; returns the exit code."""
    options = build_parser().parse_args(args)
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
    settings = AppSettings(open_settings(options.home))
    window = MainWindow(store, settings, open_store=lambda: Store.open(home))
    window.show()
    QTimer.singleShot(0, window.play.new_game if options.no_resume else window.startup)
    try:
        return int(app.exec())
    finally:
        window.shutdown()
        store.close()
        lock.unlock()
