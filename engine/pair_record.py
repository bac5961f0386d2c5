"""The pair's record: how two players have done against each other over time, and each one's strength trend.

Everything comes from the stored games; no rating service. Games are grouped by the month of their
date (games with an unknown date are left out of both, they cannot be placed in time).

Strength is a *performance rating* per month, the classic estimate: the mean rating of the
opponents met plus 400 × (wins − losses) / games (so at most 400 above or below them). An
opponent's rating is the one written in the game's tags (``WhiteElo``/``BlackElo``, as lichess and
chess.com write them), else the opponent's level as set in kibitz (a family member's), else the
game is left out. So for a parent and a child who play each other at home, the child's line rises
as the child scores better against the parent's level.

>>> performance(1500, wins=3, draws=1, losses=1)
1660
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from kibitz.engine.charts import LineChart, Series
from kibitz.engine.store import Store

@dataclass(frozen=True, slots=True)
class Results:
    """Wins, draws and losses from one player's side (also the player page's results by colour)."""

    wins: int = 0
    draws: int = 0
    losses: int = 0

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses

    @property
    def score(self) -> float | None:
        return (self.wins + 0.5 * self.draws) / self.games if self.games else None

    def plus(self, points: float) -> Results:
        """These results and one more game, in which the player scored ``points`` (1, ½ or 0)."""
        return Results(self.wins + (points == 1.0), self.draws + (points == 0.5), self.losses + (points == 0.0))

    def text(self) -> str:
        """``"7 won, 2 drawn, 3 lost"``."""
        return f"{self.wins} won, {self.draws} drawn, {self.losses} lost"


@dataclass(frozen=True, slots=True)
class HeadToHead:
    """The player's results against one other stored player: in all, and month by month (oldest first)."""

    opponent_id: int
    opponent: str
    total: Results
    by_month: tuple[tuple[str, Results], ...]


@dataclass(frozen=True, slots=True)
class StrengthPoint:
    """One month of the player's strength trend."""

    month: str  # "2024-05"
    games: int  # games with a known opponent rating
    opponents: int  # their mean rating
    performance: int


def performance(opponents: float, *, wins: int, draws: int, losses: int) -> int:
    """The performance rating of a result against opponents of mean rating ``opponents``."""
    return round(opponents + 400 * (wins - losses) / (wins + draws + losses))


def month_of(date: str) -> str | None:
    """``"2024.05.17"`` → ``"2024-05"``; None when the year or month is unknown."""
    parts = date.split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()) or parts[1] == "00":
        return None
    return f"{parts[0]}-{parts[1]}"


_POINTS: Final = {"1-0": (1.0, 0.0), "0-1": (0.0, 1.0), "1/2-1/2": (0.5, 0.5)}


def _finished_games(store: Store, player_id: int) -> list[tuple[str, float, int | None, str, int | None]]:
    """(month, the player's points, opponent id, opponent name, opponent rating) of each finished, dated game."""
    levels = {p.id: p.level for p in store.players()}
    names = {p.id: p.name for p in store.players()}
    games = []
    for date, result, white_id, black_id, white, black, tags in store.query(
            "SELECT date, result, white_id, black_id, white, black, tags FROM games"
            " WHERE (white_id = ? OR black_id = ?) AND result IN ('1-0', '0-1', '1/2-1/2') ORDER BY date, id",
            (player_id, player_id)):
        month = month_of(date)
        if month is None:
            continue
        as_white = white_id == player_id
        opponent_id = black_id if as_white else white_id
        elo = json.loads(tags).get("BlackElo" if as_white else "WhiteElo", "")
        rating = int(elo) if elo.strip().isdigit() else levels.get(opponent_id) if opponent_id is not None else None
        name = names.get(opponent_id, black if as_white else white) if opponent_id is not None else \
            (black if as_white else white)
        games.append((month, _POINTS[result][0 if as_white else 1], opponent_id, name, rating))
    return games


def head_to_head(store: Store, player_id: int) -> list[HeadToHead]:
    """The player's record against every other stored player they have played, most games first."""
    totals: dict[int, Results] = defaultdict(Results)
    months: dict[int, dict[str, Results]] = defaultdict(lambda: defaultdict(Results))
    names: dict[int, str] = {}
    for month, points, opponent_id, name, _ in _finished_games(store, player_id):
        if opponent_id is None or opponent_id == player_id:
            continue
        totals[opponent_id] = totals[opponent_id].plus(points)
        months[opponent_id][month] = months[opponent_id][month].plus(points)
        names[opponent_id] = name
    return sorted((HeadToHead(oid, names[oid], total, tuple(sorted(months[oid].items())))
                   for oid, total in totals.items()), key=lambda h: (-h.total.games, h.opponent))


def month_number(month: str, first: str) -> int:
    """Months since ``first`` plus one: ``"2024-05"`` after ``"2024-03"`` is 3 (the chart's x)."""
    (year, mon), (year0, mon0) = (map(int, m.split("-")) for m in (month, first))
    return (year - year0) * 12 + (mon - mon0) + 1


def head_to_head_chart(name: str, records: list[HeadToHead]) -> LineChart:
    """The player's score against each opponent, month by month."""
    months = [m for r in records for m, _ in r.by_month]
    first = min(months) if months else "2000-01"
    series = [Series(f"against {r.opponent}", [(month_number(m, first), t.score or 0.0) for m, t in r.by_month])
              for r in records]
    return LineChart(f"{name}'s score against each other player, by month", series,
                     x_label=f"month (1 = {first})", y_label="score")


def strength_trend(store: Store, player_id: int) -> list[StrengthPoint]:
    """The player's performance rating month by month (months without a rated opponent are left out)."""
    by_month: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for month, points, _, _, rating in _finished_games(store, player_id):
        if rating is not None:
            by_month[month].append((points, rating))
    trend = []
    for month, games in sorted(by_month.items()):
        tally = Results()
        for points, _ in games:
            tally = tally.plus(points)
        mean = sum(r for _, r in games) / len(games)
        trend.append(StrengthPoint(month, len(games), round(mean),
                                   performance(mean, wins=tally.wins, draws=tally.draws, losses=tally.losses)))
    return trend
