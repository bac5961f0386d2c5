"""A player's rating for the Maia-3 prior, fitted on their own moves.

Maia-3 takes a continuous rating for the player to move and for their opponent. A player's rating
is the one under which Maia-3 finds their newest moves most likely (lowest mean NLL): first on a
coarse grid, then refined around the best. The opponent's rating is what the games record where
known; elsewhere the opponent is taken to be as strong as the candidate rating.

Only a bounded sample of the player's newest moves is used (``SAMPLE_POSITIONS``), so a fit costs
about ``SAMPLE_POSITIONS`` x 17 graph runs whatever the player's history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from kibitz.engine.maia3 import DEFAULT_RATING, Maia3Session, Plies, mean_nll

#: The coarse grid (Maia-3 was trained on lichess ratings; its embeddings mix linearly in between).
RATING_GRID: Final = tuple(range(500, 2901, 200))
#: Refinement steps around the best rating so far: the fit's resolution is the last one.
REFINE_STEPS: Final = (100, 50)
SAMPLE_POSITIONS: Final = 400


@dataclass(frozen=True)
class RatingFit:
    """The fitted rating, the mean NLL at every rating tried, and how many moves it was fitted on."""

    rating: int
    nll: dict[int, float]
    positions: int


def fit_rating(session: Maia3Session, plies: Plies, *, max_positions: int = SAMPLE_POSITIONS,
               grid: Sequence[int] = RATING_GRID, refine: Sequence[int] = REFINE_STEPS) -> RatingFit:
    """The rating with the lowest mean NLL on the newest ``max_positions`` of ``plies`` (given
    oldest first, as :meth:`Plies.of` makes them from games sorted by date).

    :raises ValueError: when there is no move to fit on.
    """
    if not len(plies):
        raise ValueError("there are no moves of the player to fit a rating on")
    sample = plies.take(slice(-max_positions, None)) if len(plies) > max_positions else plies
    tried: dict[int, float] = {}

    def best() -> int:  # ties go to the rating nearest the default
        return min(tried, key=lambda r: (tried[r], abs(r - DEFAULT_RATING)))

    def score(rating: int) -> None:
        if rating not in tried:
            tried[rating] = mean_nll(sample.probabilities(session, rating), sample.played)

    for rating in grid:
        score(int(rating))
    low, high = min(grid), max(grid)
    for step in refine:
        centre = best()
        for rating in (centre - step, centre + step):
            if low <= rating <= high:
                score(rating)
    nll = {r: tried[r] for r in sorted(tried) if math.isfinite(tried[r])}
    return RatingFit(best(), nll, len(sample))
