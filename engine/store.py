"""The game store: players (with aliases), games played in the app or imported, their moves, models.

One SQLite file in WAL mode under :func:`default_home`. A move played in the app is committed the
moment it is added, so a crash loses nothing already played. Imports go in large transactions and
are idempotent: every imported game has a dedup key (see :func:`kibitz.engine.pgn.dedup_key`) that
the store keeps unique, so importing a file twice, or again after an interrupted run, adds only
what is missing. A game played in the app carries its own id in a PGN tag (:data:`GAME_ID_TAG`), so
its export is recognised too when it is imported back.

The connection may be used from any thread (the GUI imports in a worker thread); a lock serialises
the calls. Several processes may open one store at once (the app, ``kibitz import``,
``kibitz-train``): the schema is migrated once, inside a write transaction.

Opening checks the file first (``PRAGMA quick_check``) and refuses, with a :class:`StoreError` that
says in one sentence what is wrong and what to do, a damaged store, one written by a newer kibitz,
a folder that cannot be written and a data folder that is a file; nothing is written into a store
that failed the check.

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
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NoReturn

import chess
import chess.pgn
import platformdirs

from kibitz.engine import eco
from kibitz.engine.clock import format_clk
from kibitz.engine.pgn import (GAME_ID_TAG, KEY_TAGS, MORE_KEY_TAGS, PgnGame, clean_name, dedup_key,
                               distinct_game_key, starting_board)
from kibitz.engine.pgn import name_key as name_key  # how names compare, here too (re-exported)
from kibitz.engine.player_games import DATE_ORDER_SQL

DB_NAME: Final = "kibitz.sqlite3"
RESULTS: Final = frozenset({"1-0", "0-1", "1/2-1/2", "*"})


class StoreError(RuntimeError):
    """The store cannot be used; the message is one sentence for people: which file, and what to do."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class StoreFullError(StoreError):
    """A write failed because the disk (or the database's size limit) is full; nothing half-written stays."""

    retry = "free space and {again}"  # what to do, {again} being how to redo it (a command, a menu)


class StoreBusyError(StoreError):
    """Another program held the store's write lock longer than :data:`BUSY_TIMEOUT_S`; nothing was written."""

    retry = "{again} once the other program is done"


#: How long a write waits for another process's write to end before giving up with a sentence.
BUSY_TIMEOUT_S = 30.0


