"""Games -> the prior's view of every ply, computed once and kept in memory-mapped arrays.

The Maia-3 prior is frozen, so its work - by far the most expensive part of the model - is done
once per position, not once per epoch: each ply's pooled view of the position (float16, 256
values) and the prior's logits of the legal moves are written to ``.npy`` files beside the moves,
and training reads them back through ``np.memmap`` (the nanoGPT habit). The prior runs through the
same ONNX graph the app serves, at the same ratings (the mover's, the other side's), so the
adapter learns on exactly what it will be fed. Games whose outputs the store keeps
(:mod:`kibitz.engine.prior_outputs`) are read from there, not run again.

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

from kibitz.engine.models import expected_versions
from kibitz.engine.moves import NO_MOVE, legal_move_indices, move_to_index
from kibitz.engine.priors import POOLED_SIZE
from kibitz.engine.prior_outputs import MAX_PLIES, GameOutputs, compute_outputs
from kibitz.engine.priors import prior_session
from kibitz.training.corpus import GameInput

BATCH_GAMES = 16  # games per prior call batch (about 1,300 positions)
CHECKPOINT_EVERY_S = 20.0  # a resumable record of the games done
PROGRESS_EVERY_S = 0.5  # progress is reported as the games go, not only at checkpoints
META_FILE = "cache.json"
_FIELDS = ("pooled", "prev_move", "target", "scored", "legal_offsets", "legal", "prior_legal",
           "game_offsets", "game_ratings")
#: Outputs the store keeps for some games: given the games (with their ids), those it has or makes.
KeptSource = Callable[[Sequence["CacheGame"]], list[GameOutputs]]


@dataclass(frozen=True)
class CacheGame:
    """One game to cache: its moves, the (White, Black) ratings to read it at, whose moves are
    scored, and its id in the store (None: not stored, its outputs are computed here)."""

    game: GameInput
    white: int
    black: int
    scored_colours: tuple[chess.Color, ...] = (chess.WHITE, chess.BLACK)
    game_id: int | None = None


@dataclass
class PriorCache:
    """Cached plies of several games; ``game_offsets`` delimit the games (ply ranges)."""

    pooled: np.ndarray  # float16 [N, 256]  the prior's pooled view before each move
    prev_move: np.ndarray  # int16 [N]  previous move or NO_MOVE
    target: np.ndarray  # int16 [N]  move played
    scored: np.ndarray  # bool [N]  a ply whose move is a training / scoring target
    legal_offsets: np.ndarray  # int64 [N + 1] into legal / prior_legal
    legal: np.ndarray  # int16 [L]  legal move indices per ply
    prior_legal: np.ndarray  # float16 [L]  the prior's logits of those moves
    game_offsets: np.ndarray  # int64 [G + 1]
    game_ratings: np.ndarray  # int16 [G, 2]  (White, Black)

    @property
    def num_games(self) -> int:
        return int(self.game_ratings.shape[0])

    @property
    def num_positions(self) -> int:
        return int(self.target.shape[0])

    def game_outputs(self, game: int) -> GameOutputs:
        """The prior's outputs for game ``game`` of the cache (copied out of the mapped files)."""
        first, last = int(self.game_offsets[game]), int(self.game_offsets[game + 1])
        lo, hi = int(self.legal_offsets[first]), int(self.legal_offsets[last])
        return GameOutputs(np.array(self.pooled[first:last]), np.array(self.prior_legal[lo:hi]),
                           np.diff(self.legal_offsets[first : last + 1]).astype(np.int16))

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
    kept: KeptSource | None = None,
) -> PriorCache:
    """Run the prior over every ply of ``games`` into ``folder`` (resuming an interrupted build
    of the same games) and return the memory-mapped cache. ``kept``: where stored games' outputs
    come from (the store's kept outputs); other games' are computed here."""
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
    shapes = {"pooled": ((n, POOLED_SIZE), np.float16), "prev_move": ((n,), np.int16),
              "target": ((n,), np.int16), "scored": ((n,), np.bool_), "legal": ((total_legal,), np.int16),
              "prior_legal": ((total_legal,), np.float16)}
    arrays = {name: np.lib.format.open_memmap(folder / f"{name}.npy", mode="r+" if resume else "w+",
                                              dtype=dtype, shape=shape)
              for name, (shape, dtype) in shapes.items()}
    if not resume:
        np.save(folder / "game_offsets.npy", game_offsets)
        np.save(folder / "legal_offsets.npy", legal_offsets)
        np.save(folder / "game_ratings.npy", np.array([(g.white, g.black) for g in games], dtype=np.int16).reshape(-1, 2))
        meta = {"fingerprint": fingerprint, "games_done": 0, "complete": False, "versions": expected_versions(),
                "games": len(games), "positions": n, "description": description or {}}
        _write_meta(folder, meta)
    assert meta is not None
    started, start_game = time.monotonic(), int(meta["games_done"])
    saved = reported = time.monotonic()
    for first in range(start_game, len(games), BATCH_GAMES):
        chunk = games[first : first + BATCH_GAMES]
        for offset, (item, outputs) in enumerate(zip(chunk, _outputs(chunk, threads, kept))):
            _write_game(arrays, item, outputs, int(game_offsets[first + offset]), legal_offsets)
        done = first + len(chunk)
        last = done == len(games)
        if last or time.monotonic() - saved >= CHECKPOINT_EVERY_S:
            for array in arrays.values():
                array.flush()
            meta["games_done"] = done
            meta["seconds"] = meta.get("seconds", 0.0) + time.monotonic() - started
            started = saved = time.monotonic()
            _write_meta(folder, meta)
        if progress is not None and (last or time.monotonic() - reported >= PROGRESS_EVERY_S):
            progress(done, len(games))
            reported = time.monotonic()
    del arrays
    meta["complete"] = True
    _write_meta(folder, meta)
    return PriorCache.open(folder)


