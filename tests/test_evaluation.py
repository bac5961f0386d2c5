"""Evaluation arithmetic on hand-made cases."""

from __future__ import annotations

import math

import chess
import numpy as np
import pytest

from kibitz.engine.predictor import ModelStatus
from kibitz.training.evaluate import Score, evaluate_games, move_frequencies, rank_hits
from kibitz.training.sequences import GameInput


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


class ScriptedPredictor:
    """Puts all probability on a fixed move per position, else uniform."""

    status = ModelStatus("base", "scripted")

    def __init__(self, favourite: dict[str, str]) -> None:
        self.favourite = favourite
        self.board = chess.Board()

    def reset(self, board: chess.Board | None = None) -> None:
        self.board = (board or chess.Board()).copy()

    def push(self, move: chess.Move) -> None:
        self.board.push(move)

    def probabilities(self):
        legal = list(self.board.legal_moves)
        fav = self.favourite.get(self.board.epd())
        if fav is None:
            return legal, np.full(len(legal), 1 / len(legal))
        probs = np.array([0.9 if m.uci() == fav else 0.1 / (len(legal) - 1) for m in legal])
        return legal, probs


def test_only_the_players_moves_count_and_forced_moves_are_skipped() -> None:
    moves = [chess.Move.from_uci(u) for u in ["e2e4", "e7e5", "d1h5", "e8e7", "h5e5"]]
    game = GameInput(moves)
    board = chess.Board()
    favourites = {board.epd(): "e2e4"}  # right
    board.push(moves[0])
    board.push(moves[1])
    favourites[board.epd()] = "g1f3"  # wrong: 2.Qh5 was played
    board.push(moves[2])
    board.push(moves[3])
    n_last = board.legal_moves.count()  # 3.Qxe5+ is scored against a uniform guess
    result = evaluate_games(ScriptedPredictor(favourites), [(game, chess.WHITE)])
    assert result.overall.positions == 3  # White's plies 1, 3 and 5
    assert result.phases["1-10"].positions == 3 and result.later.positions == 0
    summary = result.overall.summary()
    assert summary["top1"] == pytest.approx((1 + 0 + 1 / n_last) / 3)
    n_second = 29  # legal moves after 1.e4 e5
    expected_nll = (-math.log(0.9) - math.log(0.1 / (n_second - 1)) + math.log(n_last)) / 3
    assert summary["nll"] == pytest.approx(expected_nll)


def test_a_forced_move_is_not_scored() -> None:
    # The rook on g1 checks the king on h1, whose only move is to take it.
    start = chess.Board("7k/8/8/8/8/8/5PPP/6rK w - - 0 1")
    assert start.is_check() and len(list(start.legal_moves)) == 1
    game = GameInput([next(iter(start.legal_moves))], fen=start.fen())
    result = evaluate_games(ScriptedPredictor({}), [(game, chess.WHITE)])
    assert result.overall.positions == 0


def test_frequency_baseline_uses_the_players_own_choices() -> None:
    e4 = GameInput([chess.Move.from_uci("e2e4")])
    d4 = GameInput([chess.Move.from_uci("d2d4")])
    history = move_frequencies([(e4, chess.WHITE), (e4, chess.WHITE), (d4, chess.WHITE), (e4, chess.BLACK)])
    assert history[chess.Board().epd()] == {"e2e4": 2, "d2d4": 1}
    result = evaluate_games(ScriptedPredictor({}), [(e4, chess.WHITE), (d4, chess.WHITE)], history=history)
    freq = result.frequency.summary()
    assert freq["top1"] == 0.5  # right about e4, wrong about d4
    assert freq["top3"] == 1.0
    n = 20
    assert result.uniform.summary()["top1"] == pytest.approx(1 / n)
    assert result.uniform.summary()["nll"] == pytest.approx(math.log(n))
