"""The prior's outputs kept per stored game, so a retrain reads them instead of running Maia-3 again.

Maia-3 costs several ms a position on a laptop's CPU; a personal retrain over a few thousand games
would spend most of its time re-running a prior whose answers never change. So the prior runs once
per stored game and rating pair (in the background, as games are finished or imported:
:func:`upkeep`), and what a personal adapter reads is kept in the store:

* ``pooled`` - the prior's ``[256]`` position representation before each move, and
* the prior's logits of that position's legal moves (the rest of the 4,352 are never read),

both float16, for a game's first :data:`MAX_PLIES` plies. A game is kept per (White's rating,
Black's rating) pair, ratings as :func:`kibitz.engine.priors.rating_key` rounds them, every ply run at
(the mover's rating, the other side's). Rows written under another :data:`PRIOR_VERSION` (another
graph, vocabulary or encoder) are never read and are dropped by :func:`upkeep`. They are a cache:
losing them costs time, never games, so a full disk while keeping them stops the keeping and
nothing else.

>>> kept = KeptOutputs(store)                                     # doctest: +SKIP
>>> outputs = kept.ensure([(game_id, 1500, 1650)], prior_session())[game_id]  # doctest: +SKIP
>>> outputs.pooled.shape, outputs.legal_counts.sum() == len(outputs.legal_logits)  # doctest: +SKIP
((84, 256), True)
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import chess
import numpy as np

from kibitz.engine import features, moves
from kibitz.engine.features import GameTokens
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.pgn import starting_board
from kibitz.engine.priors import GRAPH_NAME, POOLED_SIZE, PriorSession, prior_path, rating_key
from kibitz.engine.store import GameRecord, Store, StoreError, StoreFullError

log = logging.getLogger(__name__)

MAX_PLIES: Final = 300  # a game's first 300 plies only (training cuts games there too)
#: Rating pairs a game keeps: the one in use and the one before it (a retrain that fits a new rating
#: still finds the old pair while it runs); older pairs are deleted when a newer one is kept.
KEEP_PAIRS: Final = 2
#: Positions run per prior batch group in :func:`compute_outputs` (whole games, at least this many
#: positions): a few games, so an interrupted or cancelled run loses little.
GROUP_POSITIONS: Final = 256


def _prior_version() -> str:
    """What the kept outputs depend on: the vocabulary, the encoder and the shipped graph (its name
    and size: a new conversion changes the size; reading the 11 MB file for a hash at import would
    cost more than the check is worth). ``_FORMAT`` is bumped by hand when the blob changes."""
    path = prior_path()
    size = path.stat().st_size if path.is_file() else 0
    text = f"{_FORMAT}:{moves.VOCAB_HASH}:{features.FEATURE_HASH}:{GRAPH_NAME}:{size}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_MAGIC: Final = b"KPO1"
_FORMAT: Final = 1
_HEADER: Final = struct.Struct("<4sIII")  # magic, plies T, legal moves L, crc32 of the arrays

PRIOR_VERSION: Final = _prior_version()

Progress = Callable[[int, int], None]  # (games done, games in all)
Cancelled = Callable[[], bool]
Game = tuple[chess.Board, Sequence[chess.Move], int, int]  # start, moves, White's rating, Black's rating


@dataclass(frozen=True)
class GameOutputs:
    """The prior's outputs for one game's first ``T = min(len(moves), MAX_PLIES)`` plies."""

    pooled: np.ndarray  # float16 [T, 256]: the prior's ``pooled`` before each move
    legal_logits: np.ndarray  # float16 [L]: ply by ply, the logits of the legal moves (legal_move_indices order)
    legal_counts: np.ndarray  # int16 [T]: legal moves per ply (L = their sum)

    @property
    def plies(self) -> int:
        return len(self.legal_counts)

    def ply_logits(self) -> list[np.ndarray]:
        """The legal moves' logits ply by ply (views into :attr:`legal_logits`)."""
        ends = np.cumsum(self.legal_counts, dtype=np.int64)
        return np.split(self.legal_logits, ends[:-1]) if len(ends) else []

    def to_bytes(self) -> bytes:
        """Header (magic, T, L, crc32), then legal_counts, pooled and legal_logits, little-endian."""
        body = (np.ascontiguousarray(self.legal_counts, "<i2").tobytes()
                + np.ascontiguousarray(self.pooled, "<f2").tobytes()
                + np.ascontiguousarray(self.legal_logits, "<f2").tobytes())
        return _HEADER.pack(_MAGIC, self.plies, len(self.legal_logits), zlib.crc32(body)) + body

    @classmethod
    def from_bytes(cls, data: bytes) -> GameOutputs:
        """:raises ValueError: when ``data`` is not a whole, undamaged blob written by :meth:`to_bytes`."""
        if len(data) < _HEADER.size:
            raise ValueError(f"kept prior outputs are cut short ({len(data)} bytes)")
        magic, plies, legal, crc = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError(f"not kept prior outputs (they start {magic!r})")
        if plies > MAX_PLIES:
            raise ValueError(f"kept prior outputs claim {plies} plies, more than {MAX_PLIES}")
        expected = _HEADER.size + 2 * plies + 2 * plies * POOLED_SIZE + 2 * legal
        if len(data) != expected:
            raise ValueError(f"kept prior outputs are {len(data)} bytes, not the {expected} their header says")
        body = memoryview(data)[_HEADER.size:]
        if zlib.crc32(body) != crc:
            raise ValueError("kept prior outputs are damaged (checksum differs)")
        counts = np.frombuffer(body, "<i2", plies).astype(np.int16)
        pooled = np.frombuffer(body, "<f2", plies * POOLED_SIZE, 2 * plies).astype(np.float16).reshape(plies, POOLED_SIZE)
        logits = np.frombuffer(body, "<f2", legal, 2 * plies * (1 + POOLED_SIZE)).astype(np.float16)
        if np.any(counts < 0) or int(counts.sum(dtype=np.int64)) != legal:
            raise ValueError("kept prior outputs are damaged (legal move counts do not add up)")
        return cls(pooled, logits, counts)


