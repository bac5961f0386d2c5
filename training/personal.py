"""Personal adapters: fine-tune the base adapter on one player's games, install only if better.

1. The player's prior band is chosen on their own games (lowest NLL of the bare prior on a
   bounded sample of the newest; :func:`kibitz.engine.scoring.choose_band`).
2. The prior's view of every ply of the player's games is cached once (:mod:`prior_cache`);
   only the player's own moves are scored, the opponent's plies are context for the GRU.
3. Starting from the base adapter, the whole adapter is trained on the older games; the newest
   ~10% validate (early stopping on their NLL).
4. The candidate is exported; the player's own book (:mod:`kibitz.engine.book`) is counted on the
   older games and its strength fitted on the validation games through the exported graph; the
   book written beside the graph counts all of the player's games at that strength.
5. The candidate is judged *as it will be served* - the fp32 ONNX graphs through onnxruntime, its
   book counted on the older games only, so the validation games are news to it - against the
   model the player has now (their installed personal model, else the base adapter over the same
   band) on those validation games. It is installed only if its NLL there is lower and its top-1
   no lower; otherwise the current model stays, and the figures say so honestly.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kibitz.engine.book import HALF_LIVES, BookGame, OwnMoves, fit_strength, position_hash
from kibitz.engine.models import ModelError, add_book, base_model_dir, load_model_info, new_model_version_dir
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.scoring import Score, choose_band, compare_models, model_plies
from kibitz.training.evaluate import scored_games
from kibitz.training.export import export_model
from kibitz.training.player_games import PlayerGame, player_games_from_files, player_games_from_store
from kibitz.training.prior_cache import CacheGame, build_cache
from kibitz.training.progress import Reporter
from kibitz.training.train import WEIGHTS_FILE, TrainSettings, load_weights, train_adapter

MIN_GAMES = 20  # below this a validation set says nothing
VALIDATION_FRACTION = 0.1
#: Fine-tuning starts from a trained adapter: a smaller step than pretraining, few epochs.
#: Personal adapters peaked after 1-2 epochs in every probe, then over-fitted; one thread (see
#: TrainSettings.threads) since the app, and its predictions, run beside the training process.
FINETUNE_SETTINGS = TrainSettings(lr=3e-4, weight_decay=1e-2, games_per_batch=16, max_epochs=2.0,
                                  evals_per_epoch=4, patience=2, time_budget_s=150.0, threads=1)
#: The adapter learns from the newest games only: older ones cost prior passes and describe the
#: player as they were (the book still counts every game: it costs no prior pass).
MAX_ADAPTER_GAMES = 1500


@dataclass
class FinetuneResult:
    folder: Path  # the exported candidate
    band: int
    band_nll: dict[int, float]
    book_strength: float  # the book's weight in games (inf: the book did not help and is not used)
    current: dict[str, float | int]  # the player's current model on the validation games, served
    candidate: dict[str, float | int]  # the candidate, served
    current_kind: str  # "base" | "personal"
    epochs: float
    train_games: int
    val_games: int
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)
    book_nll: dict[str, float] = field(default_factory=dict)  # validation NLL by book strength/half-life

    @property
    def improved(self) -> bool:
        """Better on the validation games as served: a lower NLL, and no fewer moves predicted.

        NLL alone let in models that spread probability better but named the played move first
        less often (held-out jowen93: NLL 1.43 -> 1.42, top-1 -1.2 points); people see the top
        move, so a model must not lose there.
        """
        return (float(self.candidate["nll"]) < float(self.current["nll"])
                and float(self.candidate["top1"]) >= float(self.current["top1"]))

    def describe(self, player: str) -> str:
        book = "no book" if math.isinf(self.book_strength) else f"own book at strength {self.book_strength:g}"
        return (f"{player}: Maia {self.band} prior, {book}; validation NLL {self.current['nll']:.3f} -> "
                f"{self.candidate['nll']:.3f}, top-1 {self.current['top1']:.1%} -> {self.candidate['top1']:.1%} "
                f"against the {self.current_kind} model (its network trained on {self.train_games:,} games, "
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
    all_train, val_part = split_validation(games)
    train_part = all_train[-max(MAX_ADAPTER_GAMES - len(val_part), 1):]
    adapter_games = [*train_part, *val_part]
    reporter.stage("choose prior band", 1, player=player)
    band, band_nll = choose_band(scored_games([(g, c) for g, c, _ in games]))
    reporter.advance(1, message=f"Maia {band}")
    cache_games = [CacheGame(g, band, (c,)) for g, c, _ in adapter_games]
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        reporter.stage("prior over the player's games", len(cache_games), player=player, unit="game")
        done = [0]

        def cached(n: int, total: int) -> None:
            reporter.advance(n - done[0])
            done[0] = n

        cache = build_cache(cache_games, Path(tmp) / "cache", progress=cached)
        model = load_weights(base / WEIGHTS_FILE)
        train_idx = np.arange(len(train_part))
        val_idx = np.arange(len(train_part), len(adapter_games))
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
    info = {"kind": "personal", "train_games": len(train_part), "validation_games": len(val_part),
            "book_games": len(games),
            "epochs": round(result.epochs, 2), "band_nll": band_nll, "history": result.history,
            "settings": dataclasses.asdict(settings),
            "method": "base adapter fine-tuned on the player's own moves over their Maia band; "
                      "opponent plies as context; early stopping on the newest 10% of games; "
                      "the player's own book blended in with a strength fitted on those games",
            "filters": "every ply of the player's games up to ply 300; forced moves not scored"}
    export_model(model, out, player=player, band=band, games_trained=len(games),
                 parity_games=[g for g, _, _ in val_part[-2:]], info=info)
    candidate = AdapterSession(load_model_info(out))
    own_moves = OwnMoves.of(book_games(games))
    older = own_moves.oldest(len(all_train))
    fit = fit_book(candidate, older, band, val_part)
    if not math.isinf(fit.strength):
        add_book(out, own_moves.book(half_life=fit.half_life).to_bytes(), strength=fit.strength,
                 half_life=fit.half_life)
    # Judged with the older games' counts only: the validation games are news to the book.
    candidate.book = older.book(strength=fit.strength, half_life=fit.half_life)
    current_info = load_model_info(current or base)
    judged = judge([AdapterSession(current_info), candidate],
                   band if current_info.band is None else current_info.band, band, val_part)
    reporter.advance(1)
    finished = FinetuneResult(out, band, band_nll, fit.strength, judged[0], judged[1], current_info.kind,
                              result.epochs, len(train_part), len(val_part), time.monotonic() - started,
                              result.history, fit.nll)
    _record_judgement(out, finished)
    return finished


def book_games(games: list[PlayerGame]) -> list[BookGame]:
    return [(g.start_board(), g.moves, c) for g, c, _ in games]


@dataclass(frozen=True)
class BookFit:
    strength: float  # inf: the book did not help on the validation games
    half_life: float | None
    nll: dict[str, float]  # validation NLL by "strength/half-life" ("none": no book)


def fit_book(adapter: AdapterSession, older: OwnMoves, band: int, games: list[PlayerGame]) -> BookFit:
    """The book's strength and recency half-life with the lowest NLL on ``games``, for the served
    model (``adapter`` without a book) and a book counted from ``older``."""
    positions: dict[tuple[int, int], tuple[int, np.ndarray]] = {}
    for index, (game, colour, _) in enumerate(games):
        board = game.start_board()
        for ply, move in enumerate(game.moves):
            if board.turn == colour:
                positions[(index, ply)] = (position_hash(board), legal_move_indices(board)[0])
            board.push(move)
    saved, adapter.book = adapter.book, None
    try:
        plies = [(ply.probabilities, *positions[(ply.game, ply.ply)], ply.played)
                 for ply in model_plies(adapter, band, scored_games([(g, c) for g, c, _ in games]))
                 if len(ply.moves) > 1]
    finally:
        adapter.book = saved
    table: dict[str, float] = {}
    best = BookFit(math.inf, None, table)
    best_nll = math.inf
    for half_life in HALF_LIVES:
        book = older.book(half_life=half_life)
        strength, nll = fit_strength([(p, book.counts_for_hash(key, legal), played) for p, key, legal, played in plies])
        for k, value in nll.items():
            table["none" if math.isinf(k) else f"{k:g}/{'all' if half_life is None else f'{half_life:g}'}"] = round(value, 5)
        if nll[strength] < best_nll - 1e-6:
            best, best_nll = BookFit(strength, None if math.isinf(strength) else half_life, table), nll[strength]
    return best


def judge(sessions: list[AdapterSession], current_band: int, candidate_band: int, games: list[PlayerGame]) -> list[dict[str, Any]]:
    """Served figures (onnxruntime, fp32) of the current model and the candidate on ``games``."""
    scored = scored_games([(g, c) for g, c, _ in games])
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
                          f"{result.current_kind}_served": result.current, "improved": result.improved,
                          "book_nll": result.book_nll}
    tmp = meta_path.with_name(".model.json.incoming")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(meta_path)


def finetune_from_files(args: argparse.Namespace) -> int:
    reporter = Reporter(args.progress)
    games = player_games_from_files(args.player, args.pgn, home=args.home)
    settings = dataclasses.replace(FINETUNE_SETTINGS, lr=args.lr, max_epochs=args.max_epochs,
                                   threads=args.threads or FINETUNE_SETTINGS.threads)
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
