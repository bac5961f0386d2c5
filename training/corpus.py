"""A compact, reusable copy of PGN game collections for training: moves as 16-bit codes.

Parsing PGN is the slow part of preparing data (milliseconds per game); a corpus file is written
once (``np.savez``: a few bytes a move) and then read in a blink by pretraining, evaluation and the
GPU script. Games are read with the engine's tolerant reader, so training sees exactly what an
import would.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import chess
import numpy as np

from kibitz.engine.pgn import PgnGame, read_games, starting_board


def pack_move(move: chess.Move) -> int:
    """A move in real coordinates as 16 bits: from | to << 6 | promotion << 12."""
    return move.from_square | move.to_square << 6 | (move.promotion or 0) << 12


def unpack_move(code: int) -> chess.Move:
    promotion = code >> 12
    return chess.Move(code & 63, (code >> 6) & 63, promotion or None)


@dataclass
class GameInput:
    """One game: its start position (None = standard), its moves in real coordinates, and its
    players' ratings where known (for the prior)."""

    moves: Sequence[chess.Move]
    fen: str | None = None
    white_elo: int | None = None
    black_elo: int | None = None
    game_id: int | None = None  # the game's id in the store, where it came from there

    def start_board(self) -> chess.Board:
        return starting_board(self.fen)

    def rating_of(self, colour: chess.Color) -> int | None:
        return self.white_elo if colour == chess.WHITE else self.black_elo


@dataclass
class Corpus:
    """Games with their players, dates and moves; index ``i`` selects one game."""

    white: np.ndarray  # str [G]
    black: np.ndarray  # str [G]
    date: np.ndarray  # str [G], PGN "YYYY.MM.DD" (may hold ??)
    white_elo: np.ndarray  # int32 [G], 0 when the PGN gives none
    black_elo: np.ndarray  # int32 [G]
    source: np.ndarray  # str [G], file name the game came from
    fen: np.ndarray  # str [G], "" for the standard start
    move_offsets: np.ndarray  # int64 [G + 1]
    moves: np.ndarray  # uint16 [M] packed moves (pack_move)

    def __len__(self) -> int:
        return int(self.white.shape[0])

    def game(self, i: int) -> GameInput:
        codes = self.moves[self.move_offsets[i] : self.move_offsets[i + 1]]
        white, black = int(self.white_elo[i]), int(self.black_elo[i])
        return GameInput([unpack_move(int(c)) for c in codes], self.fen[i] or None,
                         white if white > 0 else None, black if black > 0 else None)

    def games(self, indices: Iterable[int]) -> list[GameInput]:
        return [self.game(int(i)) for i in indices]

    def plies(self, i: int) -> int:
        return int(self.move_offsets[i + 1] - self.move_offsets[i])

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **{k: getattr(self, k) for k in self.__dataclass_fields__})
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Corpus:
        with np.load(path) as data:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    @classmethod
    def from_games(cls, games: Sequence[tuple[str, PgnGame]]) -> Corpus:
        codes = [
            np.array([pack_move(chess.Move.from_uci(u)) for u in g.moves], dtype=np.uint16)
            for _, g in games
        ]
        lengths = np.array([len(c) for c in codes], dtype=np.int64)
        return cls(
            white=np.array([g.headers.get("White", "?") for _, g in games], dtype=str),
            black=np.array([g.headers.get("Black", "?") for _, g in games], dtype=str),
            date=np.array([g.headers.get("Date", "????.??.??") for _, g in games], dtype=str),
            white_elo=np.array([_rating(g.headers.get("WhiteElo")) for _, g in games], dtype=np.int32),
            black_elo=np.array([_rating(g.headers.get("BlackElo")) for _, g in games], dtype=np.int32),
            source=np.array([s for s, _ in games], dtype=str),
            fen=np.array([g.fen or "" for _, g in games], dtype=str),
            move_offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            moves=np.concatenate(codes) if codes else np.zeros(0, dtype=np.uint16),
        )


def _rating(text: str | None) -> int:
    try:
        return max(int(str(text).strip()), 0)
    except ValueError:
        return 0


def _read_file(path: str) -> list[tuple[str, PgnGame]]:
    name = Path(path).name
    return [(name, g) for g in read_games(path) if isinstance(g, PgnGame)]


def build_corpus(paths: Sequence[Path], *, workers: int = 1) -> Corpus:
    """Read every readable game of ``paths`` (skipped games are left out) into a corpus."""
    if workers > 1 and len(paths) > 1:
        with ProcessPoolExecutor(workers) as pool:
            per_file = list(pool.map(_read_file, [str(p) for p in paths]))
    else:
        per_file = [_read_file(str(p)) for p in paths]
    return Corpus.from_games([g for games in per_file for g in games])
