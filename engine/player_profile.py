"""What the models know about one player: the data behind the player page and the HTML report.

Games and results by colour come from the store. The model history is every model the store has
recorded for the player, each scored - as served, through onnxruntime - on the player's newest
games beside the base adapter and the player's own frequency book (built from the older games).
Note that the newest games may be among a later version's training games; the figures at training
time, on games held back from that run, are in each version's ``validation``. Predictability by
move number and by game phase is the served model's probability of the moves the player made in
those newest games. The opening tree counts the player's first moves as White and replies as Black,
with the served model's view of each position where the player was to move
(:mod:`kibitz.engine.openings`).

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

from kibitz.engine.guess import Tally, tallies_of
from kibitz.engine.models import ModelError, ModelInfo, base_model_dir, load_model_info
from kibitz.engine.openings import SCORE, OpeningNode, opening_tree, player_colour
from kibitz.engine.pair_record import HeadToHead, Results, StrengthPoint, head_to_head, strength_trend
from kibitz.engine.predictor import AdapterSession, ModelPredictor, open_predictor, player_band
from kibitz.engine.review import start_board
from kibitz.engine.scoring import (PHASES, PlyScore, Score, ScoredGame, compare_models, frequency_hits,
                                   move_frequencies, position_key)
from kibitz.engine.store import GameRecord, Player, Store

NEWEST_GAMES = 20  # the newest games every model version is scored on


@dataclass(frozen=True)
class ModelVersion:
    """One recorded model folder of the player."""

    folder: Path
    created_at: float
    games_trained: int
    band: int | None
    installed: bool  # was it served when recorded
    current: bool  # is it served now
    note: str  # why it was (not) installed, reverted, ...
    validation: dict[str, Any] | None  # top1/top3/nll on the games held back from its run
    newest: dict[str, float | int] | None  # top1/top3/nll on the player's newest games (None: unusable)

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
    newest_games: int
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


def _scored(records: list[GameRecord], player_id: int) -> list[ScoredGame]:
    return [ScoredGame(start_board(r), [chess.Move.from_uci(u) for u in r.moves], player_colour(r, player_id))
            for r in records if r.moves]


def score_models(models: dict[Any, tuple[AdapterSession, int]], games: list[ScoredGame]) -> dict[Any, list[PlyScore]]:
    """Each model's scored plies (forced moves left out) on ``games``; models over the same prior
    band share one pass of the prior, which is most of the cost."""
    by_band: dict[int, list[Any]] = defaultdict(list)
    for key, (_, band) in models.items():
        by_band[band].append(key)
    out: dict[Any, list[PlyScore]] = {key: [] for key in models}
    for band, keys in by_band.items():
        for plies in compare_models([models[k][0] for k in keys], band, games):
            for key, ply in zip(keys, plies):
                if len(ply.moves) > 1:
                    out[key].append(ply)
    return out


def _summary(plies: list[PlyScore]) -> dict[str, float | int]:
    score = Score()
    for ply in plies:
        score.add_ply(ply)
    return score.summary()


def recorded_versions(store: Store, player: Player) -> list[tuple[Any, ModelInfo | None]]:
    """Every distinct model folder recorded for the player, oldest first, with its info (None:
    the folder is gone or unusable). A kept or reverted model is recorded again: shown once."""
    by_folder: dict[Path, Any] = {}
    for record in store.model_history(player.id):
        by_folder.setdefault(record.path, record)
    versions: list[tuple[Any, ModelInfo | None]] = []
    for folder, record in by_folder.items():
        try:
            versions.append((record, load_model_info(folder)))
        except ModelError:
            versions.append((record, None))
    return versions


def _version(record: Any, info: ModelInfo | None, latest: Any, figures: dict[str, float | int] | None) -> ModelVersion:
    current = (info is not None and latest is not None and latest.path == record.path
               and latest.meta.get("installed") is not False)  # what open_predictor serves
    note = str(record.meta.get("reason") or ("reverted to" if record.meta.get("reverted") else ""))
    validation = info.meta.get("evaluation", {}).get("served") if info else None
    return ModelVersion(record.path, record.created_at, record.games_trained,
                        (info.band if info else None) or record.meta.get("band"),
                        record.meta.get("installed") is not False, current, note, validation, figures)


def revert_model(store: Store, player: Player, folder: Path) -> None:
    """Serve an earlier model version of the player again (recorded as the newest record).

    :raises ModelError: when that folder no longer holds a usable model.
    """
    info = load_model_info(folder)
    store.record_model(player.id, folder, info.games_trained,
                       {"installed": True, "band": info.band, "reverted": True})


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
        board = game.start.copy(stack=False)
        for move in game.moves:
            legal = list(board.legal_moves)
            if board.turn == game.colour and len(legal) > 1:
                score.add(*frequency_hits(book.get(position_key(board)), legal, legal.index(move)))
            board.push(move)
    return score.summary()


def player_profile(store: Store, player: Player, *, newest_games: int = NEWEST_GAMES) -> PlayerProfile:
    """Everything the player page shows (seconds for a few hundred games; call it off the UI thread)."""
    records = [r for r in store.games_of_player(player.id) if r.moves]
    games = _scored(records, player.id)
    newest, older = games[-newest_games:], games[:-newest_games]
    band = player_band(player, store)
    base = AdapterSession(load_model_info(base_model_dir()))
    predictor = open_predictor(player, store)
    models: dict[Any, tuple[AdapterSession, int]] = {"base": (base, band)}
    if isinstance(predictor, ModelPredictor) and predictor.status.band:
        models["served"] = (predictor.adapter, predictor.status.band)
    versions = recorded_versions(store, player)
    for i, (_, info) in enumerate(versions):
        try:
            if info is not None:
                models[i] = (AdapterSession(info), info.band or band)
        except ModelError:
            pass
    plies = score_models(models, newest)
    history = store.model_history(player.id)
    latest = history[-1] if history else None
    by_move, by_phase = _predictability(plies.get("served", plies["base"]))
    names = {p.id: p.name for p in store.players()}
    return PlayerProfile(
        player=player, games=len(records), results=results_by_colour(records, player.id),
        versions=[_version(record, info, latest, _summary(plies[i]) if i in plies and newest else None)
                  for i, (record, info) in enumerate(versions)],
        baselines={"base model": _summary(plies["base"]), "own frequency book": _book_figures(older, newest)}
        if newest else {},
        newest_games=len(newest), by_move=by_move, by_phase=by_phase, served=predictor.status.description,
        openings={c: opening_tree(records, player.id, c, predictor) for c in (chess.WHITE, chess.BLACK)},
        guesses={names[mover]: tally for mover, tally in tallies_of(store, player.id).items() if mover in names},
        head_to_head=head_to_head(store, player.id), strength=strength_trend(store, player.id),
    )
