"""Personal adapters: fine-tune the base adapter on one player's games, install only if better.

1. The player's prior band is chosen on their own games (lowest NLL of the bare prior on a
   bounded sample of the newest; :func:`kibitz.engine.scoring.choose_band`).
2. The prior's view of every ply of the player's games is cached once (:mod:`prior_cache`);
   only the player's own moves are scored, the opponent's plies are context for the GRU.
3. Starting from the base adapter, the whole adapter is trained on the older games; the newest
   ~10% validate (early stopping on their NLL).
4. The candidate is exported, then judged *as it will be served* - the fp32 ONNX graphs through
   onnxruntime - against the model the player has now (their installed personal model, else the
   base adapter over the same band) on those validation games. It is installed only if its NLL
   there is lower; otherwise the current model stays, and the figures say so honestly.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chess
import numpy as np

from kibitz.engine.models import (ModelError, ModelInfo, base_model_dir, load_model_info, new_model_version_dir)
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.scoring import Score, choose_band, compare_models
from kibitz.training.evaluate import scored_games
from kibitz.training.export import export_model
from kibitz.training.player_games import PlayerGame, player_games_from_files, player_games_from_store
from kibitz.training.prior_cache import CacheGame, build_cache
from kibitz.training.progress import Reporter
from kibitz.training.train import WEIGHTS_FILE, TrainSettings, load_weights, train_adapter

MIN_GAMES = 20  # below this a validation set says nothing
VALIDATION_FRACTION = 0.1
#: Fine-tuning starts from a trained adapter: a smaller step than pretraining, few epochs.
FINETUNE_SETTINGS = TrainSettings(lr=3e-4, weight_decay=1e-2, games_per_batch=16, max_epochs=4.0,
                                  evals_per_epoch=2, patience=2, time_budget_s=150.0)


@dataclass
class FinetuneResult:
    folder: Path  # the exported candidate
    band: int
    band_nll: dict[int, float]
    current: dict[str, float | int]  # the player's current model on the validation games, served
    candidate: dict[str, float | int]  # the candidate, served
    current_kind: str  # "base" | "personal"
    epochs: float
    train_games: int
    val_games: int
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def improved(self) -> bool:
        return float(self.candidate["nll"]) < float(self.current["nll"])

    def describe(self, player: str) -> str:
        return (f"{player}: Maia {self.band} prior; validation NLL {self.current['nll']:.3f} -> "
                f"{self.candidate['nll']:.3f}, top-1 {self.current['top1']:.1%} -> {self.candidate['top1']:.1%} "
                f"against the {self.current_kind} model ({self.train_games} training games, "
                f"{self.epochs:.1f} epochs, {self.seconds:.0f} s)")


def split_validation(games: list[PlayerGame]) -> tuple[list[PlayerGame], list[PlayerGame]]:
    """Oldest games train, the newest ~10% validate."""
    n_val = max(1, round(len(games) * VALIDATION_FRACTION))
    return games[:-n_val], games[-n_val:]


def finetune(
    games: list[PlayerGame],
    out: Path,
    reporter: Reporter,
    *,
    player: str,
    base: Path | None = None,
    current: Path | None = None,
    settings: TrainSettings | None = None,
    work: Path | None = None,
) -> FinetuneResult:
    """Fine-tune the base adapter in ``base`` (default: the bundled one) on ``games`` (oldest
    first) and export the candidate to ``out``; ``current`` is the player's installed model it
    must beat (default: the base).

    :raises ValueError: with fewer than ``MIN_GAMES`` games.
    """
    started = time.monotonic()
    settings = settings or FINETUNE_SETTINGS
    if len(games) < MIN_GAMES:
        raise ValueError(f"{player} has {len(games)} games; a personal model needs at least {MIN_GAMES}")
    base = base or base_model_dir()
    train_part, val_part = split_validation(games)
    reporter.stage("choose prior band", 1, player=player)
    band, band_nll = choose_band(scored_games([(g, c) for g, c, _ in games]))
    reporter.advance(1, message=f"Maia {band}")
    cache_games = [CacheGame(g, band, (c,)) for g, c, _ in games]
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        reporter.stage("prior over the player's games", len(cache_games), player=player, unit="game")
        done = [0]

        def cached(n: int, total: int) -> None:
            reporter.advance(n - done[0])
            done[0] = n

        cache = build_cache(cache_games, Path(tmp) / "cache", progress=cached)
        model = load_weights(base / WEIGHTS_FILE)
        train_idx = np.arange(len(train_part))
        val_idx = np.arange(len(train_part), len(games))
        reporter.stage("fine-tune", int(np.ceil(settings.max_epochs * 10)), player=player, unit="tenth")
        shown = [0]

        def trained(epoch: float, evaluation: object) -> None:
            tenth = int(epoch * 10)
            if tenth > shown[0]:
                reporter.advance(tenth - shown[0])
                shown[0] = tenth

        result = train_adapter(model, cache, train_idx, val_idx, settings, progress=trained)
        del cache
    reporter.stage("export and judge", 1, player=player)
    export_model(model, out, player=player, band=band, games_trained=len(games),
                 parity_games=[g for g, _, _ in val_part[-2:]],
                 info={"kind": "personal", "train_games": len(train_part), "validation_games": len(val_part),
                       "epochs": round(result.epochs, 2), "band_nll": band_nll, "history": result.history,
                       "settings": dataclasses.asdict(settings),
                       "method": "base adapter fine-tuned on the player's own moves over their Maia band; "
                                 "opponent plies as context; early stopping on the newest 10% of games",
                       "filters": "every ply of the player's games up to ply 300; forced moves not scored"})
    current_folder = current or base
    current_info = load_model_info(current_folder)
    judged = judge([current_info, load_model_info(out)],
                   band if current_info.band is None else current_info.band, band, val_part)
    reporter.advance(1)
    finished = FinetuneResult(out, band, band_nll, judged[0], judged[1], current_info.kind, result.epochs,
                              len(train_part), len(val_part), time.monotonic() - started, result.history)
    _record_judgement(out, finished)
    return finished


def judge(infos: list[ModelInfo], current_band: int, candidate_band: int, games: list[PlayerGame]) -> list[dict[str, Any]]:
    """Served figures (onnxruntime, fp32) of the current model and the candidate on ``games``."""
    scored = scored_games([(g, c) for g, c, _ in games])
    sessions = [AdapterSession(info) for info in infos]
    scores = [Score(), Score()]
    if current_band == candidate_band:
        for current, candidate in compare_models(sessions, candidate_band, scored):
            if len(current.moves) > 1:
                scores[0].add_ply(current)
                scores[1].add_ply(candidate)
    else:  # the band changed: each model over its own prior
        for i, band in enumerate((current_band, candidate_band)):
            for (ply,) in compare_models([sessions[i]], band, scored):
                if len(ply.moves) > 1:
                    scores[i].add_ply(ply)
    return [s.summary() for s in scores]


def _record_judgement(folder: Path, result: FinetuneResult) -> None:
    """Put the served validation figures into the candidate's model.json (checksum unchanged)."""
    import json

    meta_path = folder / "model.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["evaluation"] = {"validation_games": result.val_games, "served": result.candidate,
                          f"{result.current_kind}_served": result.current, "improved": result.improved}
    tmp = meta_path.with_name(".model.json.incoming")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(meta_path)