def compute_outputs(session: PriorSession, games: Sequence[Game], *, progress: Progress | None = None
                    ) -> list[GameOutputs]:
    """Run the prior over ``games`` (start, moves, White's rating, Black's rating), a few games per
    batch group; every ply at (the mover's rating, the other side's).

    :raises ValueError: when a move is illegal where it is played.
    """
    results: list[GameOutputs] = []
    group: list[Game] = []
    positions = 0
    for game in games:
        group.append(game)
        positions += min(len(game[1]), MAX_PLIES)
        if positions >= GROUP_POSITIONS:
            results.extend(_compute_group(session, group))
            group, positions = [], 0
            if progress is not None:
                progress(len(results), len(games))
    if group:
        results.extend(_compute_group(session, group))
        if progress is not None:
            progress(len(results), len(games))
    return results


def _compute_group(session: PriorSession, games: Sequence[Game]) -> list[GameOutputs]:
    tokens: list[np.ndarray] = []
    selfs: list[np.ndarray] = []
    oppos: list[np.ndarray] = []
    cut = [list(game_moves[:MAX_PLIES]) for _, game_moves, _, _ in games]
    for (start, _, white, black), played in zip(games, cut):
        game = GameTokens.of(start, played)
        plies = len(played)
        tokens.append(game.tokens[:plies])
        white_to_move = game.turns[:plies]
        selfs.append(np.where(white_to_move, white, black))
        oppos.append(np.where(white_to_move, black, white))
    total = sum(len(t) for t in tokens)
    if total:
        run = session.run_batched(np.concatenate(tokens), np.concatenate(selfs), np.concatenate(oppos))
        logits_all, pooled_all = run.logits, run.pooled
    else:
        logits_all = pooled_all = np.zeros((0, 0), np.float32)
    results: list[GameOutputs] = []
    offset = 0
    for (start, _, _, _), played in zip(games, cut):
        plies = len(played)
        rows = slice(offset, offset + plies)
        offset += plies
        counts = np.empty(plies, np.int16)
        legal_parts: list[np.ndarray] = []
        board = start.copy(stack=False)
        for ply, (row, move) in enumerate(zip(logits_all[rows], played)):
            indices, _ = legal_move_indices(board)
            counts[ply] = len(indices)
            legal_parts.append(row[indices])
            board.push(move)
        legal = np.concatenate(legal_parts).astype(np.float16) if legal_parts else np.zeros(0, np.float16)
        pooled = pooled_all[rows].astype(np.float16) if plies else np.zeros((0, POOLED_SIZE), np.float16)
        results.append(GameOutputs(pooled, legal, counts))
    return results


