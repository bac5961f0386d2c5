"""One set of rules for a player's games: their order, their identity, and how the learning loop
splits them. The store, the games list, training, the player page and the report all use these.

**Order.** Games are ordered by their PGN date, then by when they were stored (the store's id, or
the order in a file). An unknown date or part of one (``????.??.??``, ``2023.??.??``) counts as the
earliest possible: a game whose date nobody recorded is taken as older than every dated game, in
the store (:data:`DATE_ORDER_SQL`), in PGN files (:func:`date_key`) and in the games list alike.

**Identity.** A game is its start position and its moves (:func:`game_key`): the same key whether
it came from the store or from a PGN file, so a model can say which games it learned from.

**Games neither model has seen (the judging rule).** A candidate model is compared with the model
it would replace on the *judged games*: the newest of the player's games that the current model's
adapter never trained on (:func:`judged_split`) - at least :data:`MIN_JUDGED_GAMES`, about
:data:`JUDGED_FRACTION` of the games. The candidate's adapter trains on every other game (the
newest :data:`MAX_ADAPTER_GAMES` of them) and never on the judged ones; both models' books are
counted on every game except the judged ones (a book is a count table, so this is exact). An
adapter never trains on its own judged games, so after a retrain on unchanged games the judged
games are the current model's own judged games, unseen by both. Where fewer than
:data:`MIN_JUDGED_GAMES` games are unseen by the current adapter, nothing is judged: the current
model stays and its book counts every game (the book is always up to date, see below).

**Learning from the first game.** The player's book counts every stored game at once (the live
book, :mod:`kibitz.engine.models`), so the next game's predictions know the last one; over the base
adapter it is blended at :data:`DEFAULT_BOOK_STRENGTH`. The adapter (the network) first trains at
:data:`MIN_ADAPTER_GAMES` games, and again whenever :data:`NEW_GAMES_FOR_RETRAIN` games are new
since the last training (:func:`learning_status`).

**Figures.** Every figure shown about a model is measured on the newest :data:`SHOWN_GAMES` games
its adapter did not learn from (:func:`newest_unseen`), with its book counted without them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import chess

#: The adapter needs this many games: fewer give a judgement on a handful of moves.
MIN_ADAPTER_GAMES = 20
#: With a personal model, the adapter retrains in the background after this many new games.
NEW_GAMES_FOR_RETRAIN = 10
#: The judged games: about this share of the player's games, and at least MIN_JUDGED_GAMES.
JUDGED_FRACTION = 0.1
MIN_JUDGED_GAMES = 5
#: The adapter learns from the newest games only: older ones cost prior passes and describe the
#: player as they were (the book still counts every game: it costs no prior pass).
MAX_ADAPTER_GAMES = 1500
#: The player page and the report measure each model on this many of the newest games it did not learn from.
SHOWN_GAMES = 20
#: The player's rating for the prior is fitted once they have this many games (the level given in
#: the player dialog serves until then), and again whenever their games have grown by REFIT_GROWTH:
#: a fit costs thousands of prior runs, and ten new games seldom move it.
MIN_RATING_GAMES = 10
REFIT_GROWTH = 0.25
#: The book's weight (in games) over the base adapter, before a personal model has fitted its own.
DEFAULT_BOOK_STRENGTH = 2.0

#: The store's ORDER BY expression for a date column under the rule above (unknown parts earliest).
DATE_ORDER_SQL = "REPLACE({column}, '?', '0')"


def date_key(date: str | None) -> str:
    """A PGN date's sort key: unknown parts count as the earliest (``"2023.??.??"`` -> ``"2023.00.00"``).

    >>> sorted(["2021.05.01", "????.??.??", "2021.??.??"], key=date_key)
    ['????.??.??', '2021.??.??', '2021.05.01']
    """
    return (date or "????.??.??").replace("?", "0")


def game_key(fen: str | None, moves: Iterable[chess.Move | str]) -> str:
    """A game's identity: its start position and moves (16 hex digits)."""
    digest = hashlib.sha1((fen or "").encode())
    for move in moves:
        digest.update(b" " + (move if isinstance(move, str) else move.uci()).encode())
    return digest.hexdigest()[:16]


