"""Games -> training arrays: the one place where moves are replayed and positions encoded.

A game becomes, per ply, the engine's features of the position before the move (uint8), the move
played (vocabulary index), the previous move (``NO_MOVE`` at ply 0), the colour to move and the
legal moves (a ragged list, for masking illegal moves out of the softmax). Pretraining, personal
fine-tuning and evaluation all build their inputs here, with the engine's encoder and vocabulary.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import chess
import numpy as np

from kibitz.engine import features as feat
from kibitz.engine.moves import NO_MOVE, legal_move_indices, move_to_index

MAX_PLIES = 400  # longer games are cut; the tail of a 200-move game teaches little


def pack_move(move: chess.Move) -> int:
    """A move in real coordinates as 16 bits: from | to << 6 | promotion << 12."""
    return move.from_square | move.to_square << 6 | (move.promotion or 0) << 12


def unpack_move(code: int) -> chess.Move:
    promotion = code >> 12
    return chess.Move(code & 63, (code >> 6) & 63, promotion or None)


@dataclass
class GameInput:
    """One game to encode: its start position (None = standard) and its moves in real coordinates."""

    moves: Sequence[chess.Move]
    fen: str | None = None

    def start_board(self) -> chess.Board:
        return chess.Board(self.fen) if self.fen else chess.Board()


@dataclass
class Positions:
    """Encoded plies of several games, concatenated; ``game_offsets`` delimit the games."""

    features: np.ndarray  # uint8 [N, FEATURE_SIZE]
    target: np.ndarray  # int16 [N]  move played
    prev_move: np.ndarray  # int16 [N]  previous move or NO_MOVE
    white_to_move: np.ndarray  # bool [N]
    legal_offsets: np.ndarray  # int64 [N + 1] into legal
    legal: np.ndarray  # int16 [L] legal move indices per position
    game_offsets: np.ndarray  # int64 [G + 1]

    @property
    def num_positions(self) -> int:
        return int(self.target.shape[0])


def encode_game(game: GameInput) -> tuple[np.ndarray, ...]:
    """Replay one game; returns (features, target, prev, white_to_move, legal_counts, legal)."""
    board = game.start_board()
    plies = min(len(game.moves), MAX_PLIES)
    features = np.zeros((plies, feat.FEATURE_SIZE), dtype=np.uint8)
    target = np.zeros(plies, dtype=np.int16)
    prev = np.full(plies, NO_MOVE, dtype=np.int16)
    white = np.zeros(plies, dtype=bool)
    counts = np.zeros(plies, dtype=np.int64)
    legal_parts: list[np.ndarray] = []
    previous = NO_MOVE
    for ply in range(plies):
        move = game.moves[ply]
        feat.encode_into(board, features[ply])
        indices, _ = legal_move_indices(board)
        target[ply] = move_to_index(move, board.turn)
        prev[ply] = previous
        white[ply] = board.turn == chess.WHITE
        counts[ply] = len(indices)
        legal_parts.append(indices.astype(np.int16))
        previous = int(target[ply])
        board.push(move)
    legal = np.concatenate(legal_parts) if legal_parts else np.zeros(0, dtype=np.int16)
    return features, target, prev, white, counts, legal


def _encode_many(games: Sequence[GameInput]) -> list[tuple[np.ndarray, ...]]:
    return [encode_game(g) for g in games]


def encode_games(games: Sequence[GameInput], *, workers: int | None = None) -> Positions:
    """Encode games into one ``Positions``, in parallel processes when there are many."""
    workers = workers or (os.cpu_count() or 1)
    if workers > 1 and len(games) >= 2000:
        chunk = max(200, len(games) // (workers * 8))
        chunks = [games[i : i + chunk] for i in range(0, len(games), chunk)]
        with ProcessPoolExecutor(workers) as pool:
            parts = [p for result in pool.map(_encode_many, chunks) for p in result]
    else:
        parts = _encode_many(games)
    return _concatenate(parts)


def _concatenate(parts: Iterable[tuple[np.ndarray, ...]]) -> Positions:
    parts = list(parts)
    lengths = np.array([p[1].shape[0] for p in parts], dtype=np.int64)
    game_offsets = np.concatenate([[0], np.cumsum(lengths)])

    def cat(i: int, dtype: type, shape: tuple[int, ...] = (0,)) -> np.ndarray:
        arrays = [p[i] for p in parts]
        return np.concatenate(arrays) if arrays else np.zeros(shape, dtype=dtype)

    counts = cat(4, np.int64)
    return Positions(
        features=cat(0, np.uint8, (0, feat.FEATURE_SIZE)),
        target=cat(1, np.int16),
        prev_move=cat(2, np.int16),
        white_to_move=cat(3, bool),
        legal_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        legal=cat(5, np.int16),
        game_offsets=game_offsets,
    )
