"""What the models know about one player: the data behind the player page and the HTML report.

Games and results by colour come from the store. The model history is every model the store has
recorded for the player. Every figure is measured as served (onnxruntime, the player's book
blended) on games the measured model never learned from (:mod:`kibitz.engine.player_games`): each
version on the newest games its adapter did not train on, its book counted without them, and the
page says which games (:attr:`ModelVersion.measured_on`). Beside them the base adapter (which never
saw the player's games) and the player's own frequency book (counted on the games before the newest
ones) on the newest games. Predictability by move number and by game phase is the served model's
probability of the moves the player made on the games its figures were measured on. The opening
tree counts the player's first moves as White and replies as Black, with the served model's view of
each position where the player was to move (:mod:`kibitz.engine.openings`).

>>> profile = player_profile(store, store.find_player("Dad"))   # doctest: +SKIP
>>> [(n.san, n.games) for n in profile.openings[chess.WHITE].children]  # doctest: +SKIP
[('e4', 31), ('d4', 2)]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chess
import numpy as np

from kibitz.engine import library, models
from kibitz.engine.guess import Tally, tallies_of
from kibitz.engine.models import ModelError, ModelInfo, base_model_dir, load_model_info
from kibitz.engine.openings import SCORE, OpeningNode, opening_tree, player_colour
from kibitz.engine.pair_record import HeadToHead, Results, StrengthPoint, head_to_head, strength_trend
from kibitz.engine.player_games import SHOWN_GAMES, game_key, newest_unseen, replay
from kibitz.engine.predictor import AdapterSession, open_predictor
from kibitz.engine.ratings import stored_games
from kibitz.engine.scoring import (PHASES, PlyScore, Score, ScoredGame, compare_models, frequency_hits,
                                   move_frequencies, position_key)
from kibitz.engine.store import GameRecord, ModelRecord, Player, Store

NEWEST_GAMES = SHOWN_GAMES  # each model version is scored on the newest games it never learned from


@dataclass(frozen=True)
class ModelVersion:
    """One recorded model folder of the player."""

    folder: Path
    created_at: float
    games_trained: int
    rating: int | None
    installed: bool  # was it served when recorded
    current: bool  # is it served now
    note: str  # why it was (not) installed, reverted, ...
    validation: dict[str, Any] | None  # top1/top3/nll on the games it was judged on when trained
    newest: dict[str, float | int] | None  # top1/top3/nll on the newest games it never learned from (None: unusable)
    measured_on: str = ""  # which games ``newest`` is measured on, in words

    @property
    def date(self) -> str:
        return dt.datetime.fromtimestamp(self.created_at).strftime("%Y-%m-%d %H:%M")


@dataclass
class PlayerProfile:
    player: Player
    games: int
    results: dict[chess.Color, Results]
    versions: list[ModelVersion]
    baselines: dict[str, dict[str, float | int]]  # "base model", "own frequency book" on the newest games
    newest_games: int  # how many newest games the baselines (and at most each version) are measured on
    by_move: list[tuple[int, float, int]]  # move number, mean probability of the played move, moves
    by_phase: dict[str, float]  # PHASES name -> mean probability
    served: str  # the served model, in words
    openings: dict[chess.Color, OpeningNode]
    guesses: dict[str, Tally]  # guess the move: the player's score at guessing each opponent's moves
    head_to_head: list[HeadToHead] = field(default_factory=list)  # against each other stored player, by month
    strength: list[StrengthPoint] = field(default_factory=list)  # performance rating by month


def results_by_colour(records: list[GameRecord], player_id: int) -> dict[chess.Color, Results]:
    counts: dict[chess.Color, list[int]] = {chess.WHITE: [0, 0, 0], chess.BLACK: [0, 0, 0]}
    for record in records:
        if record.result not in SCORE:
            continue
        colour = player_colour(record, player_id)
        mine = SCORE[record.result][0 if colour == chess.WHITE else 1]
        counts[colour][{1.0: 0, 0.5: 1, 0.0: 2}[mine]] += 1
    return {c: Results(*v) for c, v in counts.items()}


def _summary(plies: list[PlyScore]) -> dict[str, float | int]:
    score = Score()
    for ply in plies:
        score.add_ply(ply)
    return score.summary()


def recorded_versions(store: Store, player: Player) -> list[tuple[ModelRecord, ModelInfo | None]]:
    """Every distinct model folder recorded for the player (:func:`kibitz.engine.models.recorded_versions`)."""
    return models.recorded_versions(store, player)


def _version(record: ModelRecord, info: ModelInfo | None, served: models.ServedModel,
             figures: dict[str, float | int] | None, measured_on: str) -> ModelVersion:
    current = served.record is not None and served.record.path == record.path
    note = str(record.meta.get("reason") or ("reverted to" if record.meta.get("reverted") else ""))
    validation = info.meta.get("evaluation", {}).get("served") if info else None
    return ModelVersion(record.path, record.created_at, record.games_trained,
                        (info.rating if info else None) or record.meta.get("rating"),
                        record.meta.get("installed") is not False, current, note, validation, figures, measured_on)


def revert_model(store: Store, player: Player, folder: Path) -> None:
    """Serve an earlier model version of the player again (:func:`kibitz.engine.models.revert`).

    :raises ModelError: when that folder no longer holds a usable model.
    """
    models.revert(store, player, folder)


def _predictability(plies: list[PlyScore]) -> tuple[list[tuple[int, float, int]], dict[str, float]]:
    by_move: dict[int, list[float]] = defaultdict(list)
    by_phase: dict[str, list[float]] = defaultdict(list)
    for ply in plies:
        p = float(ply.probabilities[ply.played])
        by_move[ply.ply // 2 + 1].append(p)
        for name, low, high in PHASES:
            if low <= ply.ply + 1 <= high:
                by_phase[name].append(p)
    moves = [(n, float(np.mean(v)), len(v)) for n, v in sorted(by_move.items())]
    return moves, {name: float(np.mean(by_phase[name])) for name, _, _ in PHASES if by_phase[name]}


def _book_figures(older: list[ScoredGame], newest: list[ScoredGame]) -> dict[str, float | int]:
    """The player's own frequency book (from ``older``) on the moves of ``newest``."""
    book = move_frequencies(older)
    score = Score()
    for game in newest:
        for _, board, move in replay(game.start, game.moves, game.colour):
            legal = list(board.legal_moves)
            if len(legal) > 1:
                score.add(*frequency_hits(book.get(position_key(board)), legal, legal.index(move)))
    return score.summary()


