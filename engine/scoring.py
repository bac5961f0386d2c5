"""Scoring whole games through the served graphs, many games at once (no torch).

Evaluation, the install decision and the choice of a player's rating all need the probability a
model gave to each move a player made. They run here, through the same ONNX graphs and the same
encoder the live predictor uses - the prior over every ply in large batches, then the adapter one
ply at a time across all games together - so every figure describes exactly what the app serves.

Every ply runs the prior at (the mover's rating, the other side's), as the live predictor does:
the scored player at ``rating``, their opponent at the game's recorded rating for them
(:attr:`ScoredGame.opponent`), or at ``rating`` too where the game records none.

>>> import chess
>>> game = ScoredGame(chess.Board(), [chess.Move.from_uci("e2e4")], chess.WHITE)
>>> [round(float(p.probabilities.max()), 2) for p in prior_plies(1500, [game])]  # doctest: +SKIP
[0.35]
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import chess
import numpy as np

from kibitz.engine.book import position_hash
from kibitz.engine.features import TOKEN_SHAPE, GameTokens
from kibitz.engine.moves import NO_MOVE, VOCAB_SIZE, legal_move_indices, move_to_index
from kibitz.engine.player_games import replay
from kibitz.engine.prior_outputs import GameOutputs
from kibitz.engine.priors import prior_session, rating_key
from kibitz.engine.predictor import AdapterSession, softmax

GAMES_PER_CHUNK = 48
#: The logit given to moves whose prior logit was not kept (illegal ones): far below any real one.
UNKEPT_LOGIT = -1.0e4
#: Game phases by ply number (1 = White's first move): name, first ply, last ply.
PHASES: tuple[tuple[str, int, int], ...] = (("1-10", 1, 10), ("11-50", 11, 50), ("51+", 51, 10**9))


@dataclass(frozen=True)
class ScoredGame:
    """A game to score: its first position, its moves, whose moves count (None: both, the player
    being White) and the opponent's rating where the game records it."""

    start: chess.Board
    moves: Sequence[chess.Move]
    colour: chess.Color | None
    opponent: float | None = None


@dataclass(frozen=True)
class PlyScore:
    """One scored ply: the legal moves' probabilities and which of them was played."""

    game: int
    ply: int  # 0-based
    moves: list[chess.Move]
    probabilities: np.ndarray  # float64, sums to 1
    played: int  # index into ``moves`` / ``probabilities``

    @property
    def nll(self) -> float:
        return -math.log(max(float(self.probabilities[self.played]), 1e-12))


@dataclass
class _Encoded:
    tokens: np.ndarray  # uint8 [N, 64, 96]
    self_elo: np.ndarray  # [N] the mover's rating
    oppo_elo: np.ndarray  # [N] the other side's
    prev: np.ndarray  # [N] previous move index
    rows: list[tuple[int, int, int, np.ndarray, list[chess.Move], int]]  # game, ply, row, legal idx, moves, played
    hashes: list[int]  # the position hash of each of ``rows`` (for a player's book)
    offsets: np.ndarray  # [G + 1] rows per game


def _encode(games: Sequence[ScoredGame], first_game: int, rating: int, only_scored: bool) -> _Encoded:
    tokens: list[np.ndarray] = []
    selfs: list[int] = []
    others: list[int] = []
    prev: list[int] = []
    rows = []
    hashes: list[int] = []
    offsets = [0]
    for g, game in enumerate(games):
        encoded = GameTokens.of(game.start, game.moves).tokens
        player = chess.WHITE if game.colour is None else game.colour
        opponent = rating_key(game.opponent) if game.opponent is not None else rating
        board = game.start.copy(stack=False)
        previous = NO_MOVE
        for ply, move in enumerate(game.moves):
            scored = game.colour is None or board.turn == game.colour
            if scored or not only_scored:
                tokens.append(encoded[ply])
                mine = board.turn == player
                selfs.append(rating if mine else opponent)
                others.append(opponent if mine else rating)
                prev.append(previous)
                if scored:
                    indices, legal = legal_move_indices(board)
                    played = legal.index(move)
                    rows.append((first_game + g, ply, len(tokens) - 1, indices, legal, played))
                    hashes.append(position_hash(board))
            previous = move_to_index(move, board.turn)
            board.push(move)
        offsets.append(len(tokens))
    return _Encoded(np.stack(tokens) if tokens else np.zeros((0, *TOKEN_SHAPE), np.uint8),
                    np.array(selfs, np.int64), np.array(others, np.int64),
                    np.array(prev, np.int64), rows, hashes, np.array(offsets))


def prior_plies(rating: int, games: Sequence[ScoredGame], *, threads: int = 2) -> Iterator[PlyScore]:
    """The prior alone, the player at ``rating``, on the scored plies of ``games``."""
    session = prior_session(threads)
    rating = rating_key(rating)
    for first in range(0, len(games), GAMES_PER_CHUNK):
        encoded = _encode(games[first : first + GAMES_PER_CHUNK], first, rating, only_scored=True)
        logits = session.run_batched(encoded.tokens, encoded.self_elo, encoded.oppo_elo).logits
        for game, ply, row, indices, legal, played in encoded.rows:
            yield PlyScore(game, ply, legal, softmax(logits[row, indices]), played)


def model_plies(
    adapter: AdapterSession, rating: int, games: Sequence[ScoredGame], *, threads: int = 2,
    kept: Sequence[GameOutputs | None] | None = None,
) -> Iterator[PlyScore]:
    """The prior with the player at ``rating`` and ``adapter`` on the scored plies of ``games``,
    the adapter's state carried through every ply of each game as the live predictor carries it
    (``kept``: as in :func:`compare_models`)."""
    for scores in compare_models([adapter], rating, games, threads=threads, kept=kept):
        yield scores[0]


