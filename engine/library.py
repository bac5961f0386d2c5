"""The game library's queries and the player edits built on the store (no Qt here).

Rows for the games list come from one query (50,000 games load in well under a second), and
every player edit is one transaction: a merge or delete never leaves games half moved.

>>> rows = game_rows(store)                          # doctest: +SKIP
>>> merge_players(store, keep=alice.id, gone=ali.id)  # doctest: +SKIP
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from kibitz.engine import eco
from kibitz.engine.pgn import clean_name
from kibitz.engine.player_games import DATE_ORDER_SQL
from kibitz.engine.store import Player, Store, name_key


@dataclass(frozen=True, slots=True)
class GameRow:
    """One line of the games list."""

    id: int
    white: str
    black: str
    date: str
    result: str
    event: str
    source: str
    plies: int
    white_id: int | None
    black_id: int | None
    termination: str
    eco: str = ""  # the opening by position ("" when no named position is reached)
    opening: str = ""


def game_rows(store: Store) -> list[GameRow]:
    """Every stored game as a list row, newest first (by date, unknown parts earliest as everywhere:
    :mod:`kibitz.engine.player_games`; then by id); a game whose opening is not named yet (see
    :func:`name_openings`) has an empty one."""
    rows = store.query(
        "SELECT g.id, g.white, g.black, g.date, g.result, COALESCE(g.event, ''), g.source,"
        " (SELECT COUNT(*) FROM moves m WHERE m.game_id = g.id), g.white_id, g.black_id, g.termination,"
        " COALESCE(g.eco, ''), COALESCE(g.opening, '') FROM games g"
        f" ORDER BY {DATE_ORDER_SQL.format(column='g.date')} DESC, g.id DESC")
    return [GameRow(*row) for row in rows]


def unnamed_games(store: Store) -> int:
    """How many games have no opening name yet (a game being played, or one stored before names were kept)."""
    return int(store.query("SELECT COUNT(*) FROM games WHERE eco IS NULL")[0][0])


def name_openings(store: Store, *, limit: int | None = None, batch: int = 2000) -> int:
    """Name the opening of games without one yet (at most ``limit``); returns how many were named.
    Imported games are named as they are imported; a store from before names were kept is named here,
    about a millisecond a game."""
    named = 0
    while limit is None or named < limit:
        size = batch if limit is None else min(batch, limit - named)
        games = store.query("SELECT id, fen FROM games WHERE eco IS NULL LIMIT ?", (size,))
        if not games:
            return named
        openings = []
        for game_id, fen in games:
            moves = [uci for (uci,) in store.query("SELECT uci FROM moves WHERE game_id = ? AND ply < ? ORDER BY ply",
                                                   (game_id, eco.MAX_PLIES))]
            openings.append((game_id, eco.classify(moves, fen)))
        store.set_openings(openings)
        named += len(openings)
    return named


def delete_games(store: Store, game_ids: Iterable[int]) -> int:
    """Remove the games and their moves; returns how many there were."""
    ids = list(game_ids)
    with store.transaction() as db:
        return sum(db.execute("DELETE FROM games WHERE id = ?", (gid,)).rowcount for gid in ids)


def _check_free(db: sqlite3.Connection, name: str, player_id: int) -> str:
    name = clean_name(name)
    if not name:
        raise ValueError("a player needs a name that shows (not only spaces or invisible characters)")
    row = db.execute("SELECT player_id FROM player_names WHERE key = ?", (name_key(name),)).fetchone()
    if row is not None and row[0] != player_id:
        raise ValueError(f"the name {name!r} already belongs to another player")
    return name


def _link(db: sqlite3.Connection, player_id: int, key: str) -> None:
    """Games recorded under ``key`` and linked to nobody now belong to the player."""
    db.execute("UPDATE games SET white_id = ? WHERE white_key = ? AND white_id IS NULL", (player_id, key))
    db.execute("UPDATE games SET black_id = ? WHERE black_key = ? AND black_id IS NULL", (player_id, key))


def _unlink(db: sqlite3.Connection, player_id: int, key: str) -> None:
    db.execute("UPDATE games SET white_id = NULL WHERE white_key = ? AND white_id = ?", (key, player_id))
    db.execute("UPDATE games SET black_id = NULL WHERE black_key = ? AND black_id = ?", (key, player_id))


def rename_player(store: Store, player_id: int, name: str) -> None:
    """Give the player a new name; the old one stays as an alias (games keep the names as recorded).

    :raises ValueError: when the name is empty or another player's name or alias.
    :raises KeyError: when there is no such player.
    """
    with store.transaction() as db:
        row = db.execute("SELECT name FROM players WHERE id = ?", (player_id,)).fetchone()
        if row is None:
            raise KeyError(f"no player {player_id}")
        name = _check_free(db, name, player_id)
        db.execute("UPDATE player_names SET is_alias = 1 WHERE player_id = ? AND is_alias = 0", (player_id,))
        db.execute("DELETE FROM player_names WHERE key = ?", (name_key(name),))  # it may have been an alias
        db.execute("INSERT INTO player_names (key, player_id, name, is_alias) VALUES (?, ?, ?, 0)",
                   (name_key(name), player_id, name))
        db.execute("UPDATE players SET name = ? WHERE id = ?", (name, player_id))
        _link(db, player_id, name_key(name))


def set_aliases(store: Store, player_id: int, aliases: Sequence[str]) -> None:
    """Make ``aliases`` the player's other spellings: games under a new alias join the player, games
    under a removed one are no longer theirs.

    :raises ValueError: when an alias is another player's name or alias.
    """
    with store.transaction() as db:
        wanted = {name_key(a): clean_name(a) for a in aliases if name_key(a)}
        main = db.execute("SELECT key FROM player_names WHERE player_id = ? AND is_alias = 0", (player_id,)).fetchone()
        if main is not None:
            wanted.pop(main[0], None)
        current = {key for (key,) in db.execute(
            "SELECT key FROM player_names WHERE player_id = ? AND is_alias = 1", (player_id,))}
        for key in current - wanted.keys():
            db.execute("DELETE FROM player_names WHERE key = ?", (key,))
            _unlink(db, player_id, key)
        for key, alias in wanted.items():
            if key in current:
                continue
            _check_free(db, alias, player_id)
            db.execute("INSERT INTO player_names (key, player_id, name, is_alias) VALUES (?, ?, ?, 1)",
                       (key, player_id, alias))
            _link(db, player_id, key)


def merge_players(store: Store, *, keep: int, gone: int) -> None:
    """``gone`` was ``keep`` all along: their games and names move to ``keep``, then ``gone`` is removed.

    ``keep`` keeps its level, or takes ``gone``'s if it had none; ``gone``'s model records go (they
    were trained on part of the games; the next retrain sees them all).
    """
    if keep == gone:
        raise ValueError("a player cannot be merged into themself")
    with store.transaction() as db:
        levels = dict(db.execute("SELECT id, level FROM players WHERE id IN (?, ?)", (keep, gone)).fetchall())
        if len(levels) != 2:
            raise KeyError(f"no player {keep if keep not in levels else gone}")
        db.execute("UPDATE games SET white_id = ? WHERE white_id = ?", (keep, gone))
        db.execute("UPDATE games SET black_id = ? WHERE black_id = ?", (keep, gone))
        db.execute("UPDATE player_names SET player_id = ?, is_alias = 1 WHERE player_id = ?", (keep, gone))
        if levels[keep] is None and levels[gone] is not None:
            db.execute("UPDATE players SET level = ? WHERE id = ?", (levels[gone], keep))
        db.execute("DELETE FROM players WHERE id = ?", (gone,))


def delete_player(store: Store, player_id: int) -> None:
    """Remove the player and their names; their games stay, with the names as recorded, linked to nobody."""
    with store.transaction() as db:
        if db.execute("DELETE FROM players WHERE id = ?", (player_id,)).rowcount == 0:
            raise KeyError(f"no player {player_id}")


#: Where the rating the prior predicts a player at came from (:func:`rating_origin`), in words.
#: Each reads after "rating 1,450:"; the app calls the player's level their "starting rating".
FITTED: Final = "fitted on their games"
FROM_LEVEL: Final = "their starting rating"
DEFAULT: Final = "the default, no starting rating given"


def rating_origin(store: Store, player: Player, rating: int) -> str:
    """Where ``rating``, the one ``player`` is predicted at, came from: fitted on their games (by the
    background work or a retrain, or the one their served network was trained at), the level given for
    them (their starting rating until their games fit one), or the default."""
    from kibitz.engine.models import rating_fit, recorded_rating
    from kibitz.engine.priors import DEFAULT_RATING, rating_key

    fitted, _ = recorded_rating(store, player.id)
    if fitted is not None or rating_fit(store, player.id) is not None:
        return FITTED  # the newest fit, or the served network's own (fitted when it was trained)
    if player.level is not None and rating == rating_key(player.level):
        return FROM_LEVEL
    if player.level is None and rating == DEFAULT_RATING:
        return DEFAULT
    return FITTED  # a personal network served at the rating it was trained at, with no fit recorded


def model_summary(store: Store, player_id: int) -> str:
    """Which model predicts the player's moves, in the panel's words ("Maia-3 at 1,450 + …"), where
    that rating came from, and where the player is in the learning loop."""
    from kibitz.engine.models import ModelError, served_model
    from kibitz.engine.player_games import MIN_ADAPTER_GAMES
    from kibitz.engine.predictor import describe

    player = store.player(player_id)
    try:
        served = served_model(store, player)
    except ModelError as error:
        return f"no predictions: {error}"
    words = describe(served.info, served.rating)
    origin = f"Rating {served.rating:,}: {rating_origin(store, player, served.rating)}."
    if served.problem:
        return f"{words} ({served.problem}). {origin}"
    if not served.personal:
        return f"{words} (no personal network yet: it learns after {MIN_ADAPTER_GAMES} games). {origin}"
    return f"{words}. {origin}"