def measured_on_words(records: list[GameRecord], indices: list[int]) -> str:
    """``"the newest 20 games it did not learn from (2023.01.02 to 2023.03.04)"``."""
    if not indices:
        return "no game it did not learn from"
    dates = f" ({records[indices[0]].date} to {records[indices[-1]].date})" if len(indices) > 1 else ""
    return f"the newest {len(indices)} game{'s' if len(indices) != 1 else ''} it did not learn from{dates}"


def _measure(store: Store, player: Player, session: AdapterSession, info: ModelInfo, rating: int,
             games: list[ScoredGame], ids: list[int], indices: list[int]) -> list[PlyScore]:
    """The model as served on the games at ``indices``, its book counted on every other game."""
    if not indices:
        return []
    session.book = models.served_book(store, player, info, without={ids[i] for i in indices})
    return [plies[0] for plies in compare_models([session], rating, [games[i] for i in indices])
            if len(plies[0].moves) > 1]


def player_profile(store: Store, player: Player, *, newest_games: int = NEWEST_GAMES) -> PlayerProfile:
    """Everything the player page shows (seconds for a few hundred games; call it off the UI thread)."""
    ids = models.player_game_ids(store, player.id)
    records = [store.game(gid) for gid in ids]
    games = stored_games(store, records, player.id)
    keys = [game_key(r.fen, r.moves) for r in records]
    split = max(len(games) - newest_games, 0)
    newest, older = games[split:], games[:split]
    served = models.served_model(store, player)
    base = AdapterSession(load_model_info(base_model_dir()))
    base_plies = [p[0] for p in compare_models([base], served.rating, newest) if len(p[0].moves) > 1]
    versions, served_plies = [], None
    for record, info in recorded_versions(store, player):
        figures, words = None, "not usable"
        if info is not None:
            try:
                indices = newest_unseen(keys, models.adapter_games(info, keys), newest_games)
                plies = _measure(store, player, AdapterSession(info), info, info.rating or served.rating,
                                 games, ids, indices)
                figures, words = (_summary(plies) if plies else None), measured_on_words(records, indices)
                if info.folder == served.info.folder:
                    served_plies = plies
            except ModelError:
                pass
        versions.append(_version(record, info, served, figures, words))
    if served_plies is None:  # the base adapter serves: it never saw the player's games
        indices = newest_unseen(keys, frozenset(), newest_games)
        served_plies = _measure(store, player, AdapterSession(served.info), served.info, served.rating,
                                games, ids, indices)
    by_move, by_phase = _predictability(served_plies)
    predictor = open_predictor(player, store)
    served_words, rating = predictor.status.description, predictor.status.rating
    if rating is not None:  # the player's rating for the prior, and where it came from
        served_words += f" (rating {rating:,}: {library.rating_origin(store, player, rating)})"
    names = {p.id: p.name for p in store.players()}
    return PlayerProfile(
        player=player, games=len(records), results=results_by_colour(records, player.id),
        versions=versions,
        baselines={"base model": _summary(base_plies), "own frequency book": _book_figures(older, newest)}
        if newest else {},
        newest_games=len(newest), by_move=by_move, by_phase=by_phase, served=served_words,
        openings={c: opening_tree(records, player.id, c, predictor) for c in (chess.WHITE, chess.BLACK)},
        guesses={names[mover]: tally for mover, tally in tallies_of(store, player.id).items() if mover in names},
        head_to_head=head_to_head(store, player.id), strength=strength_trend(store, player.id),
    )
