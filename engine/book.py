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
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import chess
import chess.polyglot
import numpy as np

from kibitz.engine.moves import VOCAB_SIZE, move_to_index
from kibitz.engine.player_games import replay

BOOK_FILE = "book.npz"
#: The strengths tried when fitting; ``math.inf`` is "no book" (the model alone).
STRENGTHS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, math.inf)
#: Recency weights tried when fitting: a game's counts halve every ``half_life`` games back
#: (None: every game counts the same). Players change their openings over the years.
HALF_LIVES: tuple[float | None, ...] = (None, 1000.0, 300.0, 100.0)
#: The most a book file's arrays may hold together. A player with 100,000 games has about 50 MB;
#: a file declaring more is damaged and is refused before anything that size is allocated.
MAX_BOOK_BYTES = 512 << 20
#: The arrays of a book file and the one type each is written with (:meth:`PlayerBook.to_bytes`).
BOOK_ARRAYS: dict[str, np.dtype] = {"keys": np.dtype(np.uint64), "offsets": np.dtype(np.int64),
                                    "moves": np.dtype(np.int16), "move_counts": np.dtype(np.float32)}

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
    def from_games(cls, games: Sequence[BookGame], *, strength: float = math.inf,
                   half_life: float | None = None) -> PlayerBook:
        """Count the player's own moves in ``games``, oldest first (the opponent's moves are not
        counted); with ``half_life`` a game counts ``0.5 ** (age / half_life)``, age in games."""
        return OwnMoves.of(games).book(strength=strength, half_life=half_life)

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

        Every array is checked before use (type, length, counts finite and not negative, moves
        inside the vocabulary), so a book whose file is intact but whose content is not is refused
        rather than served: it would make probabilities of NaN, below 0 or above 1.

        :raises ValueError: when the file is not a usable book (the model loader turns it into a
            ModelError, and the predictor falls back to the base model with the reason).
        """
        if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not strength > 0:
            raise ValueError(f"{path} is served at strength {strength!r}, not a positive number")
        try:
            arrays = _read_arrays(path)
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError,
                RuntimeError) as error:
            raise ValueError(f"{path} is not a readable book ({error})") from error
        book = cls(arrays["keys"], arrays["offsets"], arrays["moves"], arrays["move_counts"], float(strength))
        problem = book.problem()
        if problem is not None:
            raise ValueError(f"{path} is not a consistent book: {problem}")
        return book

    def problem(self) -> str | None:
        """What makes this book unusable, in words (None: nothing)."""
        keys, offsets, moves, counts = self.keys, self.offsets, self.moves, self.move_counts
        if len(offsets) != len(keys) + 1 or int(offsets[0]) != 0 or int(offsets[-1]) != len(moves):
            return "its rows do not match its positions"
        if len(counts) != len(moves):
            return f"{len(counts)} counts for {len(moves)} moves"
        if np.any(np.diff(offsets) < 0):
            return "its rows overlap"
        if np.any(keys[1:] <= keys[:-1]):
            return "its positions are not sorted"
        if len(moves) and (int(moves.min()) < 0 or int(moves.max()) >= VOCAB_SIZE):
            return f"a move outside the vocabulary of {VOCAB_SIZE} moves"
        if not np.all(np.isfinite(counts)) or np.any(counts < 0):
            return "a count that is negative, infinite or not a number"
        return None


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The book's arrays, each header checked before its data is read (np.load would allocate
    whatever size a header declares)."""
    if not path.is_file():
        raise OSError(f"{path} is not a regular file")
    arrays: dict[str, np.ndarray] = {}
    budget = MAX_BOOK_BYTES
    with zipfile.ZipFile(path) as archive:
        for name, dtype in BOOK_ARRAYS.items():
            with archive.open(f"{name}.npy") as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, fortran_order, found = np.lib.format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, fortran_order, found = np.lib.format.read_array_header_2_0(member)
                else:
                    raise ValueError(f"{name} has array format {version}")
                if found != dtype or len(shape) != 1:
                    raise ValueError(f"{name} is {found} of shape {shape}, not a row of {dtype}")
                size = int(shape[0]) * dtype.itemsize
                if size > budget:
                    raise ValueError(f"{name} declares {size:,} bytes, more than a book holds")
                budget -= size
                data = member.read(size)
                if len(data) != size:
                    raise ValueError(f"{name} ends after {len(data):,} of {size:,} bytes")
                arrays[name] = np.frombuffer(data, dtype)
    return arrays


@dataclass(frozen=True)
class OwnMoves:
    """Every move the player made in a list of games: which game, the position's hash, the move.

    Made once; books with different recency weights are then counted from it without replaying.
    """

    game: np.ndarray  # int32 [M] index of the game (0 = oldest)
    key: np.ndarray  # uint64 [M] position hash
    move: np.ndarray  # int16 [M] vocabulary index
    games: int

    @classmethod
    def of(cls, games: Sequence[BookGame]) -> OwnMoves:
        game_of, keys, moves = [], [], []
        for g, (start, played, colour) in enumerate(games):
            for _, board, move in replay(start, played, colour):
                game_of.append(g)
                keys.append(position_hash(board))
                moves.append(move_to_index(move, board.turn))
        return cls(np.array(game_of, np.int32), np.array(keys, np.uint64), np.array(moves, np.int16), len(games))

    def excluding(self, games: Sequence[int]) -> OwnMoves:
        """Without the moves of the given games (indices): a book that never saw them. Ages stay as they were."""
        keep = ~np.isin(self.game, np.asarray(list(games), np.int32))
        return OwnMoves(self.game[keep], self.key[keep], self.move[keep], self.games)

    def oldest(self, games: int) -> OwnMoves:
        """The moves of the first ``games`` games only (what was known before the newer ones)."""
        keep = self.game < games
        return OwnMoves(self.game[keep], self.key[keep], self.move[keep], games)

    def book(self, *, strength: float = math.inf, half_life: float | None = None) -> PlayerBook:
        age = (self.games - 1 - self.game).astype(np.float64)
        weight = np.ones(len(age)) if half_life is None else 0.5 ** (age / half_life)
        # One row per (position, move): sort by both, then sum the weights of equal neighbours.
        order = np.lexsort((self.move, self.key))
        key, move, weight = self.key[order], self.move[order], weight[order]
        first = np.ones(len(key), bool)
        first[1:] = (key[1:] != key[:-1]) | (move[1:] != move[:-1])
        starts = np.flatnonzero(first)
        counts = np.add.reduceat(weight, starts) if len(starts) else np.zeros(0)
        row_keys, row_moves = key[starts], move[starts]
        new_position = np.ones(len(row_keys), bool)
        new_position[1:] = row_keys[1:] != row_keys[:-1]
        offsets = np.append(np.flatnonzero(new_position), len(row_keys)).astype(np.int64)
        return PlayerBook(row_keys[new_position], offsets, row_moves.astype(np.int16),
                          counts.astype(np.float32), float(strength))


def blend(probabilities: np.ndarray, counts: np.ndarray, strength: float) -> np.ndarray:
    """``(strength * p + counts) / (strength + total)``; the model alone where nothing was counted."""
    total = float(counts.sum())
    if total <= 0 or math.isinf(strength):
        return probabilities
    blended: np.ndarray = (strength * probabilities + counts) / (strength + total)
    return blended


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
