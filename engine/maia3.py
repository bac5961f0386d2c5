"""The Maia-3 prior (CSSLab's Chessformer, 5M parameters), run by onnxruntime in batches.

The graph in ``kibitz.assets/maia3`` (written by ``kibitz-train convert-maia3``; AGPL-3.0, licence
and attribution beside it) maps ``tokens`` ``[N, 64, 96]`` (:mod:`kibitz.engine.maia3_tokens`),
``self_elo`` and ``oppo_elo`` (int64 ``[N]``: the ratings of the player to move and of their
opponent, continuous, clipped to 0 ... 5000 inside) to

* ``logits_move`` ``[N, 4352]`` (:mod:`kibitz.engine.maia3_moves`; mask to the legal moves), and
* ``pooled`` ``[N, 256]``: the transformer's final representation of the position (its 64 square
  tokens averaged and layer-normed, what its value head reads) - the input a per-player adapter
  can learn from, small enough to keep for every stored position.

It also has ``squares`` ``[N, 64, 256]`` (the per-square tokens the policy head reads) and the
value / ponder heads' logits, unused by kibitz so far.

:class:`Plies` holds a player's positions encoded once, so scoring them at many ratings (fitting
a rating: :mod:`kibitz.engine.maia3_rating`) runs only the graph again.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import chess
import numpy as np

from kibitz.engine.book import OwnMoves, PlayerBook, position_hash
from kibitz.engine.maia3_moves import VOCAB_SIZE, legal_move_indices, move_to_index
from kibitz.engine.maia3_tokens import DEFAULT_VIEW, TOKEN_SHAPE, GameTokens, View
from kibitz.engine.player_games import replay
from kibitz.engine.priors import prior_graph
from kibitz.engine.scoring import ScoredGame

GRAPH_NAME: Final = "maia3-5m.onnx"
POOLED_SIZE: Final = 256
#: Positions per onnxruntime call when scoring many: larger batches gain little on 2 cores
#: (bench/predictor_bench.py) and a batch's float32 tokens stay a few MB.
BATCH: Final = 64
#: The rating used where none is known (a player's level before their games choose one).
DEFAULT_RATING: Final = 1500


class Maia3Error(Exception):
    """The Maia-3 graph is missing or cannot be run; the message says why, for people."""


def maia3_path() -> Path:
    return Path(str(resources.files("kibitz.assets") / "maia3" / GRAPH_NAME))


@dataclass(frozen=True)
class Maia3Outputs:
    logits: np.ndarray  # float32 [N, 4352]
    pooled: np.ndarray | None  # float32 [N, 256] when asked for


class Maia3Session:
    """The batched Maia-3 graph on onnxruntime's CPU provider (graph optimisations on).

    :raises Maia3Error: when the graph is missing or onnxruntime cannot load it.
    """

    def __init__(self, *, threads: int = 1, path: Path | None = None) -> None:
        path = path or maia3_path()
        self._session = prior_graph(path, threads, name="Maia-3 prior", error=Maia3Error)
        self.path = path
        self._lock = threading.Lock()  # one run at a time: a session may be shared between threads

    def run(self, tokens: np.ndarray, self_elo: float | np.ndarray, oppo_elo: float | np.ndarray,
            *, pooled: bool = False) -> Maia3Outputs:
        """Move logits (and ``pooled`` if asked) for ``tokens`` ``[N, 64, 96]``; a rating may be one
        number for every position or one per position."""
        if tokens.ndim != 3 or tokens.shape[1:] != TOKEN_SHAPE:
            raise ValueError(f"tokens must be [N, 64, 96], not {list(tokens.shape)}")
        count = len(tokens)
        feeds = {"tokens": np.ascontiguousarray(tokens, np.float32),
                 "self_elo": _ratings(self_elo, count), "oppo_elo": _ratings(oppo_elo, count)}
        names = ["logits_move", "pooled"] if pooled else ["logits_move"]
        with self._lock:
            outputs = self._session.run(names, feeds)
        return Maia3Outputs(outputs[0], outputs[1] if pooled else None)

    def run_batched(self, tokens: np.ndarray, self_elo: float | np.ndarray, oppo_elo: float | np.ndarray,
                    *, pooled: bool = False, batch: int = BATCH) -> Maia3Outputs:
        """:meth:`run` over many positions in slices of ``batch``."""
        count = len(tokens)
        selfs, oppos = _ratings(self_elo, count), _ratings(oppo_elo, count)
        logits = np.empty((count, VOCAB_SIZE), np.float32)
        pooled_out = np.empty((count, POOLED_SIZE), np.float32) if pooled else None
        for start in range(0, count, batch):
            part = slice(start, start + batch)
            out = self.run(tokens[part], selfs[part], oppos[part], pooled=pooled)
            logits[part] = out.logits
            if pooled_out is not None:
                pooled_out[part] = out.pooled
        return Maia3Outputs(logits, pooled_out)


def _ratings(rating: float | np.ndarray, count: int) -> np.ndarray:
    values = np.broadcast_to(np.asarray(rating, np.float64), (count,))
    if not np.all(np.isfinite(values)):
        raise ValueError("a rating given to Maia-3 is not a number")
    return np.rint(values).astype(np.int64)


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
        """The player's earlier counts of each ply's legal moves in ``book`` (Maia-3-keyed)."""
        return [book.counts_for_hash(int(key), legal) for key, legal in zip(self.hashes, self.legal)]

    def probabilities(self, session: Maia3Session, rating: float, opponent: float | None = None) -> list[np.ndarray]:
        """Maia-3's probabilities over each ply's legal moves, the player at ``rating``; the
        opponent at their known rating, else ``opponent`` (None: the same as the player)."""
        others = self.opponents(rating if opponent is None else opponent)
        logits = session.run_batched(self.tokens, rating, others).logits
        return [legal_softmax(row, legal) for row, legal in zip(logits, self.legal)]


def own_moves(games: Sequence[ScoredGame]) -> OwnMoves:
    """The scored side's moves in ``games`` (oldest first) as the input of a player's book
    (:mod:`kibitz.engine.book`), keyed by Maia-3's vocabulary; no tokens are made."""
    game_of, keys, moves = [], [], []
    for g, game in enumerate(games):
        for _, board, move in replay(game.start, game.moves, game.colour):
            game_of.append(g)
            keys.append(position_hash(board))
            moves.append(move_to_index(move, board.turn))
    return OwnMoves(np.array(game_of, np.int32), np.array(keys, np.uint64), np.array(moves, np.int16), len(games))


def mean_nll(probabilities: Sequence[np.ndarray], played: np.ndarray) -> float:
    """Mean negative log-likelihood (nats) of the played moves."""
    if not len(played):
        return math.nan
    return float(np.mean([-math.log(max(float(p[i]), 1e-12)) for p, i in zip(probabilities, played)]))

