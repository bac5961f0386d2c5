"""Write the screenshots in this folder: ``xvfb-run python docs/screenshots/take.py``.

Plays a short opening in a temporary store and grabs the window at the default size and at a small
size. Uses the real predictor when ``kibitz.engine.predictor`` and a base model are there, else a
stand-in that ranks legal moves (the picture then says "stand-in" in the panel).
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import chess
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).resolve().parent
MOVES = "e2e4 c7c5 g1f3 d7d6 d2d4 c5d4 f3d4 g8f6 b1c3".split()


@dataclass(frozen=True)
class _Status:
    kind: str = "none"
    description: str = "stand-in predictor (no model installed)"


@dataclass(frozen=True)
class _Prediction:
    move: chess.Move
    san: str
    probability: float


class StandIn:
    """Ranks captures and central moves first, with made-up probabilities."""

    status = _Status()

    def __init__(self) -> None:
        self.board = chess.Board()

    def reset(self, board: chess.Board | None = None) -> None:
        self.board = board.copy() if board else chess.Board()

    def push(self, move: chess.Move) -> None:
        self.board.push(move)

    def top_moves(self, k: int = 5) -> list[_Prediction]:
        def score(m: chess.Move) -> float:
            to = m.to_square
            return (self.board.is_capture(m) * 2 + (3.5 - abs(3.5 - chess.square_file(to))) / 3.5
                    + (3.5 - abs(3.5 - chess.square_rank(to))) / 3.5)
        moves = sorted(self.board.legal_moves, key=score, reverse=True)[:k]
        probs = [0.42, 0.23, 0.14, 0.08, 0.05]
        return [_Prediction(m, self.board.san(m), p) for m, p in zip(moves, probs)]


def factory():
    try:
        from kibitz.engine.predictor import open_predictor
        return open_predictor
    except ImportError:
        return lambda player, store: StandIn()


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="kibitz-shots-"))
    os.environ["KIBITZ_HOME"] = str(home)
    from kibitz.engine.store import Store
    from kibitz.gui.main_window import MainWindow
    from kibitz.gui.settings import AppSettings

    app = QApplication(sys.argv[:1])
    store = Store.open(home)
    white, black = store.add_player("Anna"), store.add_player("Ben")
    settings = AppSettings(QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat))
    settings.auto_orient = False
    window = MainWindow(store, settings, predictor_factory=factory(), open_store=lambda: Store.open(home))
    from kibitz.gui.session import GameSession

    window._attach(GameSession.start(store, white, black), {chess.WHITE: white, chess.BLACK: black})
    window.show()
    for uci in MOVES:
        window.session.play(chess.Move.from_uci(uci))
    while window.predictions.loading:
        app.processEvents()
    for name, (w, h) in {"board-default.png": (900, 640), "board-small.png": (560, 420),
                         "board-wide.png": (1280, 720)}.items():
        window.resize(w, h)
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(HERE / name))
        print("wrote", HERE / name, window.size().width(), window.size().height())
    window.shutdown()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
