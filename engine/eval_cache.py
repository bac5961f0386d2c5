"""Engine evaluations kept per position, so a position is searched once (reviews, habits, hints).

A small SQLite file beside the store (``<home>/engine-evals.sqlite3``), apart from it on purpose:
it is a cache - deleting it loses nothing - and it never needs a store migration. The key is the
position (EPD: placement, side, castling, en passant), the engine's name and the search limit, so a
different engine or budget never reuses another's figures.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import chess

from kibitz.engine.analysis import Evaluation

FILE_NAME = "engine-evals.sqlite3"


class EvalCache:
    """Thread-safe (one connection behind a lock); several processes may share the file (WAL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=10, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS evals (epd TEXT NOT NULL, engine TEXT NOT NULL, "
                         "lim TEXT NOT NULL, cp INTEGER, mate INTEGER, best TEXT, "
                         "PRIMARY KEY (epd, engine, lim)) WITHOUT ROWID")

    @classmethod
    def in_home(cls, home: Path) -> EvalCache:
        return cls(home / FILE_NAME)

    def get(self, board: chess.Board, engine: str, limit: str) -> Evaluation | None:
        with self._lock:
            row = self._db.execute("SELECT cp, mate, best FROM evals WHERE epd = ? AND engine = ? AND lim = ?",
                                   (board.epd(), engine, limit)).fetchone()
        if row is None:
            return None
        cp, mate, best = row
        return Evaluation(cp=cp, mate=mate, best=chess.Move.from_uci(best) if best else None)

    def put(self, board: chess.Board, engine: str, limit: str, evaluation: Evaluation) -> None:
        best = evaluation.best.uci() if evaluation.best else None
        with self._lock:
            try:
                self._db.execute("INSERT OR REPLACE INTO evals VALUES (?, ?, ?, ?, ?, ?)",
                                 (board.epd(), engine, limit, evaluation.cp, evaluation.mate, best))
            except sqlite3.OperationalError:  # a busy or full disk: the figure is simply not kept
                pass

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM evals").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
