"""The base adapter: trained on many players' games over the prior at each game's ratings.

What it can learn that Maia-3 lacks is the whole game as context (Maia sees eight positions),
and how the players of our data - online amateurs first - differ from lichess's rating averages.
Games are drawn from the given files with weights per source (the online amateurs weigh most),
players held out for evaluation are left out entirely, each game is read at its players' recorded
ratings (the default rating where a game has none), and the newest-independent 3% validate.

The work is resumable end to end: the prior cache (``<out>/cache``) continues where it stopped,
and training continues from ``<out>/checkpoint.pt`` with ``resume``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import chess
import numpy as np

from kibitz.engine.priors import rating_key
from kibitz.engine.store import name_key
from kibitz.training.corpus import Corpus
from kibitz.training.export import export_model
from kibitz.training.model import Adapter, AdapterConfig
from kibitz.training.prior_cache import CacheGame, MAX_PLIES, build_cache
from kibitz.training.progress import Reporter
from kibitz.training.splits import HELD_OUT_PLAYERS
from kibitz.training.train import CHECKPOINT_FILE, TrainSettings, train_adapter

#: Share of the position budget per source file pattern (the rest of the files share what is left).
DEFAULT_SHARES = {"masters*": 0.2, "lichess_bands*": 0.25}
VALIDATION_FRACTION = 0.03


@dataclass(frozen=True)
class PretrainPlan:
    """What to train the base adapter on; the command line fills it."""

    positions: int = 600_000
    shares: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SHARES))
    exclude_players: tuple[str, ...] = tuple(n for names in HELD_OUT_PLAYERS.values() for n in names)
    seed: int = 0


def game_ratings(corpus: Corpus, i: int) -> tuple[int, int]:
    """(White, Black) ratings of game ``i`` for the prior: as recorded, else the default."""
    white, black = int(corpus.white_elo[i]), int(corpus.black_elo[i])
    return rating_key(white if white > 0 else None), rating_key(black if black > 0 else None)


def select_games(corpus: Corpus, plan: PretrainPlan) -> np.ndarray:
    """Indices of the chosen games (shuffled), about ``plan.positions`` plies in all."""
    rng = np.random.default_rng(plan.seed)
    excluded = {name_key(n) for n in plan.exclude_players}
    usable = np.array([name_key(str(w)) not in excluded and name_key(str(b)) not in excluded and corpus.plies(i) > 0
                       for i, (w, b) in enumerate(zip(corpus.white, corpus.black))])
    sources = sorted(set(corpus.source.tolist()))
    pattern_of = {s: next((p for p in plan.shares if fnmatch.fnmatch(s, p)), None) for s in sources}
    rest = [s for s in sources if pattern_of[s] is None]
    present = {p: share for p, share in plan.shares.items() if p in pattern_of.values()}
    rest_share = max(0.0, 1.0 - sum(present.values())) if rest else 0.0
    scale = 1.0 / max(1e-9, sum(present.values()) + rest_share)  # shares of absent sources go to the rest
    chosen: list[np.ndarray] = []
    for source in sources:
        pattern = pattern_of[source]
        if pattern is None:
            share = scale * rest_share * _plies_in(corpus, usable, source) / max(1, sum(_plies_in(corpus, usable, r) for r in rest))
        else:
            matching = [s for s in sources if pattern_of[s] == pattern]
            share = scale * plan.shares[pattern] * _plies_in(corpus, usable, source) / max(1, sum(_plies_in(corpus, usable, m) for m in matching))
        candidates = rng.permutation(np.flatnonzero(usable & (corpus.source == source)))
        plies = np.minimum(np.diff(corpus.move_offsets)[candidates], MAX_PLIES)
        take = int(np.searchsorted(np.cumsum(plies), share * plan.positions))
        chosen.append(candidates[:take])
    return rng.permutation(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def _plies_in(corpus: Corpus, usable: np.ndarray, source: str) -> int:
    index = np.flatnonzero(usable & (corpus.source == source))
    return int(np.minimum(np.diff(corpus.move_offsets)[index], MAX_PLIES).sum())


def pretrain(
    corpus: Corpus,
    out: Path,
    plan: PretrainPlan,
    settings: TrainSettings,
    reporter: Reporter,
    *,
    config: AdapterConfig = AdapterConfig(),
    resume: bool = False,
    export: bool = True,
) -> Adapter:
    chosen = select_games(corpus, plan)
    if len(chosen) < 10:
        raise ValueError(f"only {len(chosen)} games are left for pretraining after the exclusions")
    items = [CacheGame(corpus.game(int(i)), *game_ratings(corpus, int(i)), (chess.WHITE, chess.BLACK)) for i in chosen]
    hundreds = np.bincount([(c.white + c.black) // 200 for c in items], minlength=31)
    by_rating = {f"{100 * h}s": int(hundreds[h]) for h in range(len(hundreds)) if hundreds[h]}
    reporter.info(f"{len(items):,} games chosen; by mean rating: " + ", ".join(f"{k}: {v}" for k, v in by_rating.items()))
    reporter.stage("prior cache", len(items), unit="game")
    done = [0]

    def cached(n: int, total: int) -> None:
        reporter.advance(n - done[0])
        done[0] = n

    sources = {str(s): int(c) for s, c in zip(*np.unique(corpus.source[chosen], return_counts=True))}
    cache = build_cache(items, out / "cache", progress=cached, description={"sources": sources})
    n_val = max(1, int(len(items) * VALIDATION_FRACTION))
    val, train = np.arange(n_val), np.arange(n_val, len(items))
    model = Adapter(config)
    reporter.stage("train", int(np.ceil(settings.max_epochs * 100)), unit="%epoch")
    shown = [0]

    def trained(epoch: float, evaluation: object) -> None:
        now = int(epoch * 100)
        if now > shown[0]:
            reporter.advance(now - shown[0], **({"val_nll": f"{evaluation.nll:.4f}", "val_top1": f"{evaluation.top1:.3f}"}
                                                 if evaluation is not None else {}))
            shown[0] = now

    result = train_adapter(model, cache, train, val, settings, checkpoint=out / CHECKPOINT_FILE,
                           resume=resume, progress=trained)
    reporter.info(f"validation NLL {result.start.nll:.4f} (prior alone) -> {result.best.nll:.4f}, top-1 "
                  f"{result.start.top1:.1%} -> {result.best.top1:.1%}, {result.epochs:.2f} epochs, {result.seconds:.0f} s")
    if export:
        info = {"kind": "base", "games": len(items), "positions": cache.num_positions, "sources": sources,
                "excluded_players": list(plan.exclude_players), "shares": plan.shares,
                "mean_ratings": by_rating,
                "settings": settings.__dict__, "epochs": round(result.epochs, 3), "seconds": round(result.seconds),
                "history": result.history,
                "validation": {"prior_nll": result.start.nll, "prior_top1": result.start.top1,
                               "nll": result.best.nll, "top1": result.best.top1, "positions": result.best.positions},
                "filters": f"every ply of both colours up to ply {MAX_PLIES}; forced moves not scored in validation"}
        export_model(model, out, player=None, rating=None, games_trained=len(items), info=info,
                     parity_games=[items[int(i)].game for i in val[:3]])
    return model


def export_untrained(out: Path, parity_games: Sequence) -> None:
    """The adapter before any training: exactly the prior (its head is zero)."""
    export_model(Adapter(AdapterConfig()), out, player=None, rating=None, games_trained=0,
                 parity_games=parity_games, info={"kind": "base", "untrained": True}, identity=True)