def compare_models(
    adapters: Sequence[AdapterSession], rating: int, games: Sequence[ScoredGame], *, threads: int = 2,
    include_prior: bool = False, kept: Sequence[GameOutputs | None] | None = None,
) -> Iterator[list[PlyScore]]:
    """Several adapters over the prior with the player at ``rating`` on the same plies (the prior
    runs once): per scored ply, one :class:`PlyScore` per adapter - after the prior's own if
    ``include_prior``. ``kept``: the prior's outputs per game at these same ratings, as the store
    keeps them (:mod:`kibitz.engine.prior_outputs`), read instead of running the prior for a chunk
    of games that all have them whole."""
    session = prior_session(threads)
    rating = rating_key(rating)
    for first in range(0, len(games), GAMES_PER_CHUNK):
        chunk = games[first : first + GAMES_PER_CHUNK]
        encoded = _encode(chunk, first, rating, only_scored=False)
        known = kept[first : first + GAMES_PER_CHUNK] if kept is not None else None
        if known is not None and all(o is not None and o.plies == len(g.moves) for o, g in zip(known, chunk)):
            policy, pooled = _from_kept([o for o in known if o is not None], chunk)
        else:
            outputs = session.run_batched(encoded.tokens, encoded.self_elo, encoded.oppo_elo)
            policy, pooled = outputs.logits, outputs.pooled
        lengths = np.diff(encoded.offsets)
        all_logits = []
        for adapter in adapters:
            logits = np.zeros_like(policy)
            h = np.zeros((len(chunk), adapter.hidden), np.float32)
            for ply in range(int(lengths.max()) if len(lengths) else 0):
                active = np.flatnonzero(lengths > ply)
                rows = encoded.offsets[active] + ply
                out, h_next = adapter.step(pooled[rows], policy[rows], encoded.prev[rows], h[active])
                logits[rows] = out
                h[active] = h_next
            all_logits.append(logits)
        if include_prior:
            all_logits.insert(0, policy)
        books = [None, *[a.book for a in adapters]] if include_prior else [a.book for a in adapters]
        for (game, ply, row, indices, legal, played), key in zip(encoded.rows, encoded.hashes):
            scores = []
            for logits, book in zip(all_logits, books):
                probabilities = softmax(logits[row, indices])
                if book is not None:
                    probabilities = book.blend(probabilities, book.counts_for_hash(key, indices))
                scores.append(PlyScore(game, ply, legal, probabilities, played))
            yield scores


def _from_kept(outputs: Sequence[GameOutputs], games: Sequence[ScoredGame]) -> tuple[np.ndarray, np.ndarray]:
    """Move logits ``[N, V]`` and pooled views ``[N, 256]`` of every ply of ``games`` from their kept
    outputs. Only the legal moves' logits are kept; the others are set far below them, which leaves
    every legal move's adapter logit and probability as the full prior gives them (the adapter acts
    on each move's logit alone, and only legal moves are scored)."""
    pooled = np.concatenate([o.pooled for o in outputs]).astype(np.float32)
    policy = np.full((len(pooled), VOCAB_SIZE), UNKEPT_LOGIT, np.float32)
    row = 0
    for game, kept in zip(games, outputs):
        board = game.start.copy(stack=False)
        for move, logits in zip(game.moves, kept.ply_logits()):
            policy[row, legal_move_indices(board)[0]] = logits
            board.push(move)
            row += 1
    return policy, pooled


def rank_hits(probabilities: np.ndarray, played: int) -> tuple[float, float, float]:
    """(top-1 hit, top-3 hit, -log p) for the move at index ``played``; ties count in expectation."""
    p = probabilities[played]
    higher = int((probabilities > p).sum())
    tied = int((probabilities == p).sum())  # includes the played move

    def expected_hit(k: int) -> float:
        slots = k - higher
        return 0.0 if slots <= 0 else min(1.0, slots / tied)

    return expected_hit(1), expected_hit(3), -math.log(max(float(p), 1e-12))


@dataclass
class Score:
    """Running top-1 / top-3 / NLL over scored positions (hits may be fractional expectations)."""

    positions: int = 0
    top1: float = 0.0
    top3: float = 0.0
    nll: float = 0.0

    def add(self, top1: float, top3: float, nll: float) -> None:
        self.positions += 1
        self.top1 += top1
        self.top3 += top3
        self.nll += nll

    def add_ply(self, ply: PlyScore) -> None:
        self.add(*rank_hits(ply.probabilities, ply.played))

    def summary(self) -> dict[str, float | int]:
        n = max(self.positions, 1)
        return {"positions": self.positions, "top1": self.top1 / n, "top3": self.top3 / n, "nll": self.nll / n}


def position_key(board: chess.Board) -> str:
    """The key of a position in a frequency book (placement, side, castling, en passant)."""
    return board.epd()


def move_frequencies(games: Sequence[ScoredGame]) -> dict[str, Counter[str]]:
    """The frequency book: how often the scored side chose each move (UCI) in each position."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for game in games:
        for _, board, move in replay(game.start, game.moves, game.colour):
            table[position_key(board)][move.uci()] += 1
    return table


def frequency_hits(counts: Counter[str] | None, moves: Sequence[chess.Move], played: int) -> tuple[float, float, float]:
    """:func:`rank_hits` of the frequency book in one position: the player's earlier choices there,
    Laplace smoothed (uniform where the position was never seen)."""
    n = len(moves)
    if not counts:
        return 1 / n, min(3, n) / n, math.log(n)
    total = sum(counts.values())
    return rank_hits(np.array([(counts.get(m.uci(), 0) + 1) / (total + n) for m in moves]), played)
