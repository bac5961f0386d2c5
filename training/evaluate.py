"""Scoring a model on one player's moves, beside the baselines.

Protocol: only the player's own moves count; positions with a single legal move are skipped;
``--from-ply`` restricts to later plies (plies count from 1 = White's first move). The model runs
exactly as the app runs it - the prior and adapter ONNX graphs through onnxruntime
(:mod:`kibitz.engine.scoring`) - so the figures describe what a user sees. NLL is in nats over
the legal moves.

The player's rating for the prior: a personal model's own; for the base adapter, fitted on the
``--history`` games as the app's retraining fits it (the default rating without history). Baselines: ``uniform``
(every legal move equally likely, in expectation), ``frequency`` (the player's own most-played
move in that exact position in the ``--history`` games, Laplace smoothed; uniform where the
position was never seen) and ``prior`` (Maia-3 alone at that rating, no adapter).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import chess

from kibitz.engine.models import ModelError, load_model_info
from kibitz.engine.player_games import replay
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.priors import DEFAULT_RATING
from kibitz.engine.ratings import choose_rating
from kibitz.engine.scoring import (PHASES, Score, ScoredGame, compare_models, frequency_hits, position_key,
                                   rank_hits)
from kibitz.engine.scoring import move_frequencies as scoring_frequencies
from kibitz.training.corpus import GameInput

def move_frequencies(games: Sequence[tuple[GameInput, chess.Color]]) -> dict[str, Counter[str]]:
    """How often the player chose each move in each position of ``games``."""
    return scoring_frequencies(scored_games(games))


def scored_games(games: Sequence[tuple[GameInput, chess.Color]]) -> list[ScoredGame]:
    """The player's side of each game, the opponent at their recorded rating (None: unknown)."""
    return [ScoredGame(g.start_board(), list(g.moves), colour, g.rating_of(not colour)) for g, colour in games]


@dataclass
class Evaluation:
    overall: Score = field(default_factory=Score)
    later: Score = field(default_factory=Score)  # plies >= 11
    phases: dict[str, Score] = field(default_factory=lambda: {name: Score() for name, _, _ in PHASES})
    uniform: Score = field(default_factory=Score)
    frequency: Score = field(default_factory=Score)
    prior: Score = field(default_factory=Score)
    games: int = 0
    rating: int = DEFAULT_RATING
    rating_nll: dict[int, float] = field(default_factory=dict)

    def as_dict(self, player: str) -> dict:
        return {
            "player": player,
            "games": self.games,
            **self.overall.summary(),
            "prior": {"rating": self.rating, "chosen_by": {str(r): round(v, 4) for r, v in self.rating_nll.items()}},
            "plies_11_plus": self.later.summary(),
            "by_phase": {name: score.summary() for name, score in self.phases.items()},
            "baselines": {"uniform": self.uniform.summary(), "frequency": self.frequency.summary(),
                          "prior": self.prior.summary()},
        }


def evaluate_games(
    adapter: AdapterSession,
    rating: int,
    games: Sequence[tuple[GameInput, chess.Color]],
    *,
    history: dict[str, Counter[str]] | None = None,
    from_ply: int = 0,
) -> Evaluation:
    """Score the adapter over the prior, the player at ``rating``, on the moves of the given colour in each game."""
    result = Evaluation(games=len(games), rating=rating)
    history = history or {}
    boards = _boards_before_scored_moves(games)
    for prior, model in compare_models([adapter], rating, scored_games(games), include_prior=True):
        ply_number = model.ply + 1
        if len(model.moves) < 2 or ply_number < from_ply:
            continue
        hits = rank_hits(model.probabilities, model.played)
        result.overall.add(*hits)
        result.prior.add_ply(prior)
        if ply_number >= 11:
            result.later.add(*hits)
        for name, low, high in PHASES:
            if low <= ply_number <= high:
                result.phases[name].add(*hits)
        n = len(model.moves)
        result.uniform.add(1 / n, min(3, n) / n, math.log(n))
        result.frequency.add(*frequency_hits(history.get(boards[(model.game, model.ply)]), model.moves, model.played))
    return result


def _boards_before_scored_moves(games: Sequence[tuple[GameInput, chess.Color]]) -> dict[tuple[int, int], str]:
    keys: dict[tuple[int, int], str] = {}
    for g, (game, colour) in enumerate(games):
        for ply, board, _ in replay(game.start_board(), game.moves, colour):
            keys[(g, ply)] = position_key(board)
    return keys


def rating_for_model(folder: Path, history: Sequence[tuple[GameInput, chess.Color]]) -> tuple[int, dict[int, float]]:
    """The player's rating a model is served at: a personal model's own; for the base adapter the
    one the player's history chooses (as retraining fits it), the default rating without history."""
    info = load_model_info(folder)
    if info.rating is not None:
        return info.rating, {}
    if not history:
        return DEFAULT_RATING, {}
    fit = choose_rating(scored_games(history))
    return fit.rating, fit.nll


def evaluate_from_files(model: Path, player: str, pgn: list[Path], *, history: list[Path] | None = None,
                        home: Path | None = None, from_ply: int = 0, as_json: bool = False) -> int:
    """``kibitz-train evaluate``: the model in ``model`` on ``player``'s games in ``pgn``, printed."""
    from kibitz.training.player_games import player_games_from_files

    games = player_games_from_files(player, pgn, home=home)
    history_games = player_games_from_files(player, history, home=home, required=False) if history else []
    older = [(g, c) for g, c, _ in history_games]
    try:
        rating, rating_nll = rating_for_model(model, older)
        adapter = AdapterSession(load_model_info(model))
    except ModelError as error:
        raise ValueError(str(error)) from error
    result = evaluate_games(adapter, rating, [(g, c) for g, c, _ in games], history=move_frequencies(older),
                            from_ply=from_ply)
    result.rating_nll = rating_nll
    report = result.as_dict(player)
    print(json.dumps(report) if as_json else format_report(report, model=str(model)))
    return 0


def format_report(report: dict, *, model: str) -> str:
    def row(name: str, s: dict) -> str:
        return f"  {name:<18} {s['top1']:7.1%} {s['top3']:7.1%} {s['nll']:7.3f} {s['positions']:9,}"

    lines = [f"{report['player']}: {report['games']} games, model {model}, Maia-3 at {report['prior']['rating']}",
             f"  {'':<18} {'top-1':>7} {'top-3':>7} {'NLL':>7} {'positions':>9}",
             row("model, all moves", report), row("model, ply 11+", report["plies_11_plus"])]
    lines += [row(f"  plies {k}", v) for k, v in report["by_phase"].items()]
    lines += [row(f"{k} baseline", v) for k, v in report["baselines"].items()]
    return "\n".join(lines)
