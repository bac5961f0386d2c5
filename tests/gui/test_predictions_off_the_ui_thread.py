"""Predictions run off the UI thread: a model that takes seconds never holds up a move, answers
for a position no longer shown are not shown, a model too slow to follow the game gives way with
the reason in the panel, and the two players' predictors still share each prior run (issue 18)."""

from __future__ import annotations

import threading
from typing import Any

import chess
import pytest

from conftest import wait_predictions
from gui_helpers import FakePrediction, FakePredictor, FakeStatus, click_move
from kibitz.gui.play.predictions import PREDICTING
from kibitz.gui.serial_worker import SerialWorker


class GatedPredictor(FakePredictor):
    """A fake whose predictions wait for ``gate`` (a model whose step takes as long as we like);
    each names the ply it was made for, so a stale one is recognised."""

    def __init__(self, gate: threading.Event, running: threading.Event) -> None:
        super().__init__()
        self.gate, self.running = gate, running

    def top_moves(self, k: int = 5) -> list[FakePrediction]:
        self.running.set()
        assert self.gate.wait(10), "the test never opened the gate"
        return [FakePrediction(p.move, f"ply{len(self.board.move_stack)}", p.probability)
                for p in super().top_moves(k)]


def test_a_model_that_takes_seconds_never_holds_up_a_move(qtbot: Any, make_window: Any, store: Any) -> None:
    gate, running = threading.Event(), threading.Event()
    gate.set()
    made: list[GatedPredictor] = []
    window = make_window(predictor_factory=lambda player, store: made.append(GatedPredictor(gate, running)) or made[-1])
    window.startup()
    wait_predictions(qtbot, window)
    shown: list[list[str]] = []
    window.predictions.predictions_changed.connect(
        lambda: shown.append([p.san for p in window.predictions.predictions()]))

    gate.clear()  # from here on every prediction takes until the gate opens
    running.clear()
    session = window.play.session
    painted = window.play.board.paint_count
    for uci in ("e2e4", "e7e5", "g1f3"):
        with qtbot.waitSignal(session.move_played, timeout=2000):
            click_move(qtbot, window.play.board, uci)
        assert window.play.board.shapes() == []  # no arrows of an earlier position on this one
    qtbot.waitUntil(running.is_set, timeout=5000)  # the prediction after 1.e4 is stuck in the model...
    assert store.game(session.game_id).moves == ("e2e4", "e7e5", "g1f3")  # ...and every move was played
    assert window.predictions.busy
    qtbot.waitUntil(lambda: PREDICTING in window.play.prediction_panel.status.text(), timeout=5000)
    # The board's repaint waited a moment for arrows that did not come, then showed the moves.
    qtbot.waitUntil(lambda: window.play.board.updatesEnabled() and window.play.board.paint_count > painted,
                    timeout=5000)

    gate.set()
    wait_predictions(qtbot, window)
    assert window.play.prediction_panel.texts()[0].startswith("ply3")  # Black to move after 2.Nf3
    assert not any(san.startswith(("ply1", "ply2")) for sans in shown for san in sans)  # stale: never shown
    assert all(p.pushes == ["e2e4", "e7e5", "g1f3"] for p in made)  # both followed every ply
    assert PREDICTING not in window.play.prediction_panel.status.text()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TakesSeconds(FakePredictor):
    """Each ply of this fake takes three seconds on ``clock``."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(status=FakeStatus("personal", "personal model, 300 games"))
        self.clock = clock

    def push(self, move: chess.Move) -> None:
        self.clock.now += 3.0
        super().push(move)

    def top_moves(self, k: int = 5) -> list[FakePrediction]:
        self.clock.now += 3.0
        return super().top_moves(k)


def test_a_model_too_slow_for_the_game_gives_way_and_the_panel_says_why(qtbot: Any, make_window: Any) -> None:
    from kibitz.engine.predictor import BoundedPredictor

    def next_one_down(slow: Any, reason: str) -> FakePredictor:
        return FakePredictor(status=FakeStatus("base", f"base model - {reason}"))

    def factory(player: Any, store: Any) -> BoundedPredictor:
        clock = Clock()
        return BoundedPredictor(TakesSeconds(clock), next_one_down, clock=clock)

    window = make_window(predictor_factory=factory)
    window.startup()
    wait_predictions(qtbot, window)
    assert "personal model, 300 games" in window.play.prediction_panel.status.text()
    with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
        click_move(qtbot, window.play.board, "e2e4")
    wait_predictions(qtbot, window)
    status = window.play.prediction_panel.status.text()
    assert "base model - the personal model took 3.0 s a move, too slow to follow the game" in status
    assert window.play.prediction_panel.texts()  # and the base model predicts


def test_both_players_predictors_share_each_prior_run(qtbot: Any, make_window: Any, dialogs: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Players of different ratings: paired, both predictors ask the prior at (White's, Black's)."""
    from kibitz.engine.priors import prior_session
    from kibitz.gui.dialogs import NewGameChoice
    from kibitz.gui.play.predictions import default_predictor_factory

    dialogs.new_game_choice = NewGameChoice("Alice", "Bob", None, 1200, 1800)
    shared = prior_session()
    runs: list[int] = []
    real = shared._session

    class Counting:
        def run(self, names: Any, feed: Any) -> Any:
            runs.append(1)
            return real.run(names, feed)

    monkeypatch.setattr(shared, "_session", Counting())
    shared._recent.clear()
    window = make_window(predictor_factory=default_predictor_factory)
    window.startup()
    wait_predictions(qtbot, window)
    plies = ["e2e4", "c7c5", "g1f3", "d7d6"]
    for uci in plies:
        with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
            click_move(qtbot, window.play.board, uci)
        wait_predictions(qtbot, window)
        assert window.play.prediction_panel.texts()
    assert len(runs) == len(plies) + 1  # every position once, for both players' predictors
    assert window.play.prediction_panel.status.text() == "Maia-3 at 1,200 vs 1,800"


# -- the worker itself ------------------------------------------------------------------------
def test_the_worker_runs_in_order_and_a_newer_job_replaces_a_waiting_one(qtbot: Any) -> None:
    worker = SerialWorker()
    gate = threading.Event()
    results: list[tuple[object, object]] = []
    worker.done.connect(lambda tag, result: results.append((tag, result)))
    worker.submit("first", lambda: gate.wait(10) and threading.current_thread().name)
    for position in range(5):  # only the newest waiting position survives
        worker.submit(f"position {position}", lambda p=position: p, slot="position")
    worker.submit("other", lambda: "kept", slot="other")
    gate.set()
    qtbot.waitUntil(lambda: len(results) == 3, timeout=5000)
    assert results == [("first", "kibitz-worker"), ("position 4", 4), ("other", "kept")]
    assert threading.current_thread().name != "kibitz-worker"
    qtbot.waitUntil(lambda: worker.idle, timeout=5000)
    assert worker.stop()


def test_a_failing_job_is_reported_and_the_worker_goes_on(qtbot: Any) -> None:
    worker = SerialWorker()
    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.submit("bad", lambda: 1 / 0)
    assert failed.args == ["bad", "ZeroDivisionError: division by zero"]
    with qtbot.waitSignal(worker.done, timeout=5000) as done:
        worker.submit("good", lambda: 42)
    assert done.args == ["good", 42]
    worker.cancel_pending()
    assert worker.stop()
    worker.submit("after stop", lambda: 1)  # ignored: the window is closing
    assert worker.idle
