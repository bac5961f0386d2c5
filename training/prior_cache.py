"""Games -> the prior's view of every ply, computed once and kept in memory-mapped arrays.

The Maia-1 prior is frozen, so its work - by far the most expensive part of the model - is done
once per position, not once per epoch: each ply's tower output (float16) and the prior's logits
of the legal moves are written to ``.npy`` files beside the moves, and training reads them back
through ``np.memmap`` (the nanoGPT habit). The prior runs through the same ONNX graphs the app
serves, so the adapter learns on exactly what it will be fed.

A cache folder holds one array per field (see :class:`PriorCache`) and ``cache.json``. Building
is resumable: progress is recorded whenever every pending batch has been written, and an
interrupted build continues from there.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import chess
import numpy as np

from kibitz.engine.features import FEATURE_SHAPE, PositionHistory
from kibitz.engine.models import expected_versions
from kibitz.engine.moves import NO_MOVE, legal_move_indices, move_to_index
from kibitz.engine.priors import TOWER_SHAPE, prior_session
from kibitz.training.corpus import GameInput

MAX_PLIES = 300  # longer games are cut; the tail of a 150-move game teaches little
BATCH = 256
CHECKPOINT_EVERY_S = 20.0  # a resumable record of the games done (drains part-full batches)
PROGRESS_EVERY_S = 0.5  # progress is reported as the games go, not only at checkpoints
META_FILE = "cache.json"
_FIELDS = ("tower", "prev_move", "target", "scored", "legal_offsets", "legal", "prior_legal",
           "game_offsets", "game_band")


@dataclass(frozen=True)
class CacheGame:
    """One game to cache: its moves, the prior band to read it with, and whose moves are scored."""

    game: GameInput
    band: int
    scored_colours: tuple[chess.Color, ...] = (chess.WHITE, chess.BLACK)


@dataclass
class PriorCache:
    """Cached plies of several games; ``game_offsets`` delimit the games (ply ranges)."""

    tower: np.ndarray  # float16 [N, 64, 8, 8]  prior tower output before each move
    prev_move: np.ndarray  # int16 [N]  previous move or NO_MOVE
    target: np.ndarray  # int16 [N]  move played
    scored: np.ndarray  # bool [N]  a ply whose move is a training / scoring target
    legal_offsets: np.ndarray  # int64 [N + 1] into legal / prior_legal
    legal: np.ndarray  # int16 [L]  legal move indices per ply
    prior_legal: np.ndarray  # float16 [L]  the prior's logits of those moves
    game_offsets: np.ndarray  # int64 [G + 1]
    game_band: np.ndarray  # int16 [G]

    @property
    def num_games(self) -> int:
        return int(self.game_band.shape[0])

    @property
    def num_positions(self) -> int:
        return int(self.target.shape[0])

    @classmethod
    def open(cls, folder: Path) -> PriorCache:
        """Memory-map a complete cache folder.

        :raises ValueError: when the folder is incomplete or made for another encoder/vocabulary.
        """
        meta = _read_meta(folder)
        if meta is None or not meta.get("complete"):
            raise ValueError(f"{folder} holds no complete prior cache")
        if meta.get("versions") != expected_versions():
            raise ValueError(f"{folder} was cached for {meta.get('versions')}, this code uses {expected_versions()}")
        return cls(**{name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _FIELDS})


def _read_meta(folder: Path) -> dict | None:
    try:
        return json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_meta(folder: Path, meta: dict) -> None:
    tmp = folder / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(tmp, folder / META_FILE)


def _plies(game: GameInput) -> int:
    return min(len(game.moves), MAX_PLIES)


def _layout(games: Sequence[CacheGame]) -> tuple[np.ndarray, np.ndarray]:
    """Ply offsets per game and legal-move offsets per ply (replays every game once)."""
    lengths = np.array([_plies(g.game) for g in games], dtype=np.int64)
    game_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    counts = np.zeros(int(game_offsets[-1]), dtype=np.int64)
    for g, item in enumerate(games):
        board = item.game.start_board()
        base = game_offsets[g]
        for ply in range(lengths[g]):
            counts[base + ply] = board.legal_moves.count()
            board.push(item.game.moves[ply])
    return game_offsets, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def build_cache(
    games: Sequence[CacheGame],
    folder: Path,
    *,
    threads: int = 2,
    progress: Callable[[int, int], None] | None = None,
    description: dict | None = None,
) -> PriorCache:
    """Run the prior over every ply of ``games`` into ``folder`` (resuming an interrupted build
    of the same games) and return the memory-mapped cache."""
    folder.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint(games)
    meta = _read_meta(folder)
    if meta is not None and meta.get("fingerprint") == fingerprint and meta.get("complete"):
        return PriorCache.open(folder)
    resume = meta is not None and meta.get("fingerprint") == fingerprint
    if resume:
        game_offsets = np.load(folder / "game_offsets.npy")
        legal_offsets = np.load(folder / "legal_offsets.npy")
    else:
        game_offsets, legal_offsets = _layout(games)
    n, total_legal = int(game_offsets[-1]), int(legal_offsets[-1])
    shapes = {"tower": ((n, *TOWER_SHAPE), np.float16), "prev_move": ((n,), np.int16),
              "target": ((n,), np.int16), "scored": ((n,), np.bool_), "legal": ((total_legal,), np.int16),
              "prior_legal": ((total_legal,), np.float16)}
    arrays = {name: np.lib.format.open_memmap(folder / f"{name}.npy", mode="r+" if resume else "w+",
                                              dtype=dtype, shape=shape)
              for name, (shape, dtype) in shapes.items()}
    if not resume:
        np.save(folder / "game_offsets.npy", game_offsets)
        np.save(folder / "legal_offsets.npy", legal_offsets)
        np.save(folder / "game_band.npy", np.array([g.band for g in games], dtype=np.int16))
        meta = {"fingerprint": fingerprint, "games_done": 0, "complete": False, "versions": expected_versions(),
                "games": len(games), "positions": n, "description": description or {}}
        _write_meta(folder, meta)
    assert meta is not None
    writer = _BatchWriter(arrays, legal_offsets, threads)
    started, start_game = time.monotonic(), int(meta["games_done"])
    saved = reported = time.monotonic()
    for g in range(start_game, len(games)):
        writer.add_game(games[g], int(game_offsets[g]))  # the prior runs on every full batch (a few games)
        last = g == len(games) - 1
        if last or time.monotonic() - saved >= CHECKPOINT_EVERY_S:
            writer.drain()
            for array in arrays.values():
                array.flush()
            meta["games_done"] = g + 1
            meta["seconds"] = meta.get("seconds", 0.0) + time.monotonic() - started
            started = saved = time.monotonic()
            _write_meta(folder, meta)
        if progress is not None and (last or time.monotonic() - reported >= PROGRESS_EVERY_S):
            progress(g + 1, len(games))
            reported = time.monotonic()
    del arrays, writer
    meta["complete"] = True
    _write_meta(folder, meta)
    return PriorCache.open(folder)


def _fingerprint(games: Sequence[CacheGame]) -> str:
    import hashlib

    digest = hashlib.sha1()
    for item in games:
        digest.update(f"{item.band}:{item.game.fen}:{item.scored_colours}:".encode())
        digest.update(" ".join(m.uci() for m in item.game.moves[:MAX_PLIES]).encode())
    return digest.hexdigest()


class _BatchWriter:
    """Collects plies per band and runs the prior on full batches, writing results in place."""

    def __init__(self, arrays: dict[str, np.ndarray], legal_offsets: np.ndarray, threads: int) -> None:
        self.arrays = arrays
        self.legal_offsets = legal_offsets
        self.threads = threads
        self.pending: dict[int, tuple[list[np.ndarray], list[int]]] = {}

    def add_game(self, item: CacheGame, first_row: int) -> None:
        history = PositionHistory(item.game.start_board())
        planes_list, rows = self.pending.setdefault(item.band, ([], []))
        previous = NO_MOVE
        a = self.arrays
        for ply in range(_plies(item.game)):
            board = history.board
            move = item.game.moves[ply]
            row = first_row + ply
            indices, _ = legal_move_indices(board)
            lo = self.legal_offsets[row]
            a["legal"][lo : lo + len(indices)] = indices
            target = move_to_index(move, board)
            a["target"][row] = target
            a["prev_move"][row] = previous
            a["scored"][row] = board.turn in item.scored_colours
            planes = np.empty(FEATURE_SHAPE, dtype=np.float32)
            history.planes_into(planes)
            planes_list.append(planes)
            rows.append(row)
            previous = target
            history.push(move)
        if len(rows) >= BATCH:
            self._run(item.band)

    def _run(self, band: int) -> None:
        planes_list, rows = self.pending.pop(band, ([], []))
        if not rows:
            return
        session = prior_session(band, self.threads)
        policy, tower = session.run_batched(np.stack(planes_list), BATCH)
        a = self.arrays
        order = np.asarray(rows, dtype=np.int64)
        if _contiguous(rows):
            a["tower"][rows[0] : rows[-1] + 1] = tower
        else:
            a["tower"][order] = tower
        lo, hi = self.legal_offsets[order], self.legal_offsets[order + 1]
        counts = hi - lo
        owner = np.repeat(np.arange(len(rows)), counts)
        slots = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
        a["prior_legal"][slots] = policy[owner, np.asarray(a["legal"][slots], dtype=np.int64)]

    def drain(self) -> None:
        for band in list(self.pending):
            self._run(band)


def _contiguous(rows: list[int]) -> bool:
    return rows[-1] - rows[0] + 1 == len(rows)