def default_home() -> Path:
    """Where kibitz keeps its data: ``$KIBITZ_HOME`` or the platform's user data directory."""
    env = os.environ.get("KIBITZ_HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("kibitz"))


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


def _key_every_game(db: sqlite3.Connection) -> None:
    """Schema 3: every game gets the dedup key its export will have when imported back.

    App-played games had no key (each export came back as a new game), and unknown tags (a missing
    Date, ``Round "?"``) now count as equal to their export's placeholders, so those games' keys are
    computed again from their stored tags, start and moves.
    """
    # One game at a time (a store may hold hundreds of thousands); the updates leave rowids alone,
    # so the scan is not disturbed by them.
    for game_id, source, fen, tags_json, old_key in db.execute(
            "SELECT id, source, fen, tags, dedup_key FROM games ORDER BY id"):
        tags = json.loads(tags_json)
        if source == "app":
            tags[GAME_ID_TAG] = _new_game_id()
            db.execute("UPDATE games SET tags = ?, dedup_key = ? WHERE id = ?",
                       (json.dumps(tags, ensure_ascii=False), dedup_key(tags, fen, ()), game_id))
            continue
        if old_key is not None and not _has_unknown_key_tag(tags):
            continue  # the key comes out the same
        moves = [uci for (uci,) in db.execute("SELECT uci FROM moves WHERE game_id = ? ORDER BY ply", (game_id,))]
        key = dedup_key(tags, fen, moves)
        if key != old_key and not db.execute("SELECT 1 FROM games WHERE dedup_key = ?", (key,)).fetchone():
            db.execute("UPDATE games SET dedup_key = ? WHERE id = ?", (key, game_id))
        # else another game has that key now: both stay (nothing is deleted), this one under its old key


def _has_unknown_key_tag(tags: dict[str, str]) -> bool:
    """Whether a tag of the dedup key is missing or a placeholder (whose key changed in schema 3)."""
    return any(not tags.get(tag, "").strip("?.- \t") for tag in KEY_TAGS)


def _rekey_names_and_distinct_games(db: sqlite3.Connection) -> None:
    """Names compare in Unicode NFC without invisible characters; more tags tell games apart.

    Player names and game sides are keyed again (``José`` decomposed or not, ``Al\u200bice`` and
    ``Alice`` are one name), games left unlinked by a spelling are linked, and the dedup key of an
    imported game is computed again where it changes: it has a tag of :data:`MORE_KEY_TAGS` (two
    chess.com games alike but for their Link were one), or a key tag that cleaning changes.
    """
    def old_form(value: str) -> str:
        return " ".join(value.split()).casefold()

    for key, player_id, name in db.execute("SELECT key, player_id, name FROM player_names").fetchall():
        if name_key(name) != key:  # a name that collides after cleaning keeps its old key (nothing is merged)
            db.execute("UPDATE OR IGNORE player_names SET key = ? WHERE key = ?", (name_key(name), key))
    # One game at a time, as in _key_every_game (the updates leave rowids alone).
    for game_id, source, white, black, white_key, black_key, fen, tags_json, old_key in db.execute(
            "SELECT id, source, white, black, white_key, black_key, fen, tags, dedup_key FROM games ORDER BY id"):
        if (name_key(white), name_key(black)) != (white_key, black_key):
            db.execute("UPDATE games SET white_key = ?, black_key = ? WHERE id = ?",
                       (name_key(white), name_key(black), game_id))
        tags = json.loads(tags_json)
        if source == "app" or old_key is None or not (
                any(tags.get(tag) for tag in MORE_KEY_TAGS)
                or any(name_key(tags.get(tag, "")) != old_form(tags.get(tag, "")) for tag in KEY_TAGS)):
            continue  # the key comes out the same
        moves = [uci for (uci,) in db.execute("SELECT uci FROM moves WHERE game_id = ? ORDER BY ply", (game_id,))]
        key = dedup_key(tags, fen, moves)
        if key != old_key and not db.execute("SELECT 1 FROM games WHERE dedup_key = ?", (key,)).fetchone():
            db.execute("UPDATE games SET dedup_key = ? WHERE id = ?", (key, game_id))
    for side in ("white", "black"):
        db.execute(f"UPDATE games SET {side}_id = (SELECT player_id FROM player_names WHERE key = {side}_key)"
                   f" WHERE {side}_id IS NULL AND {side}_key IN (SELECT key FROM player_names)")


def _new_game_id() -> str:
    return uuid.uuid4().hex


# Each entry moves the schema one version up (SQL, or a function for what SQL cannot do);
# user_version says how many have run.
_MIGRATIONS: Final[list[str | Callable[[sqlite3.Connection], None]]] = [
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
    _key_every_game,
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
    _rekey_names_and_distinct_games,
    # Clocks and openings: the mover's clock after each move (seconds, None without a clock), and the
    # game's opening by position (NULL: not named yet, '' : no named position; see engine/eco.py).
    """
    ALTER TABLE moves ADD COLUMN clock REAL;
    ALTER TABLE games ADD COLUMN eco TEXT;
    ALTER TABLE games ADD COLUMN opening TEXT;
    """,
    # The prior's outputs per game and rating pair, kept so a retrain never runs the prior again
    # (engine/prior_outputs.py); a cache: a deleted game loses its rows.
    """
    CREATE TABLE prior_outputs (
        game_id INTEGER NOT NULL REFERENCES games(id) ON DELETE CASCADE,
        white_rating INTEGER NOT NULL,
        black_rating INTEGER NOT NULL,
        prior_version TEXT NOT NULL,
        kept_at REAL NOT NULL,
        outputs BLOB NOT NULL,
        PRIMARY KEY (game_id, white_rating, black_rating)
    );
    CREATE INDEX prior_outputs_version ON prior_outputs(prior_version);
    """,
]
SCHEMA_VERSION: Final = len(_MIGRATIONS)

_GAME_COLUMNS: Final = ("id, white, black, white_id, black_id, event, date, result, termination, source, fen, "
                        "created_at")


def _player_name(name: str) -> str:
    """A new player's name as stored, or ValueError when it shows nothing (only spaces or invisible characters)."""
    cleaned = clean_name(name)
    if not cleaned:
        raise ValueError("a player needs a name" if not name.strip() else
                         f"a player needs a name that shows: {name!r} is only invisible characters")
    return cleaned


def _today() -> str:
    return _dt.date.today().strftime("%Y.%m.%d")


class Store:
    """Players, games, moves and models in one SQLite database (use :meth:`open`)."""

    #: Store files (device, inode) this process has already checked: quick_check reads the whole
    #: file (about 1 s for 100,000 games), and the app opens a connection for each import and
    #: prediction worker. A file replaced since (a backup restored) is checked again.
    _checked: set[tuple[int, int]] = set()

    def __init__(self, connection: sqlite3.Connection, home: Path) -> None:
        self._db = connection
        self._lock = threading.RLock()
        self.home = home
        self.path = home / DB_NAME

    @classmethod
    def open(cls, home: Path | None = None) -> Store:
        """Open (creating and migrating as needed) the store under ``home`` (default: :func:`default_home`).

        :raises StoreError: when the data folder is a file or cannot be written, or the store is
            damaged or was written by a newer kibitz (then nothing was written into it).
        """
        home = Path(home) if home is not None else default_home()
        path = home / DB_NAME
        try:
            home.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise StoreError(f"the data folder {home} is a file, not a folder; move that file away or choose "
                             "another data folder (--home or KIBITZ_HOME)", path) from None
        except OSError as error:
            raise StoreError(f"cannot create the data folder {home} ({error.strerror or error}); choose another "
                             "data folder (--home or KIBITZ_HOME)", path) from None
        if path.is_dir():
            raise StoreError(f"the game store {path} is a folder; move it away or choose another data folder "
                             "(--home or KIBITZ_HOME)", path)
        db = None
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            store = cls(db, home)
            store._check()
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            store._migrate()
            return store
        except sqlite3.Error as error:
            if db is not None:
                db.close()
            _refuse(path, error)
        except BaseException:
            if db is not None:
                db.close()
            raise

    def _check(self) -> None:
        """Refuse a damaged store or one from a newer kibitz before anything is written into it."""
        stat = self.path.stat()
        identity = (stat.st_dev, stat.st_ino)
        checked = identity in Store._checked
        problems = ["ok"] if checked else [row[0] for row in self._db.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            first = next((line for line in "\n".join(problems).splitlines() if not line.startswith("***")), "")
            raise StoreError(f"the game store {self.path} is damaged ({first.strip()[:120]}); kibitz will not write "
                             "into it: move it aside and restore a backup, or start afresh without it", self.path)
        # The version and the tables in one statement, so one snapshot: read apart, a process creating
        # the store between the two reads made it look like another program's (version 0, tables).
        version, names = self._db.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT group_concat(name, char(10)) FROM sqlite_master WHERE type = 'table')").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreError(f"the game store {self.path} was written by a newer kibitz (schema {version}, this "
                             f"one knows up to {SCHEMA_VERSION}); update kibitz to open it", self.path)
        tables = set(names.split("\n")) if names else set()
        # kibitz creates its tables and sets the version in one transaction: tables at version 0, or
        # a version without kibitz's tables, are another program's database.
        if (version == 0 and tables) or (version > 0 and not {"players", "games", "moves"} <= tables):
            raise StoreError(f"{self.path} is another program's database, not a kibitz game store; kibitz will not "
                             "write into it: move it away or choose another data folder (--home or KIBITZ_HOME)",
                             self.path)
        Store._checked.add(identity)

    def _migrate(self) -> None:
        if self._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return  # the usual case: no write lock taken, so opening never waits for an import
        # Read the version again inside the write transaction: processes opening a new store at
        # once would otherwise all see version 0 and all create the tables.
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:  # a newer kibitz migrated it since the check
                raise StoreError(f"the game store {self.path} was written by a newer kibitz (schema {version}); "
                                 "update kibitz to open it", self.path)
            for number in range(version, SCHEMA_VERSION):
                migration = _MIGRATIONS[number]
                if callable(migration):
                    migration(db)
                else:
                    for statement in _split_sql(migration):
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``), committed at the end, rolled back on any error.

        :raises StoreFullError: when the disk is full; the transaction's writes are all undone.
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if _error_code(error) == _SQLITE_BUSY:
                    raise StoreBusyError(_busy_sentence(self.path), self.path) from error
                raise
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as error:
                # SQLite may have rolled back by itself (a full disk does): a second ROLLBACK
                # would fail with "no transaction is active" and hide the real error.
                if self._db.in_transaction:
                    try:
                        self._db.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                if isinstance(error, sqlite3.Error) and _error_code(error) == _SQLITE_FULL:
                    raise StoreFullError(f"the disk is full at {self.path}", self.path) from error
                if isinstance(error, sqlite3.OperationalError) and _error_code(error) == _SQLITE_BUSY:
                    raise StoreBusyError(_busy_sentence(self.path), self.path) from error
                raise

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    # ---------------------------------------------------------------------------------------------
    # players

    def add_player(self, name: str) -> Player:
        """Create a player.

        :raises ValueError: when the name is empty or already a player's name or alias.
        """
        name = _player_name(name)
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM player_names WHERE key = ?", (name_key(name),)).fetchone():
                raise ValueError(f"the name {name!r} is already taken")
            return self._insert_player(db, name)

    def find_or_add_player(self, name: str) -> Player:
        """The player called ``name`` (by name or alias), created if there is none; race-free.

        Two processes asking at once (two ``kibitz import --player X``) get the same player: the
        look-up and the creation are one write transaction.

        :raises ValueError: when the name is empty (or shows nothing).
        """
        name = _player_name(name)
        with self.transaction() as db:
            row = db.execute("SELECT player_id FROM player_names WHERE key = ?", (name_key(name),)).fetchone()
            if row is None:
                return self._insert_player(db, name)
        return self._player(row[0])

    def _insert_player(self, db: sqlite3.Connection, name: str) -> Player:
        player_id = db.execute("INSERT INTO players (name, created_at) VALUES (?, ?)", (name, time.time())).lastrowid
        assert player_id is not None
        self._add_name(db, player_id, name, is_alias=False)
        return Player(player_id, name, ())

    def add_alias(self, player_id: int, alias: str) -> None:
        """Let ``alias`` (another PGN spelling) mean this player; links games already imported under it.

        Adding a name the player already has is a no-op.

        :raises ValueError: when the alias is empty or belongs to another player.
        :raises KeyError: when there is no such player.
        """
        alias = clean_name(alias)
        if not alias:
            raise ValueError("an alias cannot be empty or invisible")
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

    def start_game(self, white_id: int, black_id: int, *, event: str | None = None, fen: str | None = None,
                   tags: Mapping[str, str] | None = None) -> int:
        """Begin a game played in the app; returns its id (result ``"*"`` until finished).

        ``tags`` are more PGN tags to keep with it (its time control).

        :raises KeyError: when a player does not exist.
        :raises ValueError: for an invalid ``fen``.
        """
        if fen is not None:
            fen = starting_board(fen).fen()
            fen = None if fen == chess.STARTING_FEN else fen
        white, black = self._player(white_id), self._player(black_id)
        tags = {"Event": event or "kibitz game", "Site": "kibitz", "Date": _today(), "Round": "-",
                "White": white.name, "Black": black.name, **(tags or {}), GAME_ID_TAG: _new_game_id()}
        with self.transaction() as db:
            game_id = db.execute(
                "INSERT INTO games (white, black, white_key, black_key, white_id, black_id, event, date, source,"
                " fen, tags, dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'app', ?, ?, ?, ?)",
                (white.name, black.name, name_key(white.name), name_key(black.name), white_id, black_id, event,
                 tags["Date"], fen, json.dumps(tags, ensure_ascii=False), dedup_key(tags, fen, ()),
                 time.time())).lastrowid
        assert game_id is not None
        return game_id

    def add_move(self, game_id: int, ply: int, uci: str, san: str, clock: float | None = None) -> None:
        """Record the move at ``ply`` (0-based), with the mover's clock after it if the game has clocks,
        and commit it at once (move and clock together: a crash keeps both or neither).

        :raises ValueError: when ``ply`` is not the next ply of the game (take back first).
        """
        with self.transaction() as db:
            count = db.execute("SELECT COUNT(*) FROM moves WHERE game_id = ?", (game_id,)).fetchone()[0]
            if ply != count:
                raise ValueError(f"game {game_id} has {count} plies; cannot add ply {ply}")
            db.execute("INSERT INTO moves (game_id, ply, uci, san, clock) VALUES (?, ?, ?, ?, ?)",
                       (game_id, ply, uci, san, clock))
            if ply < eco.MAX_PLIES:  # the opening may have changed: named again when the list is read
                db.execute("UPDATE games SET eco = NULL WHERE id = ?", (game_id,))

    def truncate_moves(self, game_id: int, ply_count: int) -> None:
        """Take back: keep only the first ``ply_count`` plies."""
        with self.transaction() as db:
            db.execute("DELETE FROM moves WHERE game_id = ? AND ply >= ?", (game_id, ply_count))
            db.execute("UPDATE games SET eco = NULL WHERE id = ?", (game_id,))

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
        return GameRecord(*row[:11], moves=tuple(m for (m,) in moves), created_at=row[11])  # type: ignore[misc]

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

    def clocks(self, game_id: int) -> list[float | None]:
        """The mover's clock (seconds left) after each ply, None where none was recorded."""
        return [c for (c,) in self.query("SELECT clock FROM moves WHERE game_id = ? ORDER BY ply", (game_id,))]

    def opening(self, game_id: int) -> eco.Opening | None:
        """The game's opening, named by position (stored, or named now and kept)."""
        rows = self.query("SELECT eco, opening FROM games WHERE id = ?", (game_id,))
        if rows and rows[0][0] is not None:
            return eco.Opening(rows[0][0], rows[0][1]) if rows[0][0] else None
        record = self.game(game_id)
        opening = eco.classify(record.moves, record.fen)
        self.set_openings([(game_id, opening)])
        return opening

    def set_openings(self, named: Iterable[tuple[int, eco.Opening | None]]) -> None:
        """Store games' openings (None: the game reaches no named position)."""
        with self.transaction() as db:
            db.executemany("UPDATE games SET eco = ?, opening = ? WHERE id = ?",
                           [(o.eco if o else "", o.name if o else "", gid) for gid, o in named])

    def tags(self, game_id: int) -> dict[str, str]:
        """The PGN tags stored with the game (all of an imported game's original tags)."""
        rows = self.query("SELECT tags FROM games WHERE id = ?", (game_id,))
        if not rows:
            raise KeyError(f"no game {game_id}")
        return dict(json.loads(rows[0][0]))

    def games_of_player(self, player_id: int) -> list[GameRecord]:
        """Every game the player played (either colour), oldest first by date (unknown parts earliest:
        :mod:`kibitz.engine.player_games`), then id."""
        rows = self.query(f"SELECT {_GAME_COLUMNS} FROM games WHERE white_id = ? OR black_id = ?"
                           f" ORDER BY {DATE_ORDER_SQL.format(column='date')}, id", (player_id, player_id))
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
                           " event, date, result, termination, source, fen, tags, dedup_key, created_at, eco,"
                           " opening) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pgn', ?, ?, ?, ?, ?, ?)")
            rows: list[tuple[int, int, str, str, float | None]] = []
            batch: dict[int, tuple[str, ...]] = {}  # moves of the games stored by this call (not in moves yet)
            for game in games:
                h = game.headers
                white, black = h.get("White", "?"), h.get("Black", "?")
                wkey, bkey = name_key(white), name_key(black)
                opening = eco.classify(game.moves, game.fen)
                values = [white, black, wkey, bkey, ids.get(wkey), ids.get(bkey), h.get("Event"),
                          h.get("Date", "????.??.??"), game.result, h.get("Termination", ""), game.fen,
                          json.dumps(h, ensure_ascii=False), game.key, now, opening.eco if opening else "",
                          opening.name if opening else ""]
                cursor = db.execute(insert_game, values)
                if cursor.rowcount == 0 and h.get(GAME_ID_TAG) and not self._same_game(db, game, batch):
                    # Another game carries the same id tag (copied tags): this one is kept apart by its moves.
                    values[-4] = distinct_game_key(game.key, game.fen, game.moves)
                    cursor = db.execute(insert_game, values)
                if cursor.rowcount == 0:
                    duplicates += 1
                    continue
                imported += 1
                game_id = cursor.lastrowid
                assert game_id is not None  # an INSERT that added a row
                batch[game_id] = game.moves
                clocks = game.clocks or (None,) * len(game.moves)
                rows.extend(zip([game_id] * len(game.moves), range(len(game.moves)), game.moves, game.sans, clocks))
            db.executemany("INSERT INTO moves (game_id, ply, uci, san, clock) VALUES (?, ?, ?, ?, ?)", rows)
        return imported, duplicates

    @staticmethod
    def _same_game(db: sqlite3.Connection, game: PgnGame, batch: dict[int, tuple[str, ...]]) -> bool:
        """Whether the stored game with ``game``'s key is this game: same start, and one's moves
        continue the other's (an app game exported mid-game and imported later is the same game)."""
        row = db.execute("SELECT id, fen FROM games WHERE dedup_key = ?", (game.key,)).fetchone()
        if row is None or row[1] != game.fen:
            return False
        stored = batch.get(row[0])
        if stored is None:
            stored = tuple(u for (u,) in db.execute("SELECT uci FROM moves WHERE game_id = ? ORDER BY ply", (row[0],)))
        shorter = min(len(stored), len(game.moves))
        return stored[:shorter] == game.moves[:shorter]

    def export_pgn(self, game_ids: Iterable[int], path: Path) -> int:
        """Write the games to a PGN file (UTF-8); returns how many were written.

        :raises KeyError: when a game does not exist.
        """
        path = Path(path)
        count = 0
        tmp = path.with_name(path.name + ".part")
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as out:
                for game_id in game_ids:
                    print(self._pgn_game(game_id), file=out, end="\n\n")
                    count += 1
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)  # the old file, if any, stays as it was
            raise
        return count

    def _pgn_game(self, game_id: int) -> chess.pgn.Game:
        record = self.game(game_id)
        tags = self.tags(game_id)
        game = chess.pgn.Game.from_board(starting_board(record.fen))
        if "Variant" not in tags:
            # A Chess960 position is told by its castling rights when read back; a "Chess960" tag would
            # make the game a variant that is not imported.
            game.headers.pop("Variant", None)
        for name, value in tags.items():
            if name not in ("FEN", "SetUp", "Result"):
                game.headers[name] = value
        game.headers["White"], game.headers["Black"] = record.white, record.black
        game.headers["Date"] = record.date
        game.headers["Result"] = record.result
        if record.termination and "Termination" not in tags:
            game.headers["Termination"] = record.termination
        opening = self.opening(game_id)
        if opening is not None:  # named by position, as the app shows it
            game.headers["ECO"], game.headers["Opening"] = opening.eco, opening.name
        node: chess.pgn.GameNode = game
        for uci, clock in zip(record.moves, self.clocks(game_id)):
            node = node.add_variation(chess.Move.from_uci(uci), comment=format_clk(clock) if clock is not None else "")
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
        return [ModelRecord(pid, Path(path), games, created, _model_meta(meta))
                for pid, path, games, created, meta in rows]

    def games_changed_since(self, player_id: int, since: float) -> int:
        """How many of the player's games were added after the unix time ``since``."""
        return int(self.query("SELECT COUNT(*) FROM games WHERE (white_id = ? OR black_id = ?) AND created_at > ?",
                               (player_id, player_id, since))[0][0])


