"""Habits that cost points: a recurring move the player's model expects and the engine condemns."""

from __future__ import annotations

import chess

from engine_helpers import TEST_LIMIT, engine, needs_engine  # noqa: F401 (fixture)
from habit_data import store_with_habit
from kibitz.engine.analysis import Engine
from kibitz.engine.habits import find_habits, repeated_choices
from kibitz.engine.predictor import open_predictor
from kibitz.engine.report import render_report
from kibitz.engine.player_profile import player_profile


def test_only_moves_repeated_in_repeated_positions_are_candidates(store) -> None:
    son = store_with_habit(store)
    seen, pairs = repeated_choices(store, son)
    found = {(seen[key].board.san(chess.Move.from_uci(uci)), count) for key, uci, count in pairs}
    assert ("e5", 4) in found and ("f6", 3) in found
    assert not any(san == "Nc6" for san, _ in found)  # played once: not a habit
    after_nf3 = next(key for key, uci, _ in pairs if uci == "f7f6")
    assert seen[after_nf3].games == 4


@needs_engine
def test_two_f6_is_sons_costly_habit(store, engine: Engine) -> None:
    son = store_with_habit(store)
    habits = find_habits(store, son, engine, open_predictor(son, store), TEST_LIMIT)
    assert habits, "2...f6 should be found"
    top = habits[0]
    assert top.san == "2...f6" and top.colour == chess.BLACK and top.line == "1.e4 e5 2.Nf3"
    assert (top.played, top.reached) == (3, 4)
    assert top.verdict in ("inaccuracy", "mistake", "blunder") and top.cost > 0.5  # about a pawn
    assert top.probability > 0.4  # the model learned the habit from Son's book
    assert top.text("Son").startswith("as Black after 1.e4 e5 2.Nf3, Son plays 2...f6 in 3 of 4 games: -")
    assert [h.weight for h in habits] == sorted((h.weight for h in habits), reverse=True)


@needs_engine
def test_the_report_lists_the_habits(store, engine: Engine) -> None:
    son = store_with_habit(store)
    habits = find_habits(store, son, engine, open_predictor(son, store), TEST_LIMIT)
    html = render_report(player_profile(store, son), habits=habits)
    assert 'id="habits"' in html and "Son plays 2...f6 in 3 of 4 games" in html


def test_the_report_says_how_to_get_an_engine_when_there_is_none(store) -> None:
    son = store_with_habit(store)
    html = render_report(player_profile(store, son), habits=None)
    assert "No chess engine found" in html
