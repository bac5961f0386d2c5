"""Who is held out, and how a player's games are split in time.

The base model is scored on players it never saw: every game in which a held-out player took part
is kept out of pretraining. A player's own games are split by date: the newest ~10% are the test
set, the ~10% before them validation (early stopping, the install decision), the rest training.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kibitz.training.corpus import Corpus

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


def normalize_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def games_with(corpus: Corpus, names: Iterable[str]) -> np.ndarray:
    """Indices of the games in which any of ``names`` played (either colour)."""
    wanted = {normalize_name(n) for n in names}
    white = np.array([normalize_name(n) in wanted for n in corpus.white])
    black = np.array([normalize_name(n) in wanted for n in corpus.black])
    return np.flatnonzero(white | black)


def sort_key_date(date: str) -> str:
    """PGN dates sort as text once unknown parts ('??') sort first."""
    return date.replace("?", "0")


@dataclass(frozen=True)
class TimeSplit:
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def time_split(indices: np.ndarray, dates: np.ndarray, *, fraction: float = 0.1) -> TimeSplit:
    """Split ``indices`` by date (ties by index): oldest -> train, then validation, newest -> test."""
    keys = [(sort_key_date(str(dates[i])), int(i)) for i in indices]
    ordered = np.array([i for _, i in sorted(keys)], dtype=np.int64)
    n = len(ordered)
    n_test = max(1, round(n * fraction)) if n >= 3 else 0
    n_val = max(1, round(n * fraction)) if n >= 3 else 0
    return TimeSplit(
        train=ordered[: n - n_test - n_val],
        validation=ordered[n - n_test - n_val : n - n_test],
        test=ordered[n - n_test :],
    )