class KeptOutputs:
    """The prior's outputs kept in a :class:`~kibitz.engine.store.Store`, per game and rating pair."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, game_id: int, white: int, black: int) -> GameOutputs | None:
        """The kept outputs, or None: none kept at this rating pair under this :data:`PRIOR_VERSION`,
        or a damaged blob (logged; :meth:`ensure` computes it again). Ratings are keys as
        :func:`~kibitz.engine.priors.rating_key` makes them (rounded here too: 1537 finds 1550)."""
        white, black = rating_key(white), rating_key(black)
        rows = self.store.query("SELECT outputs FROM prior_outputs WHERE game_id = ? AND white_rating = ?"
                                " AND black_rating = ? AND prior_version = ?", (game_id, white, black, PRIOR_VERSION))
        if not rows:
            return None
        try:
            return GameOutputs.from_bytes(bytes(rows[0][0]))
        except ValueError as problem:
            log.warning("kept prior outputs of game %d at %d/%d are unreadable (%s); they are computed again",
                        game_id, white, black, problem)
            return None

    def put(self, game_id: int, white: int, black: int, outputs: GameOutputs) -> None:
        """Keep ``outputs`` (replacing those at this pair); the game keeps its :data:`KEEP_PAIRS`
        newest pairs.

        :raises StoreFullError: when the disk is full (nothing of this call stays written).
        """
        with self.store.transaction() as db:
            self._write(db, game_id, rating_key(white), rating_key(black), outputs)

    @staticmethod
    def _write(db: sqlite3.Connection, game_id: int, white: int, black: int, outputs: GameOutputs) -> None:
        execute = db.execute
        if execute("SELECT 1 FROM games WHERE id = ?", (game_id,)).fetchone() is None:
            return  # deleted while its outputs were computed: nothing to keep them for
        execute("INSERT OR REPLACE INTO prior_outputs (game_id, white_rating, black_rating, prior_version, kept_at,"
                " outputs) VALUES (?, ?, ?, ?, ?, ?)",
                (game_id, white, black, PRIOR_VERSION, time.time(), outputs.to_bytes()))
        execute("DELETE FROM prior_outputs WHERE game_id = ? AND (prior_version != ? OR rowid NOT IN"
                " (SELECT rowid FROM prior_outputs WHERE game_id = ? AND prior_version = ?"
                "  ORDER BY kept_at DESC, rowid DESC LIMIT ?))",
                (game_id, PRIOR_VERSION, game_id, PRIOR_VERSION, KEEP_PAIRS))

    def missing(self, wanted: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The (game id, White's rating, Black's rating) of ``wanted`` not kept yet (each once, in order)."""
        kept = {(g, w, b) for g, w, b in self.store.query(
            "SELECT game_id, white_rating, black_rating FROM prior_outputs WHERE prior_version = ?", (PRIOR_VERSION,))}
        seen: set[tuple[int, int, int]] = set()
        result: list[tuple[int, int, int]] = []
        for key in wanted:
            key = (int(key[0]), rating_key(key[1]), rating_key(key[2]))
            if key not in kept and key not in seen:
                seen.add(key)
                result.append(key)
        return result

    def keep(self, wanted: Sequence[tuple[int, int, int]], session: PriorSession, *,
             progress: Progress | None = None, cancel: Cancelled | None = None) -> int:
        """Compute and keep the outputs of ``wanted`` not kept yet, a few games per transaction (an
        interrupted run keeps what it did); returns how many games were computed. Games deleted
        meanwhile are skipped.

        :raises StoreFullError: when the disk fills (what was kept before stays).
        """
        todo = self.missing(wanted)
        done = 0
        while todo:
            if cancel is not None and cancel():
                break
            batch, todo = _next_batch(self.store, todo)
            games: list[tuple[int, int, int, Game]] = []
            for game_id, white, black in batch:
                try:
                    record = self.store.game(game_id)
                except KeyError:
                    continue  # deleted since it was asked for
                played = [chess.Move.from_uci(u) for u in record.moves[:MAX_PLIES]]
                games.append((game_id, white, black, (starting_board(record.fen), played, white, black)))
            computed = compute_outputs(session, [game for *_, game in games])
            with self.store.transaction() as db:
                for (game_id, white, black, _), outputs in zip(games, computed):
                    self._write(db, game_id, white, black, outputs)
            done += len(games)
            if progress is not None:
                progress(done, done + len(todo))
        return done

    def ensure(self, wanted: Sequence[tuple[int, int, int]], session: PriorSession, *,
               progress: Progress | None = None, cancel: Cancelled | None = None) -> dict[int, GameOutputs]:
        """Every one of ``wanted`` by game id, computing (and keeping) those not kept yet.

        A damaged kept blob is computed again. When the disk is full the outputs are still
        returned, computed but not kept (logged). With ``cancel`` set the result may lack games.

        :raises KeyError: when a wanted game is not in the store.
        """
        try:
            self.keep(wanted, session, progress=progress, cancel=cancel)
        except StoreFullError as full:
            log.warning("prior outputs not kept: %s", full)
        result: dict[int, GameOutputs] = {}
        for game_id, white, black in wanted:
            if cancel is not None and cancel():
                break
            outputs = self.get(game_id, white, black)
            if outputs is None:  # damaged, or not kept (full disk): computed here, kept when it fits
                record = self.store.game(game_id)
                start = starting_board(record.fen)
                played = [chess.Move.from_uci(u) for u in record.moves[:MAX_PLIES]]
                outputs = compute_outputs(session, [(start, played, white, black)])[0]
                try:
                    self.put(game_id, white, black, outputs)
                except StoreError as problem:
                    log.warning("prior outputs of game %d not kept: %s", game_id, problem)
            result[game_id] = outputs
        return result

    def forget_other_ratings(self, wanted: Iterable[tuple[int, int, int]]) -> int:
        """Delete the outputs of ``wanted``'s games at any other rating pair; returns how many rows went."""
        pairs = {(int(g), rating_key(w), rating_key(b)) for g, w, b in wanted}
        with self.store.transaction() as db:
            before = db.total_changes
            db.executemany("DELETE FROM prior_outputs WHERE game_id = ? AND NOT (white_rating = ? AND black_rating = ?)",
                           sorted(pairs))
            return int(db.total_changes - before)

    def forget_stale(self) -> int:
        """Delete the outputs written under another :data:`PRIOR_VERSION`; returns how many rows went."""
        with self.store.transaction() as db:
            return int(db.execute("DELETE FROM prior_outputs WHERE prior_version != ?", (PRIOR_VERSION,)).rowcount)

    def stats(self) -> tuple[int, int]:
        """(rows kept under this version, their bytes)."""
        count, size = self.store.query("SELECT COUNT(*), COALESCE(SUM(LENGTH(outputs)), 0) FROM prior_outputs"
                                       " WHERE prior_version = ?", (PRIOR_VERSION,))[0]
        return int(count), int(size)


