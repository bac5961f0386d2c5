"""GUI latency: time to the first painted board, and the overlay refresh after a move.

    python bench/gui_bench.py [--plies 40] [--rounds 3]

Goal (issue 8): move -> repainted overlay with both players' predictors <= 16 ms.

The refresh is timed from playing a move (``GameSession.play``: the store's write included) to
the board having painted the new position with the new arrows - both players' predictors
advanced a ply and the mover's top five computed on the prediction worker's thread, the result
handed back to the UI thread, then the paint; each paint is checked to show arrows of moves legal
in the new position. The first paint after the move (the piece moved; the UI thread never waits
for the predictors; a fast model's arrows come with it, as the repaint waits up to 50 ms for
them) is timed too. Baselines in the same run: the predictors run inline on the UI thread (as
before they had a worker thread of their own; every other ply of the same games, so both see the
same machine load), the predictors without the shared prior run (each player's predictor runs the prior itself, as
before), the pieces rendered from their SVGs on every paint (as before), and the overlay off (the panel still lists the predictions, so it includes the
predictors' work; the predictor alone is timed too). Uses the real predictor when
``kibitz.engine.predictor`` and ``assets/base/model.onnx`` are there, else a fake one (said in
the output). Runs offscreen unless QT_QPA_PLATFORM is set.

With a chess engine (issue 19), the same refresh is timed again with the engine running: a
background job searching the bench game's positions over and over in the engine's thread, and a
hint asked for in every position before its move is played (that move drops the hint and cancels
its search).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from typing import Any
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import chess  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from kibitz.gui.serial_worker import SerialWorker  # noqa: E402

# A real game (Kasparov–Topalov, Wijk aan Zee 1999), first plies.
GAME = ("e2e4 d7d6 d2d4 g8f6 b1c3 g7g6 c1e3 f8g7 d1d2 c7c6 f2f3 b7b5 g1e2 b8d7 e3h6 g7h6 d2h6 c8b7 "
        "a2a3 e7e5 e1c1 d8e7 c1b1 a7a6 e2c1 e8c8 c1b3 e5d4 d1d4 c6c5 d4d1 d7b6 g2g3 c8b8 b3a5 b7a8 "
        "f1h3 d6d5 h6f4 b8a7 h1e1 d5d4 c3d5 b6d5 e4d5 e7d6").split()


def _model_available() -> bool:
    try:
        import kibitz.engine.predictor  # noqa: F401
    except ImportError:
        return False
    try:
        return resources.files("kibitz.assets").joinpath("base", "model.onnx").is_file()
    except (ModuleNotFoundError, OSError):
        return False


def _factory() -> tuple[object, str]:
    if _model_available():
        from kibitz.engine.predictor import open_predictor

        return open_predictor, "real predictor (bundled base model)"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "gui"))
    from gui_helpers import FakePredictorFactory

    return FakePredictorFactory(), "fake predictor (no base model installed)"


def _unshared(factory: object) -> object:
    """``factory`` whose predictors each run the prior themselves (the baseline before the
    players' predictors shared one prior run)."""
    def make(player: object, store: object) -> object:
        predictor = factory(player, store)  # type: ignore[operator]
        prior = getattr(predictor, "prior", None)
        if prior is not None:
            from kibitz.engine.priors import PriorSession

            predictor.prior = PriorSession(path=prior.path, remember=0)
        return predictor
    return make


class InlineWorker(SerialWorker):
    """The baseline: each job runs at once on the calling thread - the UI thread, as predictions
    ran before they had a worker of their own."""

    def submit(self, tag: object, function: Callable[[], Any], *, slot: str | None = None) -> None:
        try:
            result = function()
        except Exception as error:
            self.failed.emit(tag, f"{type(error).__name__}: {error}")
        else:
            self.done.emit(tag, result)


def _quiet_offscreen(mode: object, context: object, message: str) -> None:
    """Drop the offscreen plugin's notice about size hints; print everything else."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _predictor_ms(factory: object, plies: int) -> list[float]:
    """push + top_moves per ply, straight on one predictor (no Qt)."""
    predictor = factory(None, None)  # type: ignore[operator]
    predictor.reset(chess.Board())
    times = []
    for uci in GAME[:plies]:
        t = time.perf_counter()
        predictor.push(chess.Move.from_uci(uci))
        predictor.top_moves(5)
        times.append((time.perf_counter() - t) * 1000)
    return times


def _wait_painted(app: QApplication, board: object, before: int, deadline_s: float = 10.0) -> None:
    end = time.perf_counter() + deadline_s
    while board.paint_count <= before:  # type: ignore[attr-defined]
        app.processEvents()
        if time.perf_counter() > end:
            raise TimeoutError("the board did not repaint")


def _wait_predicted_and_painted(app: QApplication, window: object, arrows: bool, deadline_s: float = 10.0) -> float:
    """Wait for the shown position's predictions and a paint after them (``arrows``: else the
    panel alone changes, and the paint of the move is the last); returns when the first paint
    after the move happened (perf_counter)."""
    board, predictions = window.play.board, window.predictions  # type: ignore[attr-defined]
    before, first_paint, settled_at = board.paint_count, None, None
    end = time.perf_counter() + deadline_s
    while True:
        # Block until the next event, as the app's event loop does: a spinning loop here would
        # hold the interpreter lock the prediction worker needs.
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        if first_paint is None and board.paint_count > before:
            first_paint = time.perf_counter()
        if settled_at is None and not predictions.busy:
            settled_at = board.paint_count
        if settled_at is not None and (board.paint_count > settled_at or (not arrows and first_paint)):
            return first_paint if first_paint is not None else time.perf_counter()
        if time.perf_counter() > end:
            raise TimeoutError("the board did not repaint with the predictions")


def _engine_load(engine: object) -> object:
    """Keep the engine busy in its thread: search the bench game's positions over and over until cancelled."""
    from kibitz.engine.analysis import REVIEW_LIMIT

    moves = [chess.Move.from_uci(u) for u in GAME]

    def work(analyser: object, cancelled: object, _report: object) -> None:
        board = chess.Board()
        while not cancelled():  # type: ignore[operator]
            for move in moves:  # searched every time: candidates() does not read the cache
                analyser.candidates(board, REVIEW_LIMIT, 1)  # type: ignore[attr-defined]
                board.push(move)
                if cancelled():  # type: ignore[operator]
                    return
            board = chess.Board()

    return engine.run("bench load", work, lambda _result: None, lambda _message: None)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plies", type=int, default=len(GAME))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="kibitz-bench-"))
    os.environ["KIBITZ_HOME"] = str(home)
    from kibitz.engine.store import Store
    from kibitz.gui.main_window import MainWindow
    from kibitz.gui.dialogs import NewGameChoice
    from kibitz.gui.settings import AppSettings, OverlayMode

    qInstallMessageHandler(_quiet_offscreen)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    store = Store.open(home)
    white, black = store.add_player("White bench"), store.add_player("Black bench")
    settings = AppSettings(QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat))
    factory, which = _factory()

    started = time.perf_counter()
    window = MainWindow(store, settings, predictor_factory=factory, open_store=lambda: Store.open(home))  # type: ignore[arg-type]
    window.resize(900, 640)
    window.show()
    _wait_painted(app, window.play.board, 0)
    first_paint_ms = (time.perf_counter() - started) * 1000

    results: dict[str, list[float]] = {}
    load_ms: list[float] = []
    unshared = _unshared(factory)
    inline, threaded = InlineWorker(), window.predictions.worker
    engine = window.insight.engine
    variants = [("all", OverlayMode.ALL, factory), ("unshared", OverlayMode.ALL, unshared),
                ("svg", OverlayMode.ALL, factory), ("off", OverlayMode.OFF, factory)]
    if engine.available:
        variants.append(("engine", OverlayMode.ALL, factory))
    for _ in range(args.rounds):
        for name, mode, make in variants:
            settings.overlay_mode = mode
            window.predictions.factory = make
            pieces = window.play.board._renderers
            if name == "svg":  # the baseline: every piece's SVG rendered on every paint
                pieces.paint = lambda painter, piece, rect, r=pieces: r.renderer(piece).render(painter, rect)
            else:
                pieces.__dict__.pop("paint", None)
            t0 = time.perf_counter()
            window.play.start(NewGameChoice(white.name, black.name, None))
            while window.predictions.busy:
                app.processEvents()
            load_ms.append((time.perf_counter() - t0) * 1000)
            app.processEvents()
            load = _engine_load(engine) if name == "engine" else None
            for ply, uci in enumerate(GAME[: args.plies]):
                if load is not None:
                    window.insight.hints.request(window.play.session.board)
                # The baseline shares the run ply by ply (the same load): every other ply of the
                # "all" games is predicted inline on the UI thread.
                on_ui_thread = name == "all" and ply % 2 == 1
                if (window.predictions.worker is inline) != on_ui_thread:
                    window.predictions.set_worker(inline if on_ui_thread else threaded)
                times = results.setdefault("inline" if on_ui_thread else name, [])
                t = time.perf_counter()
                window.play.session.play(chess.Move.from_uci(uci))
                first_paint = _wait_predicted_and_painted(app, window, mode is OverlayMode.ALL)
                times.append((time.perf_counter() - t) * 1000)
                if name == "all" and not on_ui_thread:
                    results.setdefault("first", []).append((first_paint - t) * 1000)
                predicted = window.predictions.predictions()
                assert all(p.move in window.play.session.board.legal_moves for p in predicted)
                if mode is OverlayMode.ALL:
                    assert window.play.board.shapes() or not predicted
            if load is not None:
                load.cancel()  # type: ignore[attr-defined]

    def row(name: str, values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        return f"{name:<34} {statistics.median(values):8.2f} {p95:8.2f} {max(values):8.2f}"

    print(f"kibitz GUI bench — {which}; platform {app.platformName()}; {args.plies} plies x {args.rounds} rounds")
    print(f"time to first painted board: {first_paint_ms:.1f} ms")
    print(f"predictors loaded (two, background): median {statistics.median(load_ms):.1f} ms")
    print("goal: move -> repainted overlay with both players' predictors <= 16 ms")
    print(f"{'move -> repainted board (ms)':<34} {'median':>8} {'p95':>8} {'max':>8}")
    print(row("overlay on (predict + arrows)", results["all"]))
    print(row("first paint after the move", results["first"]))
    print(row("baseline: predicted on UI thread", results["inline"]))
    print(row("baseline: prior run per player", results["unshared"]))
    print(row("baseline: pieces drawn from SVG", results["svg"]))
    print(row("baseline: overlay off (panel only)", results["off"]))
    if "engine" in results:
        print(row("with the engine running (see above)", results["engine"]))
    else:
        print("with the engine running: no engine found, not measured")
    print(row("predictor alone (push + top 5)", _predictor_ms(factory, args.plies)))
    window.shutdown()
    window.deleteLater()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
