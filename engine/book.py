"""A player's own book: which moves they chose in the positions they have met before.

People repeat themselves - above all in the opening, where a player meets the same positions game
after game and mostly plays what they played last time. The network sees a position, not the
player's history in it, so a personal model carries the player's own counts beside its graph and
blends them with the network's distribution as a Dirichlet prior updated by those counts:

    p(move) = (strength * p_model(move) + count(move)) / (strength + total)

``strength`` is the model's weight in games: a position met once moves the prediction a little,
one met twenty times is mostly the player's habit. It is fitted on the player's validation games
(:func:`fit_strength`) and stored with the book. Positions never met leave the model untouched.

Positions are keyed by their Polyglot Zobrist hash (pieces, side to move, castling rights and a
capturable en-passant square; not the move counters), moves by the vocabulary's indices.

>>> from kibitz.engine.moves import legal_move_indices
>>> start = chess.Board()
>>> book = PlayerBook.from_games([(start, [chess.Move.from_uci("d2d4")], chess.WHITE)] * 3, strength=1.0)
>>> indices, legal = legal_move_indices(start)
>>> counts = book.counts(start, indices)
>>> legal[int(counts.argmax())].uci(), float(counts.sum())
('d2d4', 3.0)
>>> model = np.full(len(legal), 1 / len(legal))   # a model with no opinion
>>> round(float(book.blend(model, counts)[int(counts.argmax())]), 3)   # (1 * 1/20 + 3) / (1 + 3)
0.762
"""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import chess
import chess.polyglot
import numpy as np

from kibitz.engine.moves import move_to_index

BOOK_FILE = "book.npz"
#: The strengths tried when fitting; ``math.inf`` is "no book" (the model alone).
STRENGTHS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, math.inf)

BookGame = tuple[chess.Board, Sequence[chess.Move], chess.Color]  # first position, moves, the player's colour


def position_hash(board: chess.Board) -> int:
    return chess.polyglot.zobrist_hash(board)


@dataclass(frozen=True)
class PlayerBook:
    """Move counts per position (sorted hashes, CSR rows of vocabulary indices and counts)."""

    keys: np.ndarray  # uint64 [K] sorted position hashes
    offsets: np.ndarray  # int64 [K + 1] rows into moves / counts
    moves: np.ndarray  # int16 [M] vocabulary indices
    move_counts: np.ndarray  # float32 [M] how often the player chose that move there
    strength: float = math.inf  # the model's weight in games; inf = book unused

    @classmethod
    def from_games(cls, games: Iterable[BookGame], *, strength: float = math.inf) -> PlayerBook:
        """Count the player's own moves in ``games`` (the opponent's moves are not counted)."""
        table: dict[int, Counter[int]] = defaultdict(Counter)
        for start, moves, colour in games:
            board = start.copy(stack=False)
            for move in moves:
                if board.turn == colour:
                    table[position_hash(board)][move_to_index(move, board)] += 1
                board.push(move)
        keys = np.array(sorted(table), dtype=np.uint64)
        offsets, moves, counts = [0], [], []
        for key in keys:
            row = table[int(key)]
            moves.extend(row)
            counts.extend(row.values())
            offsets.append(len(moves))
        return cls(keys, np.array(offsets, np.int64), np.array(moves, np.int16),
                   np.array(counts, np.float32), float(strength))

    def with_strength(self, strength: float) -> PlayerBook:
        return PlayerBook(self.keys, self.offsets, self.moves, self.move_counts, float(strength))

    @property
    def positions(self) -> int:
        return int(self.keys.shape[0])

    def counts(self, board: chess.Board, legal_indices: np.ndarray) -> np.ndarray:
        """How often the player chose each of the legal moves (given by vocabulary index) here."""
        return self.counts_for_hash(position_hash(board), legal_indices)

    def counts_for_hash(self, key: int, legal_indices: np.ndarray) -> np.ndarray:
        out = np.zeros(len(legal_indices), np.float64)
        i = int(np.searchsorted(self.keys, np.uint64(key)))
        if i < len(self.keys) and int(self.keys[i]) == key:
            lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
            where = {int(m): float(c) for m, c in zip(self.moves[lo:hi], self.move_counts[lo:hi])}
            out[:] = [where.get(int(m), 0.0) for m in legal_indices]
        return out

    def blend(self, probabilities: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The model's probabilities over the legal moves updated by the player's counts there."""
        return blend(probabilities, counts, self.strength)

    # -- files ---------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, keys=self.keys, offsets=self.offsets, moves=self.moves,
                            move_counts=self.move_counts)
        return buffer.getvalue()

    @classmethod
    def load(cls, path: Path, strength: float) -> PlayerBook:
        """Read a book written by :meth:`to_bytes` (its strength is kept in the model's metadata).

        :raises ValueError: when the file is not a book (the model loader turns it into a ModelError).
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                book = cls(data["keys"].astype(np.uint64), data["offsets"].astype(np.int64),
                           data["moves"].astype(np.int16), data["move_counts"].astype(np.float32),
                           float(strength))
        except (OSError, KeyError, ValueError) as error:
            raise ValueError(f"{path} is not a readable book ({error})") from error
        if len(book.offsets) != len(book.keys) + 1 or int(book.offsets[-1]) != len(book.moves):
            raise ValueError(f"{path} is not a consistent book")
        return book


def blend(probabilities: np.ndarray, counts: np.ndarray, strength: float) -> np.ndarray:
    """``(strength * p + counts) / (strength + total)``; the model alone where nothing was counted."""
    total = float(counts.sum())
    if total <= 0 or math.isinf(strength):
        return probabilities
    return (strength * probabilities + counts) / (strength + total)


def fit_strength(plies: Sequence[tuple[np.ndarray, np.ndarray, int]]) -> tuple[float, dict[float, float]]:
    """The strength with the lowest NLL on ``plies`` = (model probabilities, book counts, index of
    the move played); returns it and every strength's NLL (``inf``: the book unused)."""
    nll: dict[float, float] = {}
    for strength in STRENGTHS:
        total = 0.0
        for probabilities, counts, played in plies:
            p = blend(probabilities, counts, strength)[played]
            total -= math.log(max(float(p), 1e-12))
        nll[strength] = total / max(len(plies), 1)
    best = min(nll, key=lambda s: (nll[s], -s))
    return best, nll
