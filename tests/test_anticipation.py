"""Where this opponent will go wrong: candidates ranked by the expected result against a model of
the opponent, on a position where that model favours a losing reply."""

from __future__ import annotations

import chess
import numpy as np
import pytest

from engine_helpers import TEST_LIMIT, engine, needs_engine, position_after  # noqa: F401 (fixture)
from kibitz.engine.analysis import Engine
from kibitz.engine.anticipation import PredictorReplies, anticipate, describe
from kibitz.engine.predictor import open_predictor


class ScriptedOpponent:
    """A test-made opponent model: plays the engine's move, except where a script says it prefers
    another reply (with that probability; the engine's move gets the rest)."""

    def __init__(self, engine: Engine, script: dict[str, tuple[chess.Move, float]] | None = None) -> None:
        self.engine = engine
        self.script = script or {}

    def reply_probabilities(self, board: chess.Board) -> tuple[list[chess.Move], np.ndarray]:
        legal = list(board.legal_moves)
        probabilities = np.full(len(legal), 1e-4)
        best = self.engine.evaluate(board, TEST_LIMIT).best
        scripted = self.script.get(board.epd())
        if scripted is not None:
            probabilities[legal.index(scripted[0])] = scripted[1]
            probabilities[legal.index(best)] += 1 - scripted[1]
        else:
            probabilities[legal.index(best)] = 1.0
        return legal, probabilities / probabilities.sum()


def _worst_reply(engine: Engine, after: chess.Board) -> tuple[chess.Move, float]:
    """The reply that loses the most for the side to move, and White's pawns after it."""
    scored = []
    for reply in after.legal_moves:
        board = after.copy()
        board.push(reply)
        scored.append((engine.evaluate(board, TEST_LIMIT).pawns(chess.WHITE), reply))
    pawns, reply = max(scored, key=lambda s: s[0])
    return reply, pawns


@needs_engine
def test_a_near_best_move_the_opponent_likely_answers_badly_is_ranked_first(engine: Engine) -> None:
    board = position_after("e4 e5 Nf3 Nc6")
    honest = anticipate(board, engine, ScriptedOpponent(engine), TEST_LIMIT)
    assert not honest.traps  # an opponent who always finds the engine's reply falls for nothing
    # The trap: the engine's second choice, after which this opponent's favourite reply loses.
    second = sorted(honest.candidates, key=lambda c: -c.evaluation.winning_chances(chess.WHITE))[1]
    after = board.copy()
    after.push(second.move)
    blunder, white_pawns = _worst_reply(engine, after)
    assert white_pawns > 2  # a real blunder is on offer
    opponent = ScriptedOpponent(engine, {after.epd(): (blunder, 0.7)})

    plan = anticipate(board, engine, opponent, TEST_LIMIT)

    assert plan.best.move == second.move != plan.engine_best.move
    assert plan.best.trap and plan.best.near_best
    bad = plan.best.bad_reply
    assert bad is not None and bad.move == blunder and bad.verdict == "blunder"
    assert bad.probability == pytest.approx(0.7, abs=0.01)
    assert plan.best.expected > plan.engine_best.expected
    assert [c.expected for c in plan.candidates] == sorted((c.expected for c in plan.candidates), reverse=True)
    assert f"Son answers {after.san(blunder)} 70% of the time, a blunder" in describe(plan.best, "Son")


@needs_engine
def test_the_served_model_of_the_opponent_feeds_the_ranking(engine: Engine) -> None:
    board = position_after("e4 e5 Nf3 Nc6 Bc4")
    plan = anticipate(board, engine, PredictorReplies(open_predictor(None, None)), TEST_LIMIT, candidates=3)
    assert len(plan.candidates) == 3 and plan.mover == chess.BLACK
    for candidate in plan.candidates:
        assert 0 <= candidate.expected <= 1 and candidate.replies
        assert sum(r.probability for r in candidate.replies) <= 1 + 1e-9
        assert list(candidate.replies) == sorted(candidate.replies, key=lambda r: -r.probability)


@needs_engine
def test_a_mating_move_is_expected_to_win_and_a_finished_game_has_no_plan(engine: Engine) -> None:
    board = chess.Board("6k1/5ppp/8/8/8/8/5PPP/R5K1 w - - 0 1")
    plan = anticipate(board, engine, ScriptedOpponent(engine), TEST_LIMIT)
    assert plan.best.san == "Ra8#" and plan.best.expected == pytest.approx(1.0, abs=0.03)
    board.push_san("Ra8#")
    with pytest.raises(ValueError, match="The game is over"):
        anticipate(board, engine, ScriptedOpponent(engine), TEST_LIMIT)
