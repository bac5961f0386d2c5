"""Scoring whole games through the served graphs, many games at once (no torch).

Evaluation, the install decision and the choice of a player's prior band all need the
probability a model gave to each move a player made. They run here, through the same ONNX
graphs and the same encoder the live predictor uses - the prior over every ply in large batches,
then the adapter one ply at a time across all games together - so every figure describes
exactly what the app serves.

>>> import chess
>>> game = ScoredGame(chess.Board(), [chess.Move.from_uci("e2e4")], chess.WHITE)
>>> [round(float(p.probabilities.max()), 2) for p in prior_plies(1500, [game])]  # doctest: +SKIP
[0.65]
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import chess
import numpy as np

from kibitz.engine.book import position_hash
from kibitz.engine.features import FEATURE_SHAPE, PositionHistory
from kibitz.engine.moves import NO_MOVE, legal_move_indices, move_to_index
from kibitz.engine.player_games import replay
from kibitz.engine.priors import BANDS, prior_session
from kibitz.engine.predictor import AdapterSession, softmax

GAMES_PER_CHUNK = 48
#: Game phases by ply number (1 = White's first move): name, first ply, last ply.
PHASES: tuple[tuple[str, int, int], ...] = (("1-10", 1, 10), ("11-50", 11, 50), ("51+", 51, 10**9))


@dataclass(frozen=True)
class ScoredGame:
    """A game to score: its first position, its moves, and whose moves count (None: both)."""

    start: chess.Board
    moves: Sequence[chess.Move]
    colour: chess.Color | None


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
    planes: np.ndarray  # [N, 112, 8, 8]
    prev: np.ndarray  # [N] previous move index
    rows: list[tuple[int, int, int, np.ndarray, list[chess.Move], int]]  # game, ply, row, legal idx, moves, played
    hashes: list[int]  # the position hash of each of ``rows`` (for a player's book)
    offsets: np.ndarray  # [G + 1] rows per game


def _encode(games: Sequence[ScoredGame], first_game: int, only_scored: bool) -> _Encoded:
    planes: list[np.ndarray] = []
    prev: list[int] = []
    rows = []
    hashes: list[int] = []
    offsets = [0]
    for g, game in enumerate(games):
        history = PositionHistory(game.start)
        previous = NO_MOVE
        for ply, move in enumerate(game.moves):
            board = history.board
            scored = game.colour is None or board.turn == game.colour
            if scored or not only_scored:
                plane = np.empty(FEATURE_SHAPE, np.float32)
                history.planes_into(plane)
                planes.append(plane)
                prev.append(previous)
                if scored:
                    indices, legal = legal_move_indices(board)
                    played = legal.index(move)
                    rows.append((first_game + g, ply, len(planes) - 1, indices, legal, played))
                    hashes.append(position_hash(board))
            previous = move_to_index(move, board)
            history.push(move)
        offsets.append(len(planes))
    return _Encoded(np.stack(planes) if planes else np.zeros((0, *FEATURE_SHAPE), np.float32),
                    np.array(prev, np.int64), rows, hashes, np.array(offsets))


def prior_plies(band: int, games: Sequence[ScoredGame], *, threads: int = 2) -> Iterator[PlyScore]:
    """The Maia-1 prior of ``band`` alone on the scored plies of ``games``."""
    session = prior_session(band, threads)
    for first in range(0, len(games), GAMES_PER_CHUNK):
        encoded = _encode(games[first : first + GAMES_PER_CHUNK], first, only_scored=True)
        policy, _ = session.run_batched(encoded.planes)
        for game, ply, row, indices, legal, played in encoded.rows:
            yield PlyScore(game, ply, legal, softmax(policy[row, indices]), played)


def model_plies(
    adapter: AdapterSession, band: int, games: Sequence[ScoredGame], *, threads: int = 2
) -> Iterator[PlyScore]:
    """The prior of ``band`` with ``adapter`` on the scored plies of ``games``, the adapter's
    state carried through every ply of each game as the live predictor carries it."""
    for scores in compare_models([adapter], band, games, threads=threads):
        yield scores[0]


def compare_models(
    adapters: Sequence[AdapterSession], band: int, games: Sequence[ScoredGame], *, threads: int = 2,
    include_prior: bool = False,
) -> Iterator[list[PlyScore]]:
    """Several adapters over the same prior band on the same plies (the prior runs once):
    per scored ply, one :class:`PlyScore` per adapter - after the prior's own if
    ``include_prior``."""
    session = prior_session(band, threads)
    for first in range(0, len(games), GAMES_PER_CHUNK):
        chunk = games[first : first + GAMES_PER_CHUNK]
        encoded = _encode(chunk, first, only_scored=False)
        policy, tower = session.run_batched(encoded.planes)
        lengths = np.diff(encoded.offsets)
        all_logits = []
        for adapter in adapters:
            logits = np.zeros_like(policy)
            h = np.zeros((len(chunk), adapter.hidden), np.float32)
            for ply in range(int(lengths.max()) if len(lengths) else 0):
                active = np.flatnonzero(lengths > ply)
                rows = encoded.offsets[active] + ply
                out, h_next = adapter.step(tower[rows], policy[rows], encoded.prev[rows], h[active])
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


def choose_band(games: Sequence[ScoredGame], *, max_positions: int = 3000, threads: int = 2,
                progress: Callable[[], None] | None = None) -> tuple[int, dict[int, float]]:
    """The prior band with the lowest NLL on the player's moves in ``games`` (give the newest
    last: a bounded sample of the newest plies is used, so choosing takes seconds).

    Returns the band and every band's NLL; forced moves are skipped. ``progress()`` after each band.
    """
    sample: list[ScoredGame] = []
    counted = 0
    for game in reversed(games):
        if counted >= max_positions:
            break
        sample.append(game)
        counted += sum(1 for i in range(len(game.moves)) if game.colour is None or (i % 2 == 0) == (game.start.turn == game.colour))
    sample.reverse()
    nll: dict[int, float] = {}
    for band in BANDS:
        scores = [p.nll for p in prior_plies(band, sample, threads=threads) if len(p.moves) > 1]
        nll[band] = float(np.mean(scores)) if scores else math.inf
        if progress is not None:
            progress()
    return min(nll, key=lambda b: (nll[b], abs(b - 1500))), nll


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
