"""Evaluation: the arithmetic on hand-made cases, and the served graphs on small real cases."""

from __future__ import annotations

import math

import chess
import numpy as np
import pytest

from kibitz.engine.models import base_model_dir, load_model_info
from kibitz.engine.predictor import AdapterSession, open_model
from kibitz.engine.ratings import choose_rating
from kibitz.engine.scoring import Score, ScoredGame, prior_plies, rank_hits
from kibitz.training.corpus import GameInput
from kibitz.training.evaluate import evaluate_games, move_frequencies


def test_rank_hits_counts_ranks_and_ties_in_expectation() -> None:
    p = np.array([0.5, 0.3, 0.1, 0.1])
    assert rank_hits(p, 0) == (1.0, 1.0, pytest.approx(math.log(2)))
    assert rank_hits(p, 1)[:2] == (0.0, 1.0)
    # Two moves tied for third place: the played one is in the top 3 half the time.
    assert rank_hits(p, 2)[:2] == (0.0, 0.5)
    uniform = np.full(4, 0.25)
    assert rank_hits(uniform, 3)[:2] == (0.25, 0.75)


def test_score_summary_averages() -> None:
    s = Score()
    s.add(1, 1, 0.5)
    s.add(0, 1, 1.5)
    assert s.summary() == {"positions": 2, "top1": 0.5, "top3": 1.0, "nll": 1.0}


@pytest.fixture(scope="module")
def base_adapter() -> AdapterSession:
    return AdapterSession(load_model_info(base_model_dir()))


def test_only_the_players_moves_count_and_forced_moves_are_skipped(base_adapter: AdapterSession) -> None:
    moves = [chess.Move.from_uci(u) for u in ["e2e4", "e7e5", "d1h5", "e8e7", "h5e5"]]
    result = evaluate_games(base_adapter, 1500, [(GameInput(moves), chess.WHITE)])
    assert result.overall.positions == 3  # White's plies 1, 3 and 5
    assert result.phases["1-10"].positions == 3 and result.later.positions == 0
    black = evaluate_games(base_adapter, 1500, [(GameInput(moves), chess.BLACK)])
    assert black.overall.positions == 2


def test_a_forced_move_is_not_scored(base_adapter: AdapterSession) -> None:
    # The rook on g1 checks the king on h1, whose only move is to take it.
    start = chess.Board("7k/8/8/8/8/8/5PPP/6rK w - - 0 1")
    assert start.is_check() and len(list(start.legal_moves)) == 1
    game = GameInput([next(iter(start.legal_moves))], fen=start.fen())
    result = evaluate_games(base_adapter, 1500, [(game, chess.WHITE)])
    assert result.overall.positions == 0


def test_batched_scoring_matches_the_live_predictor(base_adapter: AdapterSession) -> None:
    """Evaluation scores many games at once; the app steps one ply at a time: same numbers."""
    sans = "e4 c5 Nf3 d6 d4 cxd4 Nxd4 Nf6 Nc3 a6 Be2 e5 Nb3 Be7 O-O O-O".split()
    board = chess.Board()
    moves = [board.push_san(san) for san in sans]
    short = moves[:7]
    games = [ScoredGame(chess.Board(), moves, chess.WHITE), ScoredGame(chess.Board(), short, chess.BLACK)]
    from kibitz.engine.scoring import model_plies

    batched = list(model_plies(base_adapter, 1600, games))
    live = open_model(base_model_dir(), rating=1600)
    for ply_score in batched:
        game = games[ply_score.game]
        live.reset(chess.Board())
        for move in game.moves[: ply_score.ply]:
            live.push(move)
        legal, probs = live.probabilities()
        assert legal == ply_score.moves
        assert np.allclose(probs, ply_score.probabilities, atol=1e-5)


def test_the_untrained_base_scores_as_the_prior_alone(base_adapter: AdapterSession) -> None:
    if load_model_info(base_model_dir()).meta["training"].get("untrained") is not True:
        pytest.skip("the bundled base adapter is trained")
    board = chess.Board()
    moves = [board.push_san(s) for s in "d4 d5 c4 e6 Nc3 Nf6 Bg5 Be7".split()]
    result = evaluate_games(base_adapter, 1500, [(GameInput(moves), chess.WHITE)])
    assert result.overall.summary() == pytest.approx(result.prior.summary())


def test_choose_rating_prefers_the_rating_that_predicts_the_moves_best() -> None:
    board = chess.Board()
    moves = [board.push_san(s) for s in "e4 e5 Nf3 Nc6 Bc4 Bc5 O-O Nf6 d3 d6".split()]
    games = [ScoredGame(chess.Board(), moves, chess.WHITE, opponent=1600)]
    fit = choose_rating(games)
    assert set(fit.nll) >= set(range(500, 2901, 200)) and fit.positions == 5
    assert fit.nll[fit.rating] == min(fit.nll.values())
    # Each rating's figure is the prior alone at that rating, the opponent at their recorded 1,600.
    for rating in (900, fit.rating):
        assert fit.nll[rating] == pytest.approx(float(np.mean([p.nll for p in prior_plies(rating, games)])), abs=1e-6)


def test_frequency_baseline_uses_the_players_own_choices(base_adapter: AdapterSession) -> None:
    e4 = GameInput([chess.Move.from_uci("e2e4")])
    d4 = GameInput([chess.Move.from_uci("d2d4")])
    history = move_frequencies([(e4, chess.WHITE), (e4, chess.WHITE), (d4, chess.WHITE), (e4, chess.BLACK)])
    assert history[chess.Board().epd()] == {"e2e4": 2, "d2d4": 1}
    result = evaluate_games(base_adapter, 1500, [(e4, chess.WHITE), (d4, chess.WHITE)], history=history)
    freq = result.frequency.summary()
    assert freq["top1"] == 0.5  # right about e4, wrong about d4
    assert freq["top3"] == 1.0
    n = 20
    assert result.uniform.summary()["top1"] == pytest.approx(1 / n)
    assert result.uniform.summary()["nll"] == pytest.approx(math.log(n))


def test_scoring_from_kept_outputs_gives_the_priors_probabilities(base_adapter: AdapterSession) -> None:
    """Judging reads the prior's kept outputs (float16, legal moves only) instead of running it:
    the same moves, probabilities equal to float16's precision, for both colours and ratings."""
    from kibitz.engine.prior_outputs import compute_outputs
    from kibitz.engine.priors import prior_session
    from kibitz.engine.scoring import model_plies

    board = chess.Board()
    moves = [board.push_san(san) for san in "e4 c5 Nf3 d6 d4 cxd4 Nxd4 Nf6 Nc3 a6 Be2 e5".split()]
    games = [ScoredGame(chess.Board(), moves, chess.WHITE, opponent=1200),
             ScoredGame(chess.Board(), moves[:9], chess.BLACK)]
    ratings = [(1700, 1200), (1700, 1700)]  # (White, Black): the player at 1,700, the opponent as recorded
    kept = compute_outputs(prior_session(), [(g.start, g.moves, w, b) for g, (w, b) in zip(games, ratings)])
    run = list(model_plies(base_adapter, 1700, games))
    read = list(model_plies(base_adapter, 1700, games, kept=kept))
    assert [(p.game, p.ply, p.moves) for p in run] == [(p.game, p.ply, p.moves) for p in read] and len(run) == 10
    for ran, was_kept in zip(run, read):
        assert np.allclose(ran.probabilities, was_kept.probabilities, atol=5e-3)
