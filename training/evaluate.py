"""Scoring a model on one player's moves, beside the baselines.

Protocol (the issue's): only the player's own moves count; positions with a single legal move are
skipped; ``--from-ply`` restricts to later plies (plies count from 1 = White's first move). The
model runs exactly as the app runs it - the exported ONNX step graph through onnxruntime - so the
figures describe what a user sees. NLL is in nats over the legal moves.

Baselines: ``uniform`` (every legal move equally likely, in expectation) and ``frequency`` (the
player's own most-played move in that exact position in the ``--history`` games, Laplace
smoothed; uniform where the position was never seen).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import chess
import numpy as np

from kibitz.engine.models import ModelError
from kibitz.engine.predictor import ModelPredictor, open_model
from kibitz.training.sequences import GameInput

PHASES: tuple[tuple[str, int, int], ...] = (("1-10", 1, 10), ("11-50", 11, 50), ("51+", 51, 10**9))


@dataclass
class Score:
    """Running top-1 / top-3 / NLL over scored positions (hits may be fractional expectations)."""

    positions: int = 0
    top1: float = 0.0
    top3: float = 0.0
    nll: float = 0.0

    def add(self, top1: float, top3: float, nll: float) -> None:
        self.positions += 1
        self.top1 += top1
        self.top3 += top3
        self.nll += nll

    def summary(self) -> dict[str, float | int]:
        n = max(self.positions, 1)
        return {"positions": self.positions, "top1": self.top1 / n, "top3": self.top3 / n, "nll": self.nll / n}


def rank_hits(probabilities: np.ndarray, played: int) -> tuple[float, float, float]:
    """(top-1 hit, top-3 hit, -log p) for the move at index ``played``; ties count in expectation."""
    p = probabilities[played]
    higher = int((probabilities > p).sum())
    tied = int((probabilities == p).sum())  # includes the played move

    def expected_hit(k: int) -> float:
        slots = k - higher
        return 0.0 if slots <= 0 else min(1.0, slots / tied)

    return expected_hit(1), expected_hit(3), -math.log(max(float(p), 1e-12))


def position_key(board: chess.Board) -> str:
    return board.epd()


def move_frequencies(games: Sequence[tuple[GameInput, chess.Color]]) -> dict[str, Counter[str]]:
    """How often the player chose each move in each position of ``games``."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for game, colour in games:
        board = game.start_board()
        for move in game.moves:
            if board.turn == colour:
                table[position_key(board)][move.uci()] += 1
            board.push(move)
    return table


@dataclass
class Evaluation:
    overall: Score = field(default_factory=Score)
    later: Score = field(default_factory=Score)  # plies >= 11, the field's headline protocol
    phases: dict[str, Score] = field(default_factory=lambda: {name: Score() for name, _, _ in PHASES})
    uniform: Score = field(default_factory=Score)
    frequency: Score = field(default_factory=Score)
    games: int = 0

    def as_dict(self, player: str) -> dict:
        return {
            "player": player,
            "games": self.games,
            **self.overall.summary(),
            "plies_11_plus": self.later.summary(),
            "by_phase": {name: score.summary() for name, score in self.phases.items()},
            "baselines": {"uniform": self.uniform.summary(), "frequency": self.frequency.summary()},
        }


def evaluate_games(
    predictor: ModelPredictor,
    games: Sequence[tuple[GameInput, chess.Color]],
    *,
    history: dict[str, Counter[str]] | None = None,
    from_ply: int = 0,
    on_game: Callable[[], None] | None = None,
) -> Evaluation:
    """Score ``predictor`` on the moves of the given colour in each game."""
    result = Evaluation()
    history = history or {}
    for game, colour in games:
        start = game.start_board()
        predictor.reset(start)
        result.games += 1
        board = start.copy()
        for ply, move in enumerate(game.moves, start=1):
            if board.turn == colour and ply >= from_ply:
                legal, probs = predictor.probabilities()
                if len(legal) > 1:
                    played = legal.index(move)
                    hits = rank_hits(probs, played)
                    result.overall.add(*hits)
                    if ply >= 11:
                        result.later.add(*hits)
                    for name, low, high in PHASES:
                        if low <= ply <= high:
                            result.phases[name].add(*hits)
                    n = len(legal)
                    result.uniform.add(1 / n, min(3, n) / n, math.log(n))
                    counts = history.get(position_key(board))
                    if counts:
                        total = sum(counts.values())
                        freq = np.array([(counts.get(m.uci(), 0) + 1) / (total + n) for m in legal])
                        result.frequency.add(*rank_hits(freq, played))
                    else:
                        result.frequency.add(1 / n, min(3, n) / n, math.log(n))
            predictor.push(move)
            board.push(move)
        if on_game:
            on_game()
    return result


def evaluate_from_files(args: argparse.Namespace) -> int:
    from kibitz.training.player_games import player_games_from_files
    from kibitz.training.progress import Reporter

    reporter = Reporter("none" if args.json else args.progress)
    try:
        predictor = open_model(args.model)
    except ModelError as error:
        raise ValueError(str(error)) from error
    games = player_games_from_files(args.player, args.pgn, home=args.home)
    history_games = player_games_from_files(args.player, args.history, home=args.home, required=False) if args.history else []
    history = move_frequencies([(g, c) for g, c, _ in history_games])
    reporter.stage("evaluate", len(games), player=args.player, unit="game")
    result = evaluate_games(predictor, [(g, c) for g, c, _ in games], history=history,
                            from_ply=args.from_ply, on_game=reporter.advance)
    reporter.close()
    report = result.as_dict(args.player)
    if args.json:
        print(json.dumps(report))
    else:
        print(format_report(report, model=str(args.model)))
    return 0


def format_report(report: dict, *, model: str) -> str:
    def row(name: str, s: dict) -> str:
        return f"  {name:<16} {s['top1']:7.1%} {s['top3']:7.1%} {s['nll']:7.3f} {s['positions']:9,}"

    lines = [f"{report['player']}: {report['games']} games, model {model}",
             f"  {'':<16} {'top-1':>7} {'top-3':>7} {'NLL':>7} {'positions':>9}",
             row("model, all moves", report), row("model, ply 11+", report["plies_11_plus"])]
    lines += [row(f"  plies {k}", v) for k, v in report["by_phase"].items()]
    lines += [row(f"{k} baseline", v) for k, v in report["baselines"].items()]
    return "\n".join(lines)
