"""Write the engine's screenshots: ``xvfb-run -a python docs/screenshots/take_engine.py``.

In a temporary store, Son (Black) keeps answering 1.e4 e5 2.Nf3 with 2...f6 (tests/habit_data.py,
with a model whose book learned it) and loses a short game to Dad with it. Grabs the review of
that game with the engine's verdicts (engine-review.png) and the anticipation view for White after
1.e4 e5 against Son's model (engine-anticipation.png). Needs Stockfish.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import chess
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tests"))
LOST = ("1. e4 e5 2. Nf3 f6 3. Nxe5 fxe5 4. Qh5+ Ke7 5. Qxe5+ Kf7 6. Bc4+ d5 7. Bxd5+ Kg6 8. h4 h5 "
        "9. Bxb7 Bxb7 10. Qf5+ Kh6 11. d4+ g5 12. Qf7 Qe7 13. hxg5+ Qxg5 14. Rxh5# 1-0")


def main() -> int:
    from take import in_temporary_home  # this folder's script for the other screenshots

    return in_temporary_home(take)


def _wait(app: QApplication, signal_fired: list[object]) -> None:
    while not signal_fired:
        app.processEvents()
    for _ in range(10):
        app.processEvents()


def take(home: Path) -> int:
    from habit_data import store_with_habit
    from kibitz.engine import pgn
    from kibitz.engine.analysis import find_engine
    from kibitz.engine.store import Store
    from kibitz.gui.main_window import MainWindow
    from kibitz.gui.settings import AppSettings

    if find_engine() is None:
        print("no Stockfish: not writing the engine's screenshots", file=sys.stderr)
        return 1
    app = QApplication(sys.argv[:1])
    store = Store.open(home)
    son = store_with_habit(store)
    text = f'[Event "Sunday"]\n[Date "2026.12.06"]\n[White "Dad"]\n[Black "Son"]\n[Result "1-0"]\n\n{LOST}\n'
    store.import_games([g for g in pgn.read_games(io.BytesIO(text.encode())) if isinstance(g, pgn.PgnGame)])
    settings = AppSettings(QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(store, settings, open_store=lambda: Store.open(home))
    game_id = next(r.id for r in store.games_of_player(son.id) if r.event == "Sunday")

    review = window.insight.review(game_id)
    judged: list[object] = []
    review.judgements_ready.connect(judged.append)
    _wait(app, judged)
    review.resize(1280, 660)
    review.moves_table.selectRow(3)
    review.show_move(3)  # 2...f6
    _wait(app, [True])
    review.grab().save(str(HERE / "engine-review.png"))
    print("wrote", HERE / "engine-review.png")

    board = chess.Board()
    for san in ("e4", "e5"):
        board.push_san(san)
    view = window.insight.anticipate(board, son, "Son")
    ready: list[object] = []
    view.anticipation_ready.connect(ready.append)
    _wait(app, ready)
    view.resize(1100, 560)
    _wait(app, [True])
    view.grab().save(str(HERE / "engine-anticipation.png"))
    print("wrote", HERE / "engine-anticipation.png")
    window.shutdown()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
