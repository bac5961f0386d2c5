"""A player's rating for the prior, fitted on their own moves.

The prior (:mod:`kibitz.engine.priors`) takes a continuous rating for the player to move and for
their opponent. A player's rating is the one under which the prior finds their newest moves most
likely (lowest mean NLL): first on a coarse grid, then refined around the best. The opponent's
rating is what each game records where known (``WhiteElo`` / ``BlackElo``, the other player's
rating for a game played in kibitz); elsewhere the opponent is taken to be as strong as the
candidate rating.

Only a bounded sample of the player's newest moves is used (``SAMPLE_POSITIONS``), so a fit costs
about ``SAMPLE_POSITIONS`` x 17 positions through the prior whatever the player's history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import chess
import numpy as np

from kibitz.engine import models
from kibitz.engine.book import PlayerBook, position_hash
from kibitz.engine.features import DEFAULT_VIEW, TOKEN_SHAPE, GameTokens, View
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.pgn import starting_board
from kibitz.engine.priors import DEFAULT_RATING, MAX_RATING, MIN_RATING, RATING_STEP, PriorSession
from kibitz.engine.scoring import ScoredGame
from kibitz.engine.store import GameRecord, Store

#: The coarse grid (Maia-3 was trained on lichess ratings; its embeddings mix linearly in between).
RATING_GRID: Final = tuple(range(500, 2901, 200))
#: Refinement steps around the best rating so far: the fit's resolution is the prior's own step.
REFINE_STEPS: Final = (100, RATING_STEP)
SAMPLE_POSITIONS: Final = 400


def legal_softmax(logits: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """Probabilities (float64) over the legal moves given by their vocabulary indices."""
    chosen = logits[legal].astype(np.float64)
    chosen -= chosen.max()
    np.exp(chosen, out=chosen)
    probabilities: np.ndarray = chosen / chosen.sum()
    return probabilities


@dataclass(frozen=True)
class Plies:
    """The scored plies of some games, encoded once: tokens, legal moves, the move played, the
    opponent's rating where known (NaN where not), the position's hash (for a player's book)."""

    tokens: np.ndarray  # uint8 [N, 64, 96]
    legal: list[np.ndarray]  # vocabulary indices of the legal moves, python-chess's order
    moves: list[list[chess.Move]]
    played: np.ndarray  # int64 [N] index into ``legal[i]``
    opponent: np.ndarray  # float64 [N]
    hashes: np.ndarray  # uint64 [N]
    game: np.ndarray  # int32 [N] which game (index into the games given)
    ply: np.ndarray  # int32 [N] 0-based ply in that game

    @classmethod
    def of(cls, games: Sequence[ScoredGame], opponent_ratings: Sequence[float | None] | None = None, *,
           skip_forced: bool = True, view: View = DEFAULT_VIEW) -> Plies:
        """The scored side's moves in ``games`` (both sides' where a game's colour is None);
        ``opponent_ratings``: per game, the rating of the side not scored (None: unknown)."""
        tokens, legal, moves, played, opponent, hashes, game_of, ply_of = [], [], [], [], [], [], [], []
        for g, game in enumerate(games):
            encoded = GameTokens.of(game.start, game.moves, view).tokens
            rating = opponent_ratings[g] if opponent_ratings is not None else None
            board = game.start.copy(stack=False)
            for ply, move in enumerate(game.moves):
                if game.colour is None or board.turn == game.colour:
                    indices, legal_moves = legal_move_indices(board)
                    if len(legal_moves) > 1 or not skip_forced:
                        tokens.append(encoded[ply])
                        legal.append(indices)
                        moves.append(legal_moves)
                        played.append(legal_moves.index(move))
                        opponent.append(math.nan if rating is None else float(rating))
                        hashes.append(position_hash(board))
                        game_of.append(g)
                        ply_of.append(ply)
                board.push(move)
        return cls(np.stack(tokens) if tokens else np.zeros((0, *TOKEN_SHAPE), np.uint8), legal, moves,
                   np.array(played, np.int64), np.array(opponent, np.float64), np.array(hashes, np.uint64),
                   np.array(game_of, np.int32), np.array(ply_of, np.int32))

    def __len__(self) -> int:
        return len(self.played)

    def take(self, rows: np.ndarray | slice) -> Plies:
        """A subset of the plies (by row indices or a slice)."""
        picked = np.arange(len(self))[rows]
        return Plies(self.tokens[picked], [self.legal[i] for i in picked], [self.moves[i] for i in picked],
                     self.played[picked], self.opponent[picked], self.hashes[picked], self.game[picked],
                     self.ply[picked])

    def opponents(self, fallback: float | np.ndarray) -> np.ndarray:
        """The opponent's rating per ply, ``fallback`` where it is not known."""
        return np.where(np.isnan(self.opponent), fallback, self.opponent)

    def book_counts(self, book: PlayerBook) -> list[np.ndarray]:
        """The player's earlier counts of each ply's legal moves in ``book``."""
        return [book.counts_for_hash(int(key), legal) for key, legal in zip(self.hashes, self.legal)]

    def probabilities(self, session: PriorSession, rating: float, opponent: float | None = None) -> list[np.ndarray]:
        """The prior's probabilities over each ply's legal moves, the player at ``rating``; the
        opponent at their known rating, else ``opponent`` (None: the same as the player)."""
        others = self.opponents(rating if opponent is None else opponent)
        logits = session.run_batched(self.tokens, rating, others).logits
        return [legal_softmax(row, legal) for row, legal in zip(logits, self.legal)]


def mean_nll(probabilities: Sequence[np.ndarray], played: np.ndarray) -> float:
    """Mean negative log-likelihood (nats) of the played moves."""
    if not len(played):
        return math.nan
    return float(np.mean([-math.log(max(float(p[i]), 1e-12)) for p, i in zip(probabilities, played)]))


@dataclass(frozen=True)
class RatingFit:
    """The fitted rating, the mean NLL at every rating tried, and how many moves it was fitted on."""

    rating: int
    nll: dict[int, float]
    positions: int


def fit_rating(session: PriorSession, plies: Plies, *, max_positions: int = SAMPLE_POSITIONS,
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
    low, high = max(min(grid), MIN_RATING), min(max(grid), MAX_RATING)
    for step in refine:
        centre = best()
        for rating in (centre - step, centre + step):
            if low <= rating <= high:
                score(rating)
    nll = {r: tried[r] for r in sorted(tried) if math.isfinite(tried[r])}
    return RatingFit(best(), nll, len(sample))


def choose_rating(games: Sequence[ScoredGame], *, max_positions: int | None = None,
                  session: PriorSession | None = None) -> RatingFit:
    """:func:`fit_rating` on the scored moves of ``games`` (oldest first; only the newest games
    that hold ``max_positions`` moves are encoded; default ``SAMPLE_POSITIONS``), each opponent at
    the game's recorded rating.

    :raises ValueError: when the games hold no move to fit on.
    """
    from kibitz.engine.priors import prior_session

    max_positions = max_positions or SAMPLE_POSITIONS
    newest: list[ScoredGame] = []
    counted = 0
    for game in reversed(games):
        if counted >= max_positions:
            break
        newest.append(game)
        counted += (len(game.moves) + 1) // 2 if game.colour is not None else len(game.moves)
    newest.reverse()
    plies = Plies.of(newest, [g.opponent for g in newest])
    return fit_rating(session or prior_session(2), plies, max_positions=max_positions)


def stored_games(store: Store, records: Sequence[GameRecord], player_id: int) -> list[ScoredGame]:
    """The player's side of stored games, each opponent at the rating the prior reads them at
    (:func:`kibitz.engine.models.opponent_ratings`)."""
    opponents = models.opponent_ratings(store, list(records), player_id)
    return [ScoredGame(starting_board(r.fen), [chess.Move.from_uci(u) for u in r.moves],
                       chess.WHITE if r.white_id == player_id else chess.BLACK, opponent)
            for r, opponent in zip(records, opponents)]


def fit_player_rating(store: Store, player_id: int, *, session: PriorSession | None = None,
                      force: bool = False) -> RatingFit | None:
    """Fit the stored player's rating on their newest moves and keep it (the background work's fit:
    :func:`kibitz.engine.models.rating_fit`), when it is due - at ``MIN_RATING_GAMES`` games, then
    whenever their games have grown by ``REFIT_GROWTH`` (``force``: whenever they have the games).
    Returns the fit, or None when none was due."""
    from kibitz.engine.player_games import MIN_RATING_GAMES

    ids = models.player_game_ids(store, player_id)
    fitted = models.rating_fit(store, player_id)
    if len(ids) < MIN_RATING_GAMES or not (force or models.rating_fit_due(fitted, len(ids))):
        return None
    records = [store.game(game_id) for game_id in ids[-SAMPLE_POSITIONS // 20:]]  # 400 moves: 20 games or fewer
    fit = choose_rating(stored_games(store, records, player_id), session=session)
    models.save_rating_fit(store.home, player_id, models.RatingFit(fit.rating, len(ids), "games"))
    return fit
