"""Time to fine-tune one player's personal model, stage by stage, beside a bare prior pass.

Fine-tunes on a real player's newest games (default: 1,000 of jowen93's) exactly as the app's
retraining does - band choice, the prior over every ply, training, export, the book, the served
judgement - and prints each stage's seconds. Beside it, in the same run, the baseline: one bare
Maia-1 pass over the same plies (onnxruntime, batches of 256), so the ratio holds on a busy
machine. Goal (issue 8): <= 120 s for 1,000 games on the 2 cores, Maia's pass included.

    python bench/finetune_bench.py [--player jowen93] [--games 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from kibitz.engine.features import FEATURE_SHAPE, PositionHistory
from kibitz.engine.priors import prior_session
from kibitz.training.personal import finetune
from kibitz.training.player_games import player_games_from_files
from kibitz.training.progress import Reporter

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "online"


class StageClock(Reporter):
    """A silent reporter that notes when each stage starts."""

    def __init__(self) -> None:
        super().__init__("none")
        self.marks: list[tuple[str, float]] = []

    def stage(self, name: str, total: int, *, player: str | None = None, unit: str = "it") -> None:
        self.marks.append((name, time.monotonic()))


def bare_prior_pass(games: list, band: int) -> float:
    """Seconds for the prior alone over every ply of ``games`` (planes included)."""
    started = time.monotonic()
    planes = []
    for game, _, _ in games:
        history = PositionHistory(game.start_board())
        for move in game.moves:
            plane = np.empty(FEATURE_SHAPE, np.float32)
            history.planes_into(plane)
            planes.append(plane)
            history.push(move)
    prior_session(band, 2).run_batched(np.stack(planes))
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--player", default="jowen93")
    parser.add_argument("--games", type=int, default=1000)
    args = parser.parse_args()
    games = player_games_from_files(args.player, [DATA / f"{args.player}.pgn.xz"])[-args.games:]
    plies = sum(len(g.moves) for g, _, _ in games)
    clock = StageClock()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        result = finetune(games, Path(tmp) / "model", clock, player=args.player)
    ended = time.monotonic()
    baseline = bare_prior_pass(games, result.band)
    print(f"{args.player}: {len(games)} games, {plies:,} plies, Maia {result.band}; "
          f"{result.epochs:.2f} epochs; installed: {result.improved}; book strength {result.book_strength:g}")
    print(f"{'stage':<34} {'seconds':>8}")
    marks = [*clock.marks, ("end", ended)]
    for (name, at), (_, until) in zip(marks, marks[1:]):
        print(f"{name:<34} {until - at:8.1f}")
    total = ended - started
    print(f"{'fine-tune in all':<34} {total:8.1f}   (goal <= 120 s for 1,000 games)")
    print(f"{'baseline: one bare prior pass':<34} {baseline:8.1f}   ratio {total / baseline:.1f}x")


if __name__ == "__main__":
    main()
