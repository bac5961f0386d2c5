"""Who is held out from the base adapter, and the benches' test split of a player's games.

The base model is scored on players it never saw: every game in which a held-out player took part
is kept out of pretraining. For the accuracy bench a player's games (in the order of
:mod:`kibitz.engine.player_games`) are split by date: the newest ~10% are the test set, the ~10%
before them validation, the rest training. The learning loop's own split (which games a model is
judged on) is :func:`kibitz.engine.player_games.judged_split`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from kibitz.engine.store import name_key
from kibitz.training.corpus import Corpus

T = TypeVar("T")

#: Players (with every PGN spelling) never seen by the shipped base model, for honest evaluation.
#: Three online amateurs - the closest to kibitz's users - and three masters.
HELD_OUT_PLAYERS: dict[str, tuple[str, ...]] = {
    "Bfx-de-Blr": ("Bfx-de-Blr",),
    "jowen93": ("jowen93",),
    "falc0nfeast": ("falc0nfeast",),
    "Jobava,Ba": ("Jobava,Ba",),
    "Kosteniuk,A": ("Kosteniuk,A", "Kosteniuk, Alexandra"),
    "Van Wely,L": ("Van Wely,L", "Van Wely, Loek"),
}


def games_with(corpus: Corpus, names: Iterable[str]) -> np.ndarray:
    """Indices of the games in which any of ``names`` played (either colour)."""
    wanted = {name_key(n) for n in names}
    white = np.array([name_key(n) in wanted for n in corpus.white])
    black = np.array([name_key(n) in wanted for n in corpus.black])
    return np.flatnonzero(white | black)




@dataclass(frozen=True)
class TimeSplit(Generic[T]):
    train: list[T]
    validation: list[T]
    test: list[T]


def time_split(ordered: Sequence[T], *, fraction: float = 0.1) -> TimeSplit[T]:
    """Split games already sorted oldest first: oldest -> train, then validation, newest -> test."""
    ordered = list(ordered)
    n = len(ordered)
    n_test = max(1, round(n * fraction)) if n >= 3 else 0
    n_val = max(1, round(n * fraction)) if n >= 3 else 0
    return TimeSplit(
        train=ordered[: n - n_test - n_val],
        validation=ordered[n - n_test - n_val : n - n_test],
        test=ordered[n - n_test :],
    )