def finetune_from_files(args: argparse.Namespace) -> int:
    reporter = Reporter(args.progress)
    games = player_games_from_files(args.player, args.pgn, home=args.home)
    settings = dataclasses.replace(FINETUNE_SETTINGS, lr=args.lr, max_epochs=args.max_epochs)
    result = finetune(games, args.out, reporter, player=args.player, base=args.base, settings=settings)
    verdict = "beats" if result.improved else "does NOT beat"
    reporter.finished(True, f"{result.describe(args.player)}; it {verdict} the base model; written to {args.out}")
    return 0


def retrain_changed(args: argparse.Namespace) -> int:
    """Retrain every player (or ``--player``) whose games changed since their last model."""
    from kibitz.engine.store import Store

    reporter = Reporter(args.progress)
    with Store.open(args.home) as store:
        names = [args.player] if isinstance(args.player, str) else (args.player or [])
        if names:
            players = []
            for name in names:
                player = store.find_player(name)
                if player is None:
                    raise LookupError(f"no player named {name!r} in {store.path}")
                players.append(player)
        else:
            players = store.players()
        settings = FINETUNE_SETTINGS
        if getattr(args, "time_budget", None):
            settings = dataclasses.replace(settings, time_budget_s=args.time_budget)
        todo = []
        for player in players:
            record = store.latest_model(player.id)
            changed = store.game_count(player.id) if record is None else store.games_changed_since(player.id, record.created_at)
            if changed or args.player:
                todo.append(player)
        if not todo:
            reporter.finished(True, "every player's model is up to date; nothing to retrain")
            return 0
        lines = []
        for player in todo:
            games = player_games_from_store(store, player.id)
            if len(games) < MIN_GAMES:
                message = (f"{player.name}: {len(games)} games, fewer than {MIN_GAMES}; "
                           "keeps the model they have")
                reporter.model(player.name, False, message)
                lines.append(message)
                continue
            record = store.latest_model(player.id)
            current = _installed_folder(record)
            folder = new_model_version_dir(store.home, player.id)
            result = finetune(games, folder, reporter, player=player.name, current=current, settings=settings)
            if result.improved:
                store.record_model(player.id, folder, len(games), {"installed": True, "band": result.band,
                                                                   "validation": result.candidate})
                message = f"{result.describe(player.name)}: installed"
            else:
                if current is not None:  # the earlier personal model stays, recorded as still current
                    # The candidate is kept in the model history (never served) so the player page
                    # shows every version; recorded first, so the kept model stays the latest.
                    store.record_model(player.id, folder, len(games), {
                        "installed": False, "band": result.band, "validation": result.candidate,
                        "reason": "not better than the installed model on the newest games"})
                    store.record_model(player.id, current, record.games_trained if record else len(games),
                                       {**(record.meta if record else {}), "installed": True,
                                        "kept": f"a retrain on {len(games)} games was not better"})
                else:
                    store.record_model(player.id, folder, len(games), {
                        "installed": False, "band": result.band,
                        "reason": f"a personal model trained on {len(games)} games did not beat the base model"})
                message = f"{result.describe(player.name)}: not better, the current model stays"
            reporter.model(player.name, result.improved, message)
            lines.append(message)
    reporter.finished(True, "\n".join(lines))
    return 0


def _installed_folder(record: Any) -> Path | None:
    """The player's installed, usable personal model folder, if any."""
    if record is None or record.meta.get("installed") is False:
        return None
    try:
        load_model_info(Path(record.path))
    except ModelError:
        return None
    return Path(record.path)
