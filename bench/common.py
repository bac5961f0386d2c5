"""What the accuracy benches share: a player's games, bounded samples of them, and the Maia-3
columns (the prior alone at a rating, the prior with the player's book, adapters over it) scored in
one prior pass.

Every figure counts the player's own moves only, positions with a single legal move skipped, all
plies, through the ONNX graphs the app serves (:mod:`kibitz.engine.scoring`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from kibitz.engine.book import OwnMoves, PlayerBook, fit_strength, position_hash
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.player_games import replay
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.ratings import SAMPLE_POSITIONS, RatingFit, choose_rating
from kibitz.engine.scoring import Score, ScoredGame, compare_models, prior_plies, rank_hits
from kibitz.training.corpus import Corpus, build_corpus
from kibitz.training.evaluate import scored_games
from kibitz.training.personal import book_games
from kibitz.training.player_games import PlayerGame, player_games_in
from kibitz.training.splits import HELD_OUT_PLAYERS

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
if not SHARED.is_dir():
    SHARED = Path("/work/shared")
DATA = SHARED / "data"
MAIA1 = SHARED / "maia"  # Maia-1's .pb.gz nets: the oracle band's reference column (torch)


def player_games(name: str, corpus: Corpus | None = None) -> list[PlayerGame]:
    """``name``'s games (every spelling in ``HELD_OUT_PLAYERS``) oldest first: from ``corpus``
    when given, else from their own file in ``data/online`` or, for a master, ``data/masters.pgn.xz``."""
    if corpus is None:
        own = DATA / "online" / f"{name}.pgn.xz"
        corpus = build_corpus([own if own.is_file() else DATA / "masters.pgn.xz"])
    games = player_games_in(corpus, HELD_OUT_PLAYERS.get(name, (name,)))
    if not games:
        raise LookupError(f"no game of {name!r} in {DATA}")
    return games


def own_moves(game: PlayerGame) -> int:
    """The player's moves in one game (about half of its plies)."""
    plies, colour = len(game[0].moves), game[1]
    return (plies + (1 if colour else 0)) // 2


def first_games(games: Sequence[PlayerGame], positions: int | None) -> list[PlayerGame]:
    """The first of ``games``, whole, that hold at least ``positions`` of the player's moves
    (None or 0: all of them)."""
    if not positions:
        return list(games)
    taken, counted = [], 0
    for game in games:
        if counted >= positions:
            break
        taken.append(game)
        counted += own_moves(game)
    return taken


def newest_games(games: Sequence[PlayerGame], positions: int) -> list[PlayerGame]:
    """The newest of ``games``, whole, holding at least ``positions`` of the player's moves; oldest first."""
    return first_games(list(games)[::-1], positions)[::-1]


def scored(games: Sequence[PlayerGame]) -> list[ScoredGame]:
    """The player's side of each game, the opponent at their recorded rating."""
    return scored_games([(g, c) for g, c, _ in games])


def fitted_rating(history: Sequence[PlayerGame], positions: int = SAMPLE_POSITIONS) -> RatingFit | None:
    """The rating the app fits on ``history`` (its newest ``positions`` moves - the app's own
    bound by default; opponents at their recorded ratings); None without history."""
    return choose_rating(scored(history), max_positions=positions) if history else None


def book_of(games: Sequence[PlayerGame], strength: float) -> PlayerBook:
    """The player's own move counts in ``games``, blended at ``strength`` (no recency weighting)."""
    return OwnMoves.of(book_games(list(games))).book(strength=strength)


def fit_book_strength(rating: int, before: Sequence[PlayerGame], games: Sequence[PlayerGame],
                      positions: int) -> tuple[float, int]:
    """The book's ``k`` with the lowest NLL of Maia-3 at ``rating`` + the book of ``before`` on
    the newest ``positions`` moves of ``games`` (``inf``: the book does not help), and how many
    moves it was fitted on."""
    sample = scored(newest_games(games, positions))
    book = book_of(before, math.inf)
    keys = position_keys(sample)
    plies = [(ply.probabilities, book.counts_for_hash(*keys[(ply.game, ply.ply)]), ply.played)
             for ply in prior_plies(rating, sample) if len(ply.moves) > 1]
    return fit_strength(plies)[0], len(plies)


def position_keys(games: Sequence[ScoredGame]) -> dict[tuple[int, int], tuple[int, np.ndarray]]:
    """(game, ply) -> (position hash, legal move indices) for the scored plies: a book's lookup."""
    keys = {}
    for g, game in enumerate(games):
        for ply, board, _ in replay(game.start, game.moves, game.colour):
            keys[(g, ply)] = (position_hash(board), legal_move_indices(board)[0])
    return keys


def maia3_columns(rating: int, test: Sequence[ScoredGame], *, books: Mapping[str, PlayerBook] = {},
                  adapters: Mapping[str, AdapterSession] = {}) -> dict[str, dict[str, float | int]]:
    """Figures on ``test`` in one prior pass, the player at ``rating``: "Maia-3" alone, Maia-3
    blended with each of ``books`` (by name), and each of ``adapters`` (with their own book, if any)."""
    scores = {"Maia-3": Score(), **{name: Score() for name in books}, **{name: Score() for name in adapters}}
    keys = position_keys(test) if books else {}
    for prior, *served in compare_models(list(adapters.values()), rating, test, include_prior=True):
        if len(prior.moves) < 2:
            continue
        scores["Maia-3"].add_ply(prior)
        for name, book in books.items():
            blended = book.blend(prior.probabilities, book.counts_for_hash(*keys[(prior.game, prior.ply)]))
            scores[name].add(*rank_hits(blended, prior.played))
        for name, ply in zip(adapters, served):
            scores[name].add_ply(ply)
    return {name: score.summary() for name, score in scores.items()}


def load_note() -> str:
    """The machine's load, said beside every timing."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
