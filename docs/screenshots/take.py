"""Write the screenshots in this folder: ``xvfb-run -a python docs/screenshots/take.py``.

Plays a Sicilian (1.e4 c5 2.Nf3 d6 3.d4 cxd4 4.Nxd4 Nf6 5.Nc3) between Anna (starting rating
1400) and Ben (1700) in a temporary store with the real predictor and the bundled base model, and grabs the window at the default size (900x640), a small
size (560x420) and a wide one (1280x720). Then imports two small PGN files from tests/data and
grabs the Games tab, a player's page and an imported game walked back to a middle position.
Refuses to write pictures without a working model.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import chess
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).resolve().parent
MOVES = "e2e4 c7c5 g1f3 d7d6 d2d4 c5d4 f3d4 g8f6 b1c3".split()
SIZES = {"board-default.png": (900, 640), "board-small.png": (560, 420), "board-wide.png": (1280, 720)}


def main() -> int:
    return in_temporary_home(take)


def in_temporary_home(function: Callable[[Path], int]) -> int:
    """Run ``function(home)`` on a fresh data folder (also ``KIBITZ_HOME``), removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix="kibitz-shots-"))
    os.environ["KIBITZ_HOME"] = str(home)
    try:
        return function(home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def take(home: Path) -> int:
    from kibitz.engine.predictor import open_predictor
    from kibitz.engine.store import Store
    from kibitz.gui.main_window import MainWindow
    from kibitz.gui.dialogs import NewGameChoice
    from kibitz.gui.settings import AppSettings

    app = QApplication(sys.argv[:1])
    store = Store.open(home)
    white, black = store.add_player("Anna"), store.add_player("Ben")
    settings = AppSettings(QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat))
    settings.auto_orient = False
    window = MainWindow(store, settings, predictor_factory=open_predictor, open_store=lambda: Store.open(home))
    window.play.start(NewGameChoice(white.name, black.name, None, 1400, 1700))
    window.show()
    for uci in MOVES:
        window.play.session.play(chess.Move.from_uci(uci))
    while window.predictions.busy:
        app.processEvents()
    status = window.predictions.description(chess.BLACK)
    if not window.predictions.predictions():
        print(f"no predictions ({status}); not writing screenshots", file=sys.stderr)
        window.shutdown()
        store.close()
        return 1
    print("model:", status)
    for name, (w, h) in SIZES.items():
        window.resize(w, h)
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(HERE / name))
        print("wrote", HERE / name, window.size().width(), window.size().height())
    library_shots(app, window, store)
    window.shutdown()
    store.close()
    return 0


def _settle(app: QApplication, window: object) -> None:
    for _ in range(10):
        app.processEvents()
    while window.predictions.busy or window.library._loading is not None:  # type: ignore[attr-defined]
        app.processEvents()
    for _ in range(5):
        app.processEvents()


def library_shots(app: QApplication, window: object, store: object) -> None:
    from kibitz.engine.importer import import_files

    data = HERE.parent.parent / "tests" / "data"
    jowen = store.add_player("jowen93")  # type: ignore[attr-defined]
    store.set_player_level(jowen.id, 1500)  # type: ignore[attr-defined]
    import_files(store, [data / "jowen93-200.pgn.xz", data / "masters-100.pgn.xz"])  # type: ignore[arg-type]
    window.resize(1100, 700)  # type: ignore[attr-defined]
    window.tabs.setCurrentIndex(1)  # type: ignore[attr-defined]
    window.library.mark_stale()  # type: ignore[attr-defined]
    _settle(app, window)
    view = window.library.games_view  # type: ignore[attr-defined]
    view.table.selectRow(2)
    _settle(app, window)
    window.grab().save(str(HERE / "library-games.png"))  # type: ignore[attr-defined]
    print("wrote", HERE / "library-games.png")
    window.tabs.setCurrentIndex(2)  # type: ignore[attr-defined]
    window.library.reload_players(jowen.id)  # type: ignore[attr-defined]
    _settle(app, window)
    window.grab().save(str(HERE / "library-player.png"))  # type: ignore[attr-defined]
    print("wrote", HERE / "library-player.png")
    view.player.setText("jowen93")
    view.apply_filter()
    window.library.open_game(view.model.game_id(0))  # type: ignore[attr-defined]
    window.play.show_ply(14)  # type: ignore[attr-defined]
    _settle(app, window)
    window.resize(900, 640)  # type: ignore[attr-defined]
    _settle(app, window)
    window.grab().save(str(HERE / "library-review.png"))  # type: ignore[attr-defined]
    print("wrote", HERE / "library-review.png")


if __name__ == "__main__":
    sys.exit(main())
