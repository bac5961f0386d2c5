"""Anticipation against a model of one person, beside plain Stockfish at the same depth.

    python bench/anticipation_bench.py --model runs/falc0nfeast --games 12 --depth 8

The opponent samples every move from a real player's personal model (``--model``, a model folder
such as ``kibitz-train finetune`` writes; its rating for the prior from the folder). kibitz plays it twice
from the same seeds, in both colours: once in anticipation mode (of the engine's best
``--candidates`` moves, the one with the best expected result against this opponent's model -
engine/anticipation.py - every search at ``--depth``), once as plain Stockfish at the same depth.
A game that reaches ``--max-plies`` is scored a draw. Printed: wins, draws and losses with a 95%
Wilson interval on the score, and the mean length of the won games in plies with its standard
error, per mode and colour. (The published "Antimaia" experiment, Stockfish depth 10 over
Maia-1900: 100 of 100 wins in 37 plies as White, 43 as Black, where plain Stockfish needed 70/67.)
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import chess
import chess.engine
import numpy as np

from kibitz.engine.analysis import Engine, find_engine
from kibitz.engine.anticipation import PredictorReplies, anticipate
from kibitz.engine.predictor import ModelPredictor, open_model


@dataclass
class Tally:
    wins: int = 0
    draws: int = 0
    losses: int = 0
    won_lengths: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses

    def add(self, outcome: float, plies: int) -> None:
        if outcome == 1:
            self.wins += 1
            self.won_lengths.append(plies)
        elif outcome == 0:
            self.losses += 1
        else:
            self.draws += 1

    def line(self, name: str) -> str:
        score = (self.wins + 0.5 * self.draws) / self.games
        low, high = wilson(score, self.games)
        if self.won_lengths:
            mean = statistics.mean(self.won_lengths)
            se = statistics.stdev(self.won_lengths) / math.sqrt(len(self.won_lengths)) if len(self.won_lengths) > 1 else 0.0
            length = f"{mean:5.1f} ± {se:4.1f}"
        else:
            length = "   -       "
        return (f"{name:<28} {self.wins:>3} {self.draws:>3} {self.losses:>3}   {score:5.1%} [{low:.0%}, {high:.0%}]"
                f"   {length}   {self.seconds / self.games:6.1f} s/game")


def wilson(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion ``p`` out of ``n``."""
    if n == 0:
        return (0.0, 1.0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def play(mode: str, colour: chess.Color, seed: int, engine: Engine, opponent: ModelPredictor,
         model_for_us: ModelPredictor, limit: chess.engine.Limit, candidates: int, max_plies: int) -> tuple[float, int]:
    """One game; returns (our points, plies)."""
    rng = np.random.default_rng(seed)
    board = chess.Board()
    opponent.reset(board)
    replies = PredictorReplies(model_for_us)
    while not board.is_game_over(claim_draw=True) and board.ply() < max_plies:
        if board.turn == colour:
            if mode == "anticipation":
                move = anticipate(board, engine, replies, limit, candidates=candidates).best.move
            else:
                move = engine.candidates(board, limit, 1)[0][0]
        else:
            legal, probabilities = opponent.probabilities()
            move = legal[int(rng.choice(len(legal), p=probabilities / probabilities.sum()))]
        opponent.push(move)
        board.push(move)
    outcome = board.outcome(claim_draw=True)
    if outcome is None or outcome.winner is None:
        return 0.5, board.ply()
    return (1.0 if outcome.winner == colour else 0.0), board.ply()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="the opponent's personal model folder")
    parser.add_argument("--rating", type=int, help="the opponent's rating for the prior (default: the model's "
                        "own; the base model, assets/base, at --rating 1900 is Maia-3 at 1900)")
    parser.add_argument("--games", type=int, default=12, help="games per mode and colour")
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--candidates", type=int, default=5)
    parser.add_argument("--max-plies", type=int, default=300)
    parser.add_argument("--engine", help="UCI engine (default: stockfish on PATH or /usr/games)")
    args = parser.parse_args()
    path = find_engine(args.engine)
    if path is None:
        print("no engine: install Stockfish", file=sys.stderr)
        return 1
    opponent = open_model(args.model, rating=args.rating)
    ours = open_model(args.model, rating=args.rating)  # the same model, a predictor of its own: kibitz's view of it
    limit = chess.engine.Limit(depth=args.depth)
    print(f"opponent: {opponent.status.description} ({args.model}), sampling its moves; "
          f"engine {path}, depth {args.depth}, one thread, 16 MB hash, fresh per game; "
          f"{args.games} games per mode and colour, seeds shared between the modes")
    tallies: dict[tuple[str, bool], Tally] = {}
    for colour in (chess.WHITE, chess.BLACK):
        for mode in ("anticipation", "plain Stockfish"):
            tally = tallies.setdefault((mode, colour), Tally())
            for game in range(args.games):
                started = time.perf_counter()
                with Engine.open(path) as engine:
                    points, plies = play(mode, colour, 1000 + game, engine, opponent, ours, limit,
                                         args.candidates, args.max_plies)
                tally.seconds += time.perf_counter() - started
                tally.add(points, plies)
                print(f"  {mode} as {'White' if colour else 'Black'}, game {game + 1}: {points} in {plies} plies",
                      flush=True)
    print(f"\n{'':<28}   W   D   L   score [95% CI]       won games: mean plies ± s.e.")
    for (mode, colour), tally in tallies.items():
        print(tally.line(f"{mode} as {'White' if colour else 'Black'}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
