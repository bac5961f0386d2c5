"""Take the README's screenshots of the review, the player page and a timed game (run under xvfb-run).

    xvfb-run -a .venv/bin/python docs/screenshots/take_screenshots.py [--home DIR]
    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python docs/screenshots/take_screenshots.py --clocks-only
    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python docs/screenshots/take_screenshots.py --board-only

Without ``--home`` it builds a throwaway store from tests/data (jowen93's 200 games), so the
pictures show real openings. The README's pictures used a home where jowen93's models were really
retrained twice (``kibitz-train --player jowen93 --time-budget 40`` after importing 120, then all
200 games), so the model history has two versions.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    if "--clocks-only" in sys.argv:
        clocks_shot(app)
        return
    if "--board-only" in sys.argv:  # the two board pictures: guess the move, a timed game
        guess_shot(app)
        clocks_shot(app)
        return
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
    clocks_shot(app)


def board_window(app: QApplication, choice: Any) -> tuple[Any, Store, Callable[[], None]]:
    """A main window on a fresh store with the real models, a game started by ``choice``, and a
    ``settle()`` that waits until the predictions are in."""
    from PySide6.QtCore import QSettings

    from kibitz.engine.predictor import open_predictor
    from kibitz.gui.main_window import MainWindow
    from kibitz.gui.settings import AppSettings

    home = Path(tempfile.mkdtemp())
    store = Store.open(home)
    settings = AppSettings(QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat))
    settings.auto_orient = False
    window = MainWindow(store, settings, predictor_factory=open_predictor, open_store=lambda: Store.open(home))
    window.play.start(choice)

    def settle() -> None:
        for _ in range(10):
            app.processEvents()
        while window.predictions.busy:
            app.processEvents()
        for _ in range(10):
            app.processEvents()

    return window, store, settle


def clocks_shot(app: QApplication) -> None:
    """A timed game (Son has five minutes more), moves typed in the box, the opening named in the panel,
    and the box offering the legal moves; the whole screen, so the completion list is in it."""
    import chess
    from PySide6.QtTest import QTest

    from kibitz.engine.clock import GameClock, TimeControl
    from kibitz.gui.dialogs import NewGameChoice

    controls = {chess.WHITE: TimeControl(600, 5), chess.BLACK: TimeControl(900, 5)}
    window, store, settle = board_window(app, NewGameChoice("Dad", "Son", None, 1800, 1100, controls=controls))
    now = [0.0]
    window.play.session.clock = GameClock.start(controls, now=lambda: now[0])  # a made-up pace, for the picture
    window.resize(1000, 680)
    window.move(20, 20)
    window.show()
    thinking = (4, 6, 9, 12, 3, 15, 5, 21, 17, 38)
    for text, seconds in zip("e4 c5 Nf3 d6 d4 cxd4 Nxd4 Nf6 Nc3 a6".split(), thinking):
        settle()
        now[0] += seconds
        window.play.play_typed(text)
    now[0] += 26  # Dad is thinking
    window.play._tick()
    settle()
    window.activateWindow()  # the box offers its moves only in the active window
    window.play.move_entry.setFocus()
    QTest.keyClicks(window.play.move_entry, "B")  # the box offers the bishop moves
    settle()
    completer = window.play.move_entry.completer()
    if not completer.popup().isVisible():  # typed keys open it only with a window manager's focus
        completer.setCompletionPrefix("B")
        completer.complete()
        settle()
    app.primaryScreen().grabWindow(0, 0, 0, 1040, 720).save(str(HERE / "board-clocks.png"))
    window.play.move_entry.completer().popup().hide()
    window.shutdown()
    store.close()


def guess_shot(app: QApplication) -> None:
    """Guess the move on the board: Dad has guessed Son's reply (purple); the model's arrows follow."""
    import chess

    from kibitz.gui.dialogs import NewGameChoice

    window, store, settle = board_window(app, NewGameChoice("Dad", "Son", None, 1800, 1100))
    window.insight.guess_action.setChecked(True)
    window.resize(900, 640)
    window.show()
    for from_square, to_square in ((chess.E2, chess.E4), (chess.E2, chess.E4), (chess.C7, chess.C5)):
        settle()
        window.play._move_attempted(from_square, to_square)  # Son guesses e4, Dad plays it, Dad guesses c5
    settle()
    window.grab().save(str(HERE / "insight-guess.png"))
    window.hide()  # off the screen, which the timed game's picture grabs whole
    window.shutdown()
    store.close()


if __name__ == "__main__":
    main()
