"""The game store: players (with aliases), games played in the app or imported, their moves, models.

One SQLite file in WAL mode under :func:`default_home`. A move played in the app is committed the
moment it is added, so a crash loses nothing already played. Imports go in large transactions and
are idempotent: every imported game has a dedup key (see :func:`kibitz.engine.pgn.dedup_key`) that
the store keeps unique, so importing a file twice, or again after an interrupted run, adds only
what is missing.

The connection may be used from any thread (the GUI imports in a worker thread); a lock serialises
the calls.

>>> store = Store.open(tmp_path)                    # doctest: +SKIP
>>> alice = store.add_player("Alice")              # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import chess
import chess.pgn
import platformdirs

from kibitz.engine.pgn import PgnGame

DB_NAME: Final = "kibitz.sqlite3"
RESULTS: Final = frozenset({"1-0", "0-1", "1/2-1/2", "*"})


def default_home() -> Path:
    """Where kibitz keeps its data: ``$KIBITZ_HOME`` or the platform's user data directory."""
    env = os.environ.get("KIBITZ_HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("kibitz"))


def name_key(name: str) -> str:
    """The form in which player names are compared: whitespace trimmed and collapsed, case-folded."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class Player:
    """A person; ``aliases`` are the other spellings under which they appear in PGN files."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    #: The player's strength as a lichess-like rating, if given: it picks the prior's band until
    #: their own games choose one.
    level: int | None = None


@dataclass(frozen=True, slots=True)
class GameRecord:
    """A stored game, app-played (``source == "app"``) or imported (``"pgn"``)."""

    id: int
    white: str
    black: str
    white_id: int | None
    black_id: int | None
    event: str | None
    date: str
    result: str
    termination: str
    source: str
    fen: str | None
    moves: tuple[str, ...]
    created_at: float


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A personal model installed for a player."""

    player_id: int
    path: Path
    games_trained: int
    created_at: float
    meta: dict[str, Any]


# Each entry moves the schema one version up; user_version says how many have run.
_MIGRATIONS: Final[list[str]] = [
    """
    CREATE TABLE players (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE player_names (
        key TEXT PRIMARY KEY,
        player_id INTEGER NOT NULL REFERENCES players(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        is_alias INTEGER NOT NULL
    );
    CREATE INDEX player_names_player ON player_names(player_id);
    CREATE TABLE games (
        id INTEGER PRIMARY KEY,
        white TEXT NOT NULL,
        black TEXT NOT NULL,
        white_key TEXT NOT NULL,
        black_key TEXT NOT NULL,
        white_id INTEGER REFERENCES players(id) ON DELETE SET NULL,
        black_id INTEGER REFERENCES players(id) ON DELETE SET NULL,
        event TEXT,
        date TEXT NOT NULL,
        result TEXT NOT NULL DEFAULT '*',
        termination TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL CHECK (source IN ('app', 'pgn')),
        fen TEXT,
        tags TEXT NOT NULL DEFAULT '{}',
        dedup_key TEXT UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE INDEX games_white ON games(white_id);
    CREATE INDEX games_black ON games(black_id);
    CREATE INDEX games_white_key ON games(white_key);
    CREATE INDEX games_black_key ON games(black_key);
    CREATE TABLE moves (
        game_id INTEGER NOT NULL REFERENCES games(id) ON DELETE CASCADE,
        ply INTEGER NOT NULL,
        uci TEXT NOT NULL,
        san TEXT NOT NULL,
        PRIMARY KEY (game_id, ply)
    ) WITHOUT ROWID;
    CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        player_id INTEGER NOT NULL REFERENCES players(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        games_trained INTEGER NOT NULL,
        meta TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX models_player ON models(player_id, created_at);
    """,
    """
    ALTER TABLE players ADD COLUMN level INTEGER;
    CREATE INDEX games_date ON games(date);
    CREATE INDEX games_created ON games(created_at);
    """,
    """
    CREATE TABLE guesses (
        game_id INTEGER NOT NULL REFERENCES games(id) ON DELETE CASCADE,
        ply INTEGER NOT NULL,
        guesser_id INTEGER REFERENCES players(id) ON DELETE SET NULL,
        guess TEXT NOT NULL,
        model TEXT NOT NULL,
        played TEXT NOT NULL,
        PRIMARY KEY (game_id, ply)
    ) WITHOUT ROWID;
    """,
]
SCHEMA_VERSION: Final = len(_MIGRATIONS)

_GAME_COLUMNS: Final = ("id, white, black, white_id, black_id, event, date, result, termination, source, fen, "
                        "created_at")


def _today() -> str:
    return _dt.date.today().strftime("%Y.%m.%d")


class Store:
    """Players, games, moves and models in one SQLite database (use :meth:`open`)."""

    def __init__(self, connection: sqlite3.Connection, home: Path) -> None:
        self._db = connection
        self._lock = threading.RLock()
        self.home = home
        self.path = home / DB_NAME

    @classmethod
    def open(cls, home: Path | None = None) -> Store:
        """Open (creating and migrating as needed) the store under ``home`` (default: :func:`default_home`).

        :raises RuntimeError: when the database was written by a newer kibitz.
        """
        home = Path(home) if home is not None else default_home()
        home.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(home / DB_NAME, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        store = cls(db, home)
        store._migrate()
        return store

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} has schema version {version}; this kibitz knows up to {SCHEMA_VERSION}")
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in _split_sql(_MIGRATIONS[number]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    # ---------------------------------------------------------------------------------------------
    # players

    def add_player(self, name: str) -> Player:
        """Create a player.

        :raises ValueError: when the name is empty or already a player's name or alias.
        """
        name = " ".join(name.split())
        if not name:
            raise ValueError("a player needs a name")
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM player_names WHERE key = ?", (name_key(name),)).fetchone():
                raise ValueError(f"the name {name!r} is already taken")
            player_id = db.execute("INSERT INTO players (name, created_at) VALUES (?, ?)",
                                   (name, time.time())).lastrowid
            assert player_id is not None
            self._add_name(db, player_id, name, is_alias=False)
        return Player(player_id, name, ())

    def add_alias(self, player_id: int, alias: str) -> None:
        """Let ``alias`` (another PGN spelling) mean this player; links games already imported under it.

        Adding a name the player already has is a no-op.

        :raises ValueError: when the alias is empty or belongs to another player.
        :raises KeyError: when there is no such player.
        """
        alias = " ".join(alias.split())
        if not alias:
            raise ValueError("an alias cannot be empty")
        with self.transaction() as db:
            if not db.execute("SELECT 1 FROM players WHERE id = ?", (player_id,)).fetchone():
                raise KeyError(f"no player {player_id}")
            row = db.execute("SELECT player_id FROM player_names WHERE key = ?", (name_key(alias),)).fetchone()
            if row is not None:
                if row[0] == player_id:
                    return
                raise ValueError(f"the name {alias!r} already belongs to another player")
            self._add_name(db, player_id, alias, is_alias=True)

    @staticmethod
    def _add_name(db: sqlite3.Connection, player_id: int, name: str, *, is_alias: bool) -> None:
        key = name_key(name)
        db.execute("INSERT INTO player_names (key, player_id, name, is_alias) VALUES (?, ?, ?, ?)",
                   (key, player_id, name, int(is_alias)))
        db.execute("UPDATE games SET white_id = ? WHERE white_key = ? AND white_id IS NULL", (player_id, key))
        db.execute("UPDATE games SET black_id = ? WHERE black_key = ? AND black_id IS NULL", (player_id, key))

    def find_player(self, name: str) -> Player | None:
        """The player called ``name`` (by name or alias, case and spacing ignored), if any."""
        row = self.query("SELECT player_id FROM player_names WHERE key = ?", (name_key(name),))
        return self._player(row[0][0]) if row else None

    def player(self, player_id: int) -> Player:
        """The player with this id.

        :raises KeyError: when there is none.
        """
        return self._player(player_id)

    def _player(self, player_id: int) -> Player:
        rows = self.query("SELECT name, level FROM players WHERE id = ?", (player_id,))
        if not rows:
            raise KeyError(f"no player {player_id}")
        aliases = self.query("SELECT name FROM player_names WHERE player_id = ? AND is_alias = 1 ORDER BY rowid",
                             (player_id,))
        return Player(player_id, rows[0][0], tuple(a for (a,) in aliases), rows[0][1])

    def set_player_level(self, player_id: int, level: int | None) -> None:
        """Set (or with ``None`` clear) the player's level, a lichess-like rating from 400 to 3000.

        :raises ValueError: for a level outside that range.
        :raises KeyError: when there is no such player.
        """
        if level is not None and not 400 <= level <= 3000:
            raise ValueError(f"a level is a rating from 400 to 3000, not {level}")
        with self.transaction() as db:
            if db.execute("UPDATE players SET level = ? WHERE id = ?", (level, player_id)).rowcount == 0:
                raise KeyError(f"no player {player_id}")

    def players(self) -> list[Player]:
        """All players, in the order they were created."""
        return [self._player(pid) for (pid,) in self.query("SELECT id FROM players ORDER BY id")]

    def _player_ids(self, db: sqlite3.Connection) -> dict[str, int]:
        return dict(db.execute("SELECT key, player_id FROM player_names").fetchall())

    # ---------------------------------------------------------------------------------------------
    # live games

    def start_game(self, white_id: int, black_id: int, *, event: str | None = None, fen: str | None = None) -> int:
        """Begin a game played in the app; returns its id (result ``"*"`` until finished).

        :raises KeyError: when a player does not exist.
        :raises ValueError: for an invalid ``fen``.
        """
        if fen is not None:
            fen = chess.Board(fen).fen()
            fen = None if fen == chess.STARTING_FEN else fen
        white, black = self._player(white_id), self._player(black_id)
        tags = {"Event": event or "kibitz game", "Site": "kibitz", "Date": _today(), "Round": "-",
                "White": white.name, "Black": black.name}
        with self.transaction() as db:
            game_id = db.execute(
                "INSERT INTO games (white, black, white_key, black_key, white_id, black_id, event, date, source,"
                " fen, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'app', ?, ?, ?)",
                (white.name, black.name, name_key(white.name), name_key(black.name), white_id, black_id, event,
                 tags["Date"], fen, json.dumps(tags), time.time())).lastrowid
        assert game_id is not None
        return game_id

    def add_move(self, game_id: int, ply: int, uci: str, san: str) -> None:
        """Record the move at ``ply`` (0-based) and commit it at once.

        :raises ValueError: when ``ply`` is not the next ply of the game (take back first).
        """
        with self.transaction() as db:
            count = db.execute("SELECT COUNT(*) FROM moves WHERE game_id = ?", (game_id,)).fetchone()[0]
            if ply != count:
                raise ValueError(f"game {game_id} has {count} plies; cannot add ply {ply}")
            db.execute("INSERT INTO moves (game_id, ply, uci, san) VALUES (?, ?, ?, ?)", (game_id, ply, uci, san))

    def truncate_moves(self, game_id: int, ply_count: int) -> None:
        """Take back: keep only the first ``ply_count`` plies."""
        with self.transaction() as db:
            db.execute("DELETE FROM moves WHERE game_id = ? AND ply >= ?", (game_id, ply_count))

    def finish_game(self, game_id: int, result: str, termination: str) -> None:
        """Record how a game ended (``result`` is ``"1-0"``, ``"0-1"``, ``"1/2-1/2"`` or ``"*"``).

        :raises ValueError: for any other result.
        """
        if result not in RESULTS:
            raise ValueError(f"not a PGN result: {result!r}")
        with self.transaction() as db:
            db.execute("UPDATE games SET result = ?, termination = ? WHERE id = ?", (result, termination, game_id))

    def unfinished_games(self) -> list[GameRecord]:
        """App games without a result and not abandoned, newest first (to offer resuming them)."""
        rows = self.query(f"SELECT {_GAME_COLUMNS} FROM games WHERE result = '*' AND source = 'app'"
                           " AND termination != 'abandoned' ORDER BY created_at DESC, id DESC")
        return [self._record(row) for row in rows]

    def delete_game(self, game_id: int) -> None:
        """Remove a game and its moves."""
        with self.transaction() as db:
            db.execute("DELETE FROM games WHERE id = ?", (game_id,))

    # ---------------------------------------------------------------------------------------------
    # reading games

    def _record(self, row: tuple[Any, ...]) -> GameRecord:
        moves = self.query("SELECT uci FROM moves WHERE game_id = ? ORDER BY ply", (row[0],))
        return GameRecord(*row[:11], moves=tuple(m for (m,) in moves), created_at=row[11])

    def game(self, game_id: int) -> GameRecord:
        """The game with this id.

        :raises KeyError: when there is none.
        """
        rows = self.query(f"SELECT {_GAME_COLUMNS} FROM games WHERE id = ?", (game_id,))
        if not rows:
            raise KeyError(f"no game {game_id}")
        return self._record(rows[0])

    def sans(self, game_id: int) -> tuple[str, ...]:
        """The SAN of the game's moves, as recorded."""
        return tuple(s for (s,) in self.query("SELECT san FROM moves WHERE game_id = ? ORDER BY ply", (game_id,)))

    def tags(self, game_id: int) -> dict[str, str]:
        """The PGN tags stored with the game (all of an imported game's original tags)."""
        rows = self.query("SELECT tags FROM games WHERE id = ?", (game_id,))
        if not rows:
            raise KeyError(f"no game {game_id}")
        return dict(json.loads(rows[0][0]))

    def games_of_player(self, player_id: int) -> list[GameRecord]:
        """Every game the player played (either colour), oldest first by date, then id."""
        rows = self.query(f"SELECT {_GAME_COLUMNS} FROM games WHERE white_id = ? OR black_id = ?"
                           " ORDER BY date, id", (player_id, player_id))
        return [self._record(row) for row in rows]

    def game_count(self, player_id: int) -> int:
        """How many games the player has in the store."""
        return int(self.query("SELECT COUNT(*) FROM games WHERE white_id = ? OR black_id = ?",
                               (player_id, player_id))[0][0])

    def game_ids(self) -> list[int]:
        """The ids of all stored games, in order."""
        return [gid for (gid,) in self.query("SELECT id FROM games ORDER BY id")]

    # ---------------------------------------------------------------------------------------------
    # importing and exporting

    def import_games(self, games: Iterable[PgnGame]) -> tuple[int, int]:
        """Store parsed PGN games in one transaction; returns ``(imported, duplicates)``.

        Games whose dedup key is already stored are counted as duplicates and left alone. White and
        Black are linked to players whose name or alias matches.
        """
        imported = duplicates = 0
        now = time.time()
        with self.transaction() as db:
            ids = self._player_ids(db)
            insert_game = ("INSERT OR IGNORE INTO games (white, black, white_key, black_key, white_id, black_id,"
                           " event, date, result, termination, source, fen, tags, dedup_key, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pgn', ?, ?, ?, ?)")
            rows: list[tuple[int, int, str, str]] = []
            for game in games:
                h = game.headers
                white, black = h.get("White", "?"), h.get("Black", "?")
                wkey, bkey = name_key(white), name_key(black)
                cursor = db.execute(insert_game, (
                    white, black, wkey, bkey, ids.get(wkey), ids.get(bkey), h.get("Event"),
                    h.get("Date", "????.??.??"), game.result, h.get("Termination", ""), game.fen,
                    json.dumps(h, ensure_ascii=False), game.key, now))
                if cursor.rowcount == 0:
                    duplicates += 1
                    continue
                imported += 1
                game_id = cursor.lastrowid
                rows.extend(zip([game_id] * len(game.moves), range(len(game.moves)), game.moves, game.sans))
            db.executemany("INSERT INTO moves (game_id, ply, uci, san) VALUES (?, ?, ?, ?)", rows)
        return imported, duplicates

    def export_pgn(self, game_ids: Iterable[int], path: Path) -> int:
        """Write the games to a PGN file (UTF-8); returns how many were written.

        :raises KeyError: when a game does not exist.
        """
        path = Path(path)
        count = 0
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            for game_id in game_ids:
                print(self._pgn_game(game_id), file=out, end="\n\n")
                count += 1
        os.replace(tmp, path)
        return count

    def _pgn_game(self, game_id: int) -> chess.pgn.Game:
        record = self.game(game_id)
        tags = self.tags(game_id)
        board = chess.Board(record.fen) if record.fen else chess.Board()
        game = chess.pgn.Game.from_board(board)
        for name, value in tags.items():
            if name not in ("FEN", "SetUp", "Result"):
                game.headers[name] = value
        game.headers["White"], game.headers["Black"] = record.white, record.black
        game.headers["Date"] = record.date
        game.headers["Result"] = record.result
        if record.termination and "Termination" not in tags:
            game.headers["Termination"] = record.termination
        node: chess.pgn.GameNode = game
        for uci in record.moves:
            node = node.add_variation(chess.Move.from_uci(uci))
        return game

    # ---------------------------------------------------------------------------------------------
    # models

    def record_model(self, player_id: int, path: Path, games_trained: int, meta: dict[str, Any]) -> None:
        """Note that a personal model for the player was installed at ``path``."""
        with self.transaction() as db:
            db.execute("INSERT INTO models (player_id, path, games_trained, meta, created_at) VALUES (?, ?, ?, ?, ?)",
                       (player_id, str(path), games_trained, json.dumps(meta), time.time()))

    def latest_model(self, player_id: int) -> ModelRecord | None:
        """The player's most recently recorded model, if any: the one that is served."""
        records = self._model_records(player_id, newest_first=True, limit=1)
        return records[0] if records else None

    def model_history(self, player_id: int) -> list[ModelRecord]:
        """Every model record of the player, oldest first (a kept or reverted model appears again)."""
        return self._model_records(player_id, newest_first=False, limit=-1)

    def _model_records(self, player_id: int, *, newest_first: bool, limit: int) -> list[ModelRecord]:
        order = "DESC" if newest_first else "ASC"  # limit -1: all
        rows = self.query("SELECT player_id, path, games_trained, created_at, meta FROM models"
                          f" WHERE player_id = ? ORDER BY created_at {order}, id {order} LIMIT ?", (player_id, limit))
        return [ModelRecord(pid, Path(path), games, created, json.loads(meta))
                for pid, path, games, created, meta in rows]

    def games_changed_since(self, player_id: int, since: float) -> int:
        """How many of the player's games were added after the unix time ``since``."""
        return int(self.query("SELECT COUNT(*) FROM games WHERE (white_id = ? OR black_id = ?) AND created_at > ?",
                               (player_id, player_id, since))[0][0])


def _split_sql(script: str) -> list[str]:
    return [statement.strip() for statement in script.split(";") if statement.strip()]

