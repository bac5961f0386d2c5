"""Choosing and weighting the games a base model is pretrained on."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

import numpy as np

from kibitz.training.corpus import Corpus
from kibitz.training.splits import games_with


def parse_weights(specs: Sequence[str]) -> list[tuple[str, int]]:
    """``["online/*=3"]`` -> ``[("online/*", 3)]``: games from matching files are repeated."""
    out = []
    for spec in specs:
        pattern, _, factor = spec.rpartition("=")
        if not pattern or not factor.isdigit() or int(factor) < 1:
            raise ValueError(f"--weight expects PATTERN=N with N >= 1, got {spec!r}")
        out.append((pattern, int(factor)))
    return out


def select_games(
    corpus: Corpus,
    *,
    exclude_players: Sequence[str],
    weights: Sequence[tuple[str, int]],
    include_players: Sequence[str] = (),
    val_fraction: float = 0.01,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(games to encode, training indices into them with repeats, validation indices).

    Only games of ``include_players`` are kept when given; games of excluded players are dropped; a random ``val_fraction`` of the rest is kept
    for validation loss; training games from files matching a weight pattern are repeated.
    """
    keep = np.ones(len(corpus), dtype=bool)
    if include_players:
        keep[:] = False
        keep[games_with(corpus, include_players)] = True
    if exclude_players:
        keep[games_with(corpus, exclude_players)] = False
    keep &= np.diff(corpus.move_offsets) > 0
    chosen = np.flatnonzero(keep)
    rng = np.random.default_rng(seed)
    is_val = rng.random(len(chosen)) < val_fraction
    local = np.arange(len(chosen))
    repeats = np.ones(len(chosen), dtype=np.int64)
    for pattern, factor in weights:
        match = np.array([fnmatch.fnmatch(str(s), pattern) for s in corpus.source[chosen]])
        repeats[match] = factor
    train = np.repeat(local[~is_val], repeats[~is_val])
    return chosen, train, local[is_val]