def replay(start: chess.Board, moves: Iterable[chess.Move], colour: chess.Color | None = None
           ) -> Iterator[tuple[int, chess.Board, chess.Move]]:
    """(ply, position before the move, move) through a game; with ``colour``, that side's moves only.

    The board is one copy of ``start`` pushed as the game goes: read it before asking for the next ply.
    """
    board = start.copy(stack=False)
    for ply, move in enumerate(moves):
        if colour is None or board.turn == colour:
            yield ply, board, move
        board.push(move)


@dataclass(frozen=True)
class JudgedSplit:
    """Indices (into the player's games, oldest first) the candidate learns from and is judged on."""

    learn: list[int]
    judged: list[int]


def judged_split(keys: Sequence[str], seen: set[str] | frozenset[str] = frozenset()) -> JudgedSplit | None:
    """The judging rule (module docstring): ``keys`` are the player's games oldest first, ``seen``
    the games the current model's adapter trained on. None: too few unseen games to judge on.

    >>> judged_split([str(i) for i in range(30)]).judged
    [25, 26, 27, 28, 29]
    >>> judged_split([str(i) for i in range(30)], seen={str(i) for i in range(28)}) is None
    True
    """
    unseen = [i for i, key in enumerate(keys) if key not in seen]
    wanted = max(MIN_JUDGED_GAMES, round(len(keys) * JUDGED_FRACTION))
    judged = unseen[-wanted:]
    if len(judged) < MIN_JUDGED_GAMES:
        return None
    chosen = set(judged)
    learn = [i for i in range(len(keys)) if i not in chosen]
    return JudgedSplit(learn[-MAX_ADAPTER_GAMES:], judged)


def newest_unseen(keys: Sequence[str], seen: set[str] | frozenset[str], count: int = SHOWN_GAMES) -> list[int]:
    """The newest ``count`` games (indices, oldest first) a model with adapter games ``seen`` never learned from."""
    return [i for i, key in enumerate(keys) if key not in seen][-count:] if count > 0 else []


@dataclass(frozen=True)
class LearningStatus:
    """Where a player is in the learning loop, and the sentence that says so."""

    name: str
    games: int
    adapter_due: bool  # the network should (re)train now
    text: str


def learning_status(name: str, games: int, *, has_personal: bool, new_since_model: int) -> LearningStatus:
    """What the loop does for a player with ``games`` stored games, in words for the family.

    >>> learning_status("Son", 12, has_personal=False, new_since_model=12).text
    "Son: 12 games — the model uses Son's openings from now on; the network learns after 20"
    >>> learning_status("Son", 20, has_personal=False, new_since_model=20).adapter_due
    True
    >>> learning_status("Dad", 57, has_personal=True, new_since_model=3).text
    'Dad: 57 games — the book knows every game; the network learns again after 7 more games'
    """
    if games == 0:
        return LearningStatus(name, 0, False, f"{name}: no games yet — the model starts from the player's level")
    games_words = f"{games:,} game{'s' if games != 1 else ''}"
    if games < MIN_ADAPTER_GAMES:
        return LearningStatus(name, games, False, f"{name}: {games_words} — the model uses {name}'s openings "
                                                  f"from now on; the network learns after {MIN_ADAPTER_GAMES}")
    # Never trained (every game is new), or trained before: due after NEW_GAMES_FOR_RETRAIN new games.
    left = NEW_GAMES_FOR_RETRAIN - new_since_model
    if left <= 0:
        now = (f"{new_since_model} new since the network last learned; it learns again now" if has_personal
               else f"the network learns {name}'s moves now")
        return LearningStatus(name, games, True, f"{name}: {games_words} — {now}")
    again = "learns again" if has_personal else "tries again"
    return LearningStatus(name, games, False, f"{name}: {games_words} — the book knows every game; the network "
                                              f"{again} after {left} more game{'s' if left != 1 else ''}")
