"""The engine in the window: verdicts in a review, hints, where the opponent will go wrong, the
player's costly habits; and the app without an engine (greyed, with how to get one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chess
import chess.engine
import pytest
from PySide6.QtCore import QThreadPool

from engine_helpers import STOCKFISH, needs_engine, position_after
from habit_data import store_with_habit
from kibitz.engine.analysis import find_engine
from kibitz.gui.engine_service import EngineService
from kibitz.gui.insight.anticipation_view import AnticipationWindow
from kibitz.gui.insight.hints import HintController
from kibitz.gui.insight.page import InsightPage
from kibitz.gui.review import ReviewWindow
from kibitz.gui.review.review_window import PLURALS, verdict_counts


@pytest.fixture
def engine_service(app_settings: Any, kibitz_home: Path) -> Any:
    service = EngineService(app_settings, kibitz_home)
    yield service
    service.close()


@needs_engine
def test_a_review_judges_every_move_and_draws_the_engines_move(qtbot: Any, store: Any, engine_service: Any) -> None:
    son = store_with_habit(store)
    record = next(r for r in store.games_of_player(son.id) if r.moves[3] == "f7f6" and r.moves[4] == "f3e5")
    window = ReviewWindow(store, QThreadPool(), engine=engine_service)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.judgements_ready, timeout=120000) as ready:
        window.open_game(record.id)
    judgements = ready.args[0]
    assert len(judgements) == len(record.moves)
    f6 = judgements[3]
    assert f6.san == "f6" and f6.verdict in ("inaccuracy", "mistake", "blunder")
    assert window.moves_table.item(3, 0).text() == "2... f6" and window.moves_table.item(3, 4).text() == f6.verdict
    assert window.moves_table.item(3, 5).text() == f6.best_san != "f6"
    svg = window.eval_chart.svg()
    assert 'data-name="White"' in svg and f'data-name="{PLURALS[f6.verdict]}"' in svg
    assert f"<b>Son</b>: {verdict_counts(judgements, chess.BLACK)}" in window.engine_label.text()
    assert verdict_counts(judgements, chess.WHITE) == "no inaccuracies, no mistakes, no blunders" or \
        any(j.mover == chess.WHITE and j.verdict in PLURALS for j in judgements)
    with qtbot.waitSignal(window.move_chosen):
        window.show_move(3)
    best = chess.Board()
    for uci in record.moves[:3]:
        best.push_uci(uci)
    engine_move = best.parse_san(f6.best_san)
    shapes = window.board.shapes()
    assert any(s.brush.name == "played" and s.dest == chess.F6 for s in shapes)
    top_san = next(m.top_san for m in window.review.moves if m.ply == 3)
    if f6.best_san != top_san:  # the engine's arrow is drawn unless the model agrees with it
        assert any(s.brush.name == "engine" and (s.orig, s.dest) == (engine_move.from_square, engine_move.to_square)
                   for s in shapes)
    assert f6.verdict in window.caption.text()


@needs_engine
def test_a_hint_shows_the_piece_then_the_move_and_a_new_position_drops_it(qtbot: Any, engine_service: Any) -> None:
    hints = HintController(engine_service)
    board = chess.Board("6k1/5ppp/8/8/8/8/5PPP/R5K1 w - - 0 1")
    said: list[str] = []
    hints.said.connect(said.append)
    with qtbot.waitSignal(hints.changed, timeout=30000):
        hints.request(board)
    assert [(s.orig, s.dest) for s in hints.shapes(board)] == [(chess.A1, chess.A1)]  # the rook, not yet where
    assert said[-1] == "Hint: move your rook on a1. Ask again for the move."
    hints.request(board)
    assert [(s.orig, s.dest) for s in hints.shapes(board)] == [(chess.A1, chess.A8)]
    assert said[-1] == "Hint: Ra8#."
    board.push_san("Ra8#")
    assert hints.shapes(board) == [] and hints.position is None


@needs_engine
def test_a_new_position_cancels_the_search_for_the_old_one(qtbot: Any, engine_service: Any) -> None:
    hints = HintController(engine_service)
    board = position_after("e4 e5 Nf3 Nc6 Bb5 a6")
    delivered: list[object] = []
    hints.changed.connect(lambda: delivered.append(hints.best))
    hints.request(board)
    job = hints.job
    board.push_san("Ba4")
    assert hints.shapes(board) == []  # the position changed: the hint is dropped...
    assert job is not None and job.cancelled.is_set()  # ...and its search stopped
    engine_service.pool.waitForDone(30000)
    qtbot.wait(50)  # let queued signals of the cancelled job arrive (they must be dropped)
    assert hints.best is None and all(best is None for best in delivered)


@needs_engine
def test_the_anticipation_view_ranks_moves_against_the_opponents_model(qtbot: Any, store: Any,
                                                                      engine_service: Any) -> None:
    son = store_with_habit(store)
    board = position_after("e4 e5")
    window = AnticipationWindow(store, engine_service)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.anticipation_ready, timeout=120000) as ready:
        window.analyse(board, son, "Son")
    plan = ready.args[0]
    assert plan.mover == chess.WHITE and window.candidates.count() == len(plan.candidates) >= 3
    assert "against Son" in window.candidates.item(0).text() and "Son's model" in window.heading.text()
    shown = window.candidates.currentRow()
    candidate = plan.candidates[shown]
    shapes = window.board.shapes()
    assert (shapes[0].orig, shapes[0].dest) == (candidate.move.from_square, candidate.move.to_square)
    assert len(shapes) == 1 + min(3, len(candidate.replies))
    nf3 = next((c for c in plan.candidates if c.san == "Nf3"), None)
    if nf3 is not None:  # Son's book: after 2.Nf3 he plays f6 three times in four
        assert nf3.replies[0].san == "f6" and nf3.replies[0].probability > 0.4


@needs_engine
def test_the_player_page_lists_costly_habits(qtbot: Any, store: Any, engine_service: Any) -> None:
    son = store_with_habit(store)
    page = InsightPage(store, QThreadPool(), engine=engine_service)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.habits_ready, timeout=120000) as ready:
        page.load(son)
    habits = ready.args[0]
    assert habits and habits[0].san == "2...f6"
    assert "Son plays 2...f6 in 3 of 4 games" in page.habits_label.text()


def test_without_an_engine_its_features_are_greyed_with_how_to_get_one(qtbot: Any, make_window: Any,
                                                                       store: Any) -> None:
    window = make_window(engine_locator=lambda _path: None)
    insight = window.insight
    assert not insight.hint_action.isEnabled() and not insight.anticipate_action.isEnabled()
    assert insight.no_engine_action.isVisible()
    assert insight.no_engine_action.text().startswith("No chess engine found: install Stockfish")
    assert window.play.hints is insight.hints
    said: list[str] = []
    insight.hints.said.connect(said.append)
    insight.hints.request(chess.Board())
    assert said and said[0].startswith("No chess engine found")
    son = store_with_habit(store)
    review = insight.review(store.games_of_player(son.id)[0].id)
    with qtbot.waitSignal(review.review_ready, timeout=30000):
        pass
    assert review.engine_label.text().startswith("No chess engine found")
    assert not review.anticipate_button.isEnabled() and review.surprises.count() > 0  # the models' part is there


def test_a_chosen_engine_path_is_kept_and_a_wrong_one_is_said(app_settings: Any, kibitz_home: Path,
                                                              tmp_path: Path) -> None:
    service = EngineService(app_settings, kibitz_home)
    service.set_path(str(tmp_path / "nothing-here"))
    assert not service.available and "is not an executable file" in service.missing_text()
    assert app_settings.engine_path == str(tmp_path / "nothing-here")
    service.set_path("")
    assert service.available == (find_engine() is not None) and STOCKFISH == find_engine()
    service.close()


@needs_engine
def test_a_stored_games_position_is_anticipated_against_the_other_player(qtbot: Any, store: Any, app_settings: Any,
                                                                          engine_service: Any) -> None:
    from PySide6.QtWidgets import QMenu, QWidget

    from kibitz.gui.insight.feature import InsightFeature

    son = store_with_habit(store)
    record = store.games_of_player(son.id)[0]
    window = QWidget()
    qtbot.addWidget(window)
    feature = InsightFeature(store, app_settings, QThreadPool(), window, lambda: None, engine=engine_service)
    feature.fill_menu(window, QMenu())
    review = feature.review(record.id)
    with qtbot.waitSignal(review.review_ready, timeout=30000):
        pass
    review.show_move(2)  # the position before 2.Nf3: White to move, so Son is the opponent
    review.anticipate_button.click()
    view = feature.anticipations[-1]
    assert view.windowTitle() == "Where could Son go wrong? (White to move)"
    assert view.board_shown.move_stack == [chess.Move.from_uci(u) for u in record.moves[:2]]
    with qtbot.waitSignal(view.anticipation_ready, timeout=120000) as ready:
        pass
    assert ready.args[0].mover == chess.WHITE
    review.close()
    view.close()


@needs_engine
def test_an_engine_that_dies_is_said_once_and_the_next_request_starts_a_new_one(qtbot: Any,
                                                                                engine_service: Any) -> None:
    import os
    import signal

    board = chess.Board("6k1/5ppp/8/8/8/8/5PPP/R5K1 w - - 0 1")
    results: list[object] = []
    failures: list[str] = []

    def evaluate(engine: Any, _cancelled: Any, _report: Any) -> object:
        return engine.evaluate(board, chess.engine.Limit(nodes=5000))

    def pid_then_kill(engine: Any, _cancelled: Any, _report: Any) -> object:
        os.kill(engine.pid, signal.SIGKILL)  # the engine this test started, and only it
        return engine.candidates(board, chess.engine.Limit(nodes=5000), 1)

    engine_service.run("a", pid_then_kill, results.append, failures.append)
    engine_service.pool.waitForDone(30000)
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert "stopped working" in failures[0] and not results
    engine_service.run("a", evaluate, results.append, failures.append)
    qtbot.waitUntil(lambda: bool(results), timeout=30000)
    assert results[0].mate == 1 and len(failures) == 1