def _next_batch(store: Store, todo: list[tuple[int, int, int]]) -> tuple[list[tuple[int, int, int]],
                                                                            list[tuple[int, int, int]]]:
    """Whole games from the front of ``todo`` up to about :data:`GROUP_POSITIONS` plies (one
    transaction's worth), and the rest."""
    plies = 0
    for count, (game_id, _, _) in enumerate(todo, start=1):
        rows = store.query("SELECT COUNT(*) FROM moves WHERE game_id = ?", (game_id,))
        plies += min(int(rows[0][0]), MAX_PLIES)
        if plies >= GROUP_POSITIONS:
            return todo[:count], todo[count:]
    return todo, []


def wanted_outputs(store: Store, player_ids: Iterable[int] | None = None) -> list[tuple[int, int, int]]:
    """(game id, White's rating, Black's rating) of every stored game with moves of those players
    (every player: None), at the ratings :func:`kibitz.engine.models.game_ratings` gives."""
    from kibitz.engine.models import game_ratings  # models reads the store's model records; imported late

    ids = [p.id for p in store.players()] if player_ids is None else list(dict.fromkeys(player_ids))
    wanted: list[tuple[int, int, int]] = []
    for player_id in ids:
        try:
            store.player(player_id)
        except KeyError:
            continue  # deleted meanwhile
        records = _games_without_moves(store, player_id)
        for record, (white, black) in zip(records, game_ratings(store, records, player_id)):
            wanted.append((record.id, white, black))
    return wanted


def _games_without_moves(store: Store, player_id: int) -> list[GameRecord]:
    """The player's games that have moves, as records without their moves (what the ratings read:
    ids, sides, tags): a store of 100,000 games would otherwise hold every move in memory here."""
    rows = store.query("SELECT id, white, black, white_id, black_id, event, date, result, termination, source, fen,"
                       " created_at FROM games g WHERE (white_id = ? OR black_id = ?)"
                       " AND EXISTS (SELECT 1 FROM moves m WHERE m.game_id = g.id) ORDER BY id", (player_id, player_id))
    return [GameRecord(game_id, white, black, white_id, black_id, event, date, result, termination, source, fen,
                       moves=(), created_at=created)
            for game_id, white, black, white_id, black_id, event, date, result, termination, source, fen, created
            in rows]


def upkeep(store: Store, player_ids: Iterable[int] | None = None, *, session: PriorSession | None = None,
           progress: Progress | None = None, cancel: Cancelled | None = None) -> int:
    """Compute and keep the outputs of every stored game of those players (every player: None) at
    the ratings they are read at now; drops rows of another :data:`PRIOR_VERSION`. Returns how
    many games were computed. ``session``: a prior session of its own by default (one thread, not
    the shared one, so the predictions of a game in play never queue behind a batch of this).

    :raises PriorError: when the prior cannot be loaded.
    :raises StoreFullError: when the disk fills (what was kept before stays; the games are untouched).
    """
    kept = KeptOutputs(store)
    if store.query("SELECT 1 FROM prior_outputs WHERE prior_version != ? LIMIT 1", (PRIOR_VERSION,)):
        kept.forget_stale()
    todo = kept.missing(wanted_outputs(store, player_ids))
    if not todo or (cancel is not None and cancel()):
        return 0
    if session is None:
        session = PriorSession(threads=1, remember=0)
    return kept.keep(todo, session, progress=progress, cancel=cancel)