def _model_meta(text: str) -> dict[str, Any]:
    """A model record's details; damaged ones (not a JSON object) read as a model not to serve, with why."""
    try:
        meta = json.loads(text)
    except (TypeError, ValueError) as error:
        return {"installed": False, "reason": f"the model record is unreadable ({error})"}
    if not isinstance(meta, dict):
        return {"installed": False, "reason": f"the model record is unreadable ({type(meta).__name__}, not an object)"}
    return meta


# SQLite's primary result codes (the sqlite3 module names them only from Python 3.11).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_READONLY, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_AUTH, \
    _SQLITE_NOTADB = 3, 5, 8, 11, 13, 14, 23, 26


def _error_code(error: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an error (Python 3.11+ says it; before, read from the message)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF
    message = str(error).lower()
    for text, value in (("disk is full", _SQLITE_FULL), ("readonly", _SQLITE_READONLY),
                        ("unable to open", _SQLITE_CANTOPEN), ("not a database", _SQLITE_NOTADB),
                        ("malformed", _SQLITE_CORRUPT), ("locked", _SQLITE_BUSY)):
        if text in message:
            return value
    return None


def _refuse(path: Path, error: sqlite3.Error) -> NoReturn:
    """Turn SQLite's error while opening the store into one sentence for people."""
    code = _error_code(error)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        raise StoreError(f"the game store {path} is damaged or not a kibitz store ({error}); kibitz will not write "
                         "into it: move it aside and restore a backup, or start afresh without it", path) from error
    if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_PERM, _SQLITE_AUTH):
        raise StoreError(f"cannot write the game store {path} ({error}); make its folder writable or choose "
                         "another data folder (--home or KIBITZ_HOME)", path) from error
    if code == _SQLITE_FULL:
        raise StoreFullError(f"the disk is full at {path}; free space and try again", path) from error
    if code == _SQLITE_BUSY:
        raise StoreBusyError(_busy_sentence(path) + " and try again", path) from error
    raise StoreError(f"cannot open the game store {path} ({error})", path) from error


def _busy_sentence(path: Path) -> str:
    return (f"the game store {path} stayed locked by another program for {BUSY_TIMEOUT_S:.0f} s; close it (or wait "
            "for it to finish)")


def _split_sql(script: str) -> list[str]:
    return [statement.strip() for statement in script.split(";") if statement.strip()]