def _outputs(chunk: Sequence[CacheGame], threads: int, kept: KeptSource | None) -> list[GameOutputs]:
    """The prior's outputs for each game of ``chunk``: kept ones from ``kept``, the rest computed."""
    stored = [item for item in chunk if item.game_id is not None] if kept is not None else []
    found = dict(zip((id(item) for item in stored), kept(stored))) if kept is not None and stored else {}
    missing = [item for item in chunk if id(item) not in found]
    computed = compute_outputs(prior_session(threads), [
        (item.game.start_board(), list(item.game.moves[:MAX_PLIES]), item.white, item.black) for item in missing])
    found.update(zip((id(item) for item in missing), computed))
    return [found[id(item)] for item in chunk]


def _write_game(arrays: dict[str, np.ndarray], item: CacheGame, outputs: GameOutputs, first_row: int,
                legal_offsets: np.ndarray) -> None:
    """One game's moves and the prior's outputs into the arrays, from ``first_row`` on."""
    board = item.game.start_board()
    plies = _plies(item.game)
    if len(outputs.pooled) != plies:
        raise ValueError(f"the prior's outputs cover {len(outputs.pooled)} plies of a {plies}-ply game")
    rows = slice(first_row, first_row + plies)
    arrays["pooled"][rows] = outputs.pooled
    lo, hi = int(legal_offsets[first_row]), int(legal_offsets[first_row + plies])
    arrays["prior_legal"][lo:hi] = outputs.legal_logits
    previous = NO_MOVE
    for ply in range(plies):
        move = item.game.moves[ply]
        row = first_row + ply
        indices, _ = legal_move_indices(board)
        start = int(legal_offsets[row])
        arrays["legal"][start : start + len(indices)] = indices
        target = move_to_index(move, board.turn)
        arrays["target"][row] = target
        arrays["prev_move"][row] = previous
        arrays["scored"][row] = board.turn in item.scored_colours
        previous = target
        board.push(move)


def _fingerprint(games: Sequence[CacheGame]) -> str:
    import hashlib

    digest = hashlib.sha1()
    for item in games:
        digest.update(f"{item.white}:{item.black}:{item.game.fen}:{item.scored_colours}:".encode())
        digest.update(" ".join(m.uci() for m in item.game.moves[:MAX_PLIES]).encode())
    return digest.hexdigest()
