"""Take the README's screenshots of the review and the player page (run under xvfb-run).

    xvfb-run -a .venv/bin/python docs/screenshots/take_screenshots.py [--home DIR]

Without ``--home`` it builds a throwaway store from tests/data (jowen93's 200 games), so the
pictures show real openings. The README's pictures used a home where jowen93's models were really
retrained twice (``kibitz-train --player jowen93 --time-budget 40`` after importing 120, then all
200 games), so the model history has two versions.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))

from insight_data import store_with_games  # noqa: E402
from kibitz.engine.store import Store  # noqa: E402


def wait(app: QApplication, pool: QThreadPool) -> None:
    pool.waitForDone(120000)
    for _ in range(20):
        app.processEvents()


def main() -> None:
    app = QApplication([])
    pool = QThreadPool()
    if "--home" in sys.argv:
        store = Store.open(Path(sys.argv[sys.argv.index("--home") + 1]))
        player = store.find_player("jowen93")
    else:
        store = Store.open(Path(tempfile.mkdtemp()))
        player = store_with_games(store, 200)
    from kibitz.gui.review import ReviewWindow

    review = ReviewWindow(store, pool)
    review.resize(1100, 600)
    review.show()
    review.open_game(store.games_of_player(player.id)[-1].id)
    wait(app, pool)
    review.surprises.setCurrentRow(1)
    app.processEvents()
    review.grab().save(str(HERE / "insight-review.png"))
    if "--review-only" not in sys.argv:
        from kibitz.gui.insight import InsightPage

        page = InsightPage(store, pool)
        page.resize(1100, 900)
        page.show()
        page.load(player)
        wait(app, pool)
        page.openings.setCurrentIndex(1)  # as Black: the Sicilian
        app.processEvents()
        page.grab().save(str(HERE / "insight-player.png"))
    store.close()
    guess_shot(app)


def guess_shot(app: QApplication) -> None:
    """Guess the move on the board: Dad has guessed Son's reply (purple); the model's arrows follow."""
    import chess
    from PySide6.QtCore import QSettings

    from kibitz.engine.predictor import open_predictor
    from kibitz.gui.dialogs import NewGameChoice
    from kibitz.gui.main_window import MainWindow
    from kibitz.gui.settings import AppSettings

    home = Path(tempfile.mkdtemp())
    store = Store.open(home)
    settings = AppSettings(QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat))
    settings.auto_orient = False
    window = MainWindow(store, settings, predictor_factory=open_predictor, open_store=lambda: Store.open(home))
    window.play.start(NewGameChoice("Dad", "Son", None))
    window.insight.guess_action.setChecked(True)
    window.resize(900, 640)
    window.show()

    def settle() -> None:
        for _ in range(10):
            app.processEvents()
        while window.predictions.busy:
            app.processEvents()
        for _ in range(10):
            app.processEvents()

    for from_square, to_square in ((chess.E2, chess.E4), (chess.E2, chess.E4), (chess.C7, chess.C5)):
        settle()
        window.play._move_attempted(from_square, to_square)  # Son guesses e4, Dad plays it, Dad guesses c5
    settle()
    window.grab().save(str(HERE / "insight-guess.png"))
    window.shutdown()
    store.close()


if __name__ == "__main__":
    main()
