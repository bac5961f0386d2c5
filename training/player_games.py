"""A player's games, found by name (and the store's aliases) in PGN files or in the store, in the
order and under the rules of :mod:`kibitz.engine.player_games` (the same order in both places)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import chess

from kibitz.engine.models import opponent_ratings, player_game_ids
from kibitz.engine.player_games import date_key
from kibitz.engine.store import DB_NAME, Store, default_home, name_key
from kibitz.training.corpus import Corpus, GameInput, build_corpus

PlayerGame = tuple[GameInput, chess.Color, str]  # game, the player's colour, date


def known_names(name: str, home: Path | None) -> set[str]:
    """``name`` plus the aliases the store knows for that person (the store is not created)."""
    home = home or default_home()
    names = {name_key(name)}
    if (home / DB_NAME).exists():
        with Store.open(home) as store:
            player = store.find_player(name)
            if player is not None:
                names |= {name_key(n) for n in (player.name, *player.aliases)}
    return names


def player_games_from_files(
    name: str, paths: Sequence[Path], *, home: Path | None = None, required: bool = True
) -> list[PlayerGame]:
    """Every game in ``paths`` that ``name`` (or an alias) played, oldest first.

    :raises LookupError: when ``required`` and no game has that player, naming who is there.
    """
    corpus = build_corpus(list(paths))
    games = player_games_in(corpus, known_names(name, home))
    if required and not games:
        seen = Counter([*corpus.white, *corpus.black]).most_common(5)
        listing = ", ".join(f"{n} ({c})" for n, c in seen) or "none"
        raise LookupError(f"no game of player {name!r} in the given files; most frequent names: {listing}")
    return games


def player_games_in(corpus: Corpus, names: Iterable[str]) -> list[PlayerGame]:
    """The games of ``corpus`` played under any of ``names``, oldest first (ties keep file order)."""
    keys = {name_key(n) for n in names}
    games: list[PlayerGame] = []
    for i in range(len(corpus)):
        white, black = name_key(str(corpus.white[i])), name_key(str(corpus.black[i]))
        if white in keys or black in keys:
            colour = chess.WHITE if white in keys else chess.BLACK
            games.append((corpus.game(i), colour, str(corpus.date[i])))
    games.sort(key=lambda g: date_key(g[2]))  # stable: equal dates keep file order
    return games


def player_games_from_store(store: Store, player_id: int) -> list[PlayerGame]:
    """The player's stored games with moves (imported and played in the app), oldest first."""
    out: list[PlayerGame] = []
    records = [store.game(game_id) for game_id in player_game_ids(store, player_id)]
    for record, opponent in zip(records, opponent_ratings(store, records, player_id)):
        colour = chess.WHITE if record.white_id == player_id else chess.BLACK
        moves = [chess.Move.from_uci(u) for u in record.moves]
        white, black = (None, opponent) if colour == chess.WHITE else (opponent, None)
        out.append((GameInput(moves, record.fen, white, black, game_id=record.id), colour, record.date))
    return out
