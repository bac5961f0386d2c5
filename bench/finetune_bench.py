"""Time to retrain one player's personal model: from scratch, and with the prior's outputs kept.

Fine-tunes on a real player's newest games (default: 1,000 of jowen93's) exactly as the app's
retraining does (``kibitz.training.personal.finetune``: the rating fit, the prior's view of every
ply, training, export, the book, the served judgement), twice in the same run:

1. from scratch: no output of the prior is kept, so every ply of every game runs through it (the
   outputs it computes are kept, as the app's background work keeps them for stored games);
2. the same retrain again with those outputs kept and the rating the first run fitted (what a
   retrain costs once the background work has caught up: the app refits a player's rating only
   when their games have grown by a quarter since the last fit).

Each stage's seconds are printed for both. Goal (issue 17): <= 120 s for 1,000 games on the 2
cores when the prior's outputs are already kept.

    nice -n 10 python bench/finetune_bench.py [--player jowen93] [--games 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from common import load_note, player_games
from kibitz.engine.prior_outputs import GameOutputs, compute_outputs
from kibitz.engine.priors import prior_session
from kibitz.training.personal import FinetuneResult, finetune
from kibitz.training.prior_cache import CacheGame
from kibitz.training.progress import Reporter

GOAL_S = 120.0


class StageClock(Reporter):
    """A silent reporter that notes when each stage starts."""

    def __init__(self) -> None:
        super().__init__("none")
        self.marks: list[tuple[str, float]] = []

    def stage(self, name: str, total: int, *, player: str | None = None, unit: str = "it") -> None:
        self.marks.append((name, time.monotonic()))


class KeptOutputs:
    """The prior's outputs of the games, kept as the store keeps them: those not kept yet (at the
    ratings asked) are computed and kept; ``computed_s`` is the time spent computing."""

    def __init__(self) -> None:
        self.kept: dict[tuple[int | None, int, int], GameOutputs] = {}
        self.computed_s = 0.0
        self.computed_games = 0

    def __call__(self, games: Sequence[CacheGame]) -> list[GameOutputs]:
        missing = [g for g in games if (g.game_id, g.white, g.black) not in self.kept]
        if missing:
            started = time.monotonic()
            outputs = compute_outputs(prior_session(2), [(g.game.start_board(), list(g.game.moves), g.white, g.black)
                                                         for g in missing])
            self.computed_s += time.monotonic() - started
            self.computed_games += len(missing)
            self.kept.update(((g.game_id, g.white, g.black), o) for g, o in zip(missing, outputs))
        return [self.kept[(g.game_id, g.white, g.black)] for g in games]


def timed_finetune(games: list, player: str, kept: KeptOutputs, rating: int | None = None
                   ) -> tuple[FinetuneResult, list[tuple[str, float]], float]:
    clock = StageClock()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        result = finetune(games, Path(tmp) / "model", clock, player=player, kept=kept, rating=rating)
    ended = time.monotonic()
    marks = [*clock.marks, ("end", ended)]
    return result, [(name, until - at) for (name, at), (_, until) in zip(marks, marks[1:])], ended - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--player", default="jowen93")
    parser.add_argument("--games", type=int, default=1000)
    args = parser.parse_args()
    games = player_games(args.player)[-args.games:]
    # Stored games have ids: the kept outputs are found by them, as in the store.
    games = [(dataclasses.replace(g, game_id=i), c, d) for i, (g, c, d) in enumerate(games)]
    plies = sum(len(g.moves) for g, _, _ in games)
    kept = KeptOutputs()
    scratch, stages_scratch, total_scratch = timed_finetune(games, args.player, kept)
    computed_s, computed_games = kept.computed_s, kept.computed_games
    again, stages_kept, total_kept = timed_finetune(games, args.player, kept, rating=scratch.rating)
    print(f"{args.player}: {len(games)} games, {plies:,} plies; Maia-3 at {scratch.rating} (then {again.rating}); "
          f"{scratch.epochs:.2f} / {again.epochs:.2f} epochs; installed: {scratch.improved} / {again.improved}; "
          f"{load_note()}")
    print(f"{'stage':<34} {'scratch s':>9} {'kept s':>8}")
    kept_stages = dict(stages_kept)
    for name, first in stages_scratch:
        print(f"{name:<34} {first:9.1f} {kept_stages.get(name, 0.0):8.1f}")
    print(f"{'retrain in all':<34} {total_scratch:9.1f} {total_kept:8.1f}   (goal <= {GOAL_S:g} s for 1,000 games, "
          f"outputs kept)")
    print(f"the prior's outputs computed in the scratch run: {computed_games} games in {computed_s:.1f} s "
          f"({computed_s / max(computed_games, 1):.2f} s a game: the background work per stored game); "
          f"computed again in the kept run: {kept.computed_games - computed_games} games")


if __name__ == "__main__":
    main()
