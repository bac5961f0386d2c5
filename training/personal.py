"""Personal adapters: fine-tune the base adapter on one player's games, install only if better.

Judging follows the rule of :mod:`kibitz.engine.player_games` (games neither model has seen):

1. The judged games are the newest games the current model's adapter never trained on
   (:func:`~kibitz.engine.player_games.judged_split`); with too few, nothing is trained or judged -
   the current model stays and its live book already counts every game.
2. The player's rating for the prior is fitted on the other games (lowest NLL of the bare prior on
   a bounded sample of the newest; :func:`kibitz.engine.ratings.choose_rating`).
3. The prior's view of every ply is gathered (:mod:`prior_cache`) in a scratch folder that a
   killed run leaves for the next one to remove (:func:`kibitz.engine.models.work_folder`), from
   the outputs the store keeps for stored games (:mod:`kibitz.engine.prior_outputs`); only the
   player's own moves are scored, the opponent's plies are context for the GRU.
4. Starting from the base adapter, the adapter trains on the other games (the newest
   ``MAX_ADAPTER_GAMES``); the judged games stop it early. The player's book strength and recency
   are fitted on the judged games too, with counts from the other games. (The current model had
   the same two choices made on its own judged games; these are the only uses of them.)
5. The candidate and the current model are scored *as they will be served* - fp32 ONNX graphs
   through onnxruntime - on the judged games, each with its book counted on every game except the
   judged ones (exact: a book is a count table). The candidate is installed only if its NLL there
   is lower and its top-1 no lower; otherwise the current model stays, and the figures say so.
6. The candidate's folder is written once, complete (graph, weights, the book counting every game,
   and the judgement), and names the games its adapter trained on, so the next judgement and
   every figure shown about it can leave those out.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chess
import numpy as np

from kibitz.engine import models
from kibitz.engine.book import HALF_LIVES, BookGame, OwnMoves, fit_strength, position_hash
from kibitz.engine.models import ModelInfo, base_model_dir, load_model_info, new_model_version_dir
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.player_games import MIN_ADAPTER_GAMES, JudgedSplit, game_key, judged_split, replay
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.prior_outputs import GameOutputs, KeptOutputs
from kibitz.engine.priors import prior_session, rating_key
from kibitz.engine.ratings import choose_rating
from kibitz.engine.scoring import Score, compare_models, model_plies
from kibitz.engine.store import Player, Store
from kibitz.training.config_defaults import FINETUNE
from kibitz.training.corpus import GameInput
from kibitz.training.evaluate import scored_games
from kibitz.training.export import export_model
from kibitz.training.player_games import PlayerGame, player_games_from_files, player_games_from_store
from kibitz.training.prior_cache import CacheGame, KeptSource, build_cache
from kibitz.training.progress import Reporter
from kibitz.training.train import WEIGHTS_FILE, TrainSettings, load_weights, train_adapter

MIN_GAMES = MIN_ADAPTER_GAMES  # below this a judgement says nothing
#: A retrain fits the player's rating again once their games have grown by this share since the
#: last fit: a fit costs thousands of prior runs, and ten new games seldom move it.
REFIT_GROWTH = 0.25


class NothingToJudge(ValueError):
    """Every game but a handful was learned by the current model's adapter: nothing new to judge on."""


@dataclass
class FinetuneResult:
    folder: Path  # the exported candidate
    rating: int  # the player's rating for the prior, fitted on the games the adapter learned from
    rating_nll: dict[int, float]
    book_strength: float  # the book's weight in games (inf: the book did not help and is not used)
    current: dict[str, float | int]  # the player's current model on the judged games, served
    candidate: dict[str, float | int]  # the candidate, served
    current_kind: str  # "base" | "personal"
    epochs: float
    train_games: int  # the games the candidate's adapter trained on
    val_games: int  # the judged games
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)
    book_nll: dict[str, float] = field(default_factory=dict)  # judged-games NLL by book strength/half-life

    @property
    def improved(self) -> bool:
        """Better on the judged games as served: a lower NLL, and no fewer moves predicted.

        NLL alone let in models that spread probability better but named the played move first
        less often (held-out jowen93: NLL 1.43 -> 1.42, top-1 -1.2 points); people see the top
        move, so a model must not lose there.
        """
        return (float(self.candidate["nll"]) < float(self.current["nll"])
                and float(self.candidate["top1"]) >= float(self.current["top1"]))

    def judged_on(self) -> str:
        return (f"on the newest {self.val_games:,} games neither model learned from "
                f"({int(self.candidate['positions']):,} moves)")

    def summary(self, player: str) -> str:
        """For the family: ``"jowen93: the new model predicts 55% of jowen93's moves, up from 54% ..."``."""
        new, old = 100 * float(self.candidate["top1"]), 100 * float(self.current["top1"])
        change = (f"up from {old:.0f}%" if round(new) > round(old) else f"down from {old:.0f}%"
                  if round(new) < round(old) else f"as the current model does ({old:.0f}%)"
                  + (" but gives the moves played more weight" if self.improved else ""))
        verdict = ("the new model is used from now on" if self.improved
                   else f"the current {'personal' if self.current_kind == 'personal' else 'base'} model stays")
        return (f"{player}: the new model predicts {new:.0f}% of {player}'s moves, {change}, {self.judged_on()}; "
                f"{verdict}")

    def describe(self, player: str) -> str:
        """The figures, current model first: ``"top-1 54.1% → 55.0% on 23 judged games ..."``."""
        book = "no book" if math.isinf(self.book_strength) else f"own book at strength {self.book_strength:g}"
        return (f"{player}: top-1 {self.current['top1']:.1%} → {self.candidate['top1']:.1%}, NLL "
                f"{self.current['nll']:.3f} → {self.candidate['nll']:.3f} against the {self.current_kind} model "
                f"on {self.val_games:,} judged games ({int(self.candidate['positions']):,} moves); Maia-3 at "
                f"{self.rating:,}, {book}, its network trained on {self.train_games:,} games, {self.epochs:.1f} epochs, "
                f"{self.seconds:.0f} s")


def cache_game(game: GameInput, colour: chess.Color, rating: int) -> CacheGame:
    """The player's game for the prior cache: the player at ``rating``, the opponent at their
    recorded rating (as strong as the player where none is recorded); the player's moves scored."""
    opponent = rating_key(game.rating_of(not colour)) if game.rating_of(not colour) is not None else rating
    white, black = (rating, opponent) if colour == chess.WHITE else (opponent, rating)
    return CacheGame(game, white, black, (colour,), game.game_id)


def game_keys(games: list[PlayerGame]) -> list[str]:
    return [game_key(g.fen, g.moves) for g, _, _ in games]


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
    kept: KeptSource | None = None,
    rating: int | None = None,
) -> FinetuneResult:
    """Fine-tune the base adapter in ``base`` (default: the bundled one) on ``games`` (oldest
    first), judge it against ``current`` (the player's installed model; default: the base) and
    write the candidate to ``out``, once and complete. ``work``: scratch space (default: a fresh
    folder under :func:`kibitz.engine.models.work_root`, removed afterwards). ``kept``: the prior's
    outputs the store keeps for stored games (computed here for the others). ``rating``: the
    player's rating for the prior, fitted earlier (None: fitted here on the games learned from).

    :raises ValueError: with fewer than ``MIN_GAMES`` games.
    :raises NothingToJudge: when the current model's adapter learned from all but a handful of them.
    """
    started = time.monotonic()
    settings = settings or FINETUNE
    if len(games) < MIN_GAMES:
        raise ValueError(f"{player} has {len(games)} games; the network needs at least {MIN_GAMES}")
    base = base or base_model_dir()
    current_info = load_model_info(current or base)
    keys = game_keys(games)
    split = judged_split(keys, models.adapter_games(current_info, keys))
    if split is None:
        raise NothingToJudge(f"{player}: the current model has learned from all {len(games):,} games but a few; "
                             "nothing new to judge on, so it stays (its book counts every game)")
    learn = [games[i] for i in split.learn]
    judged = [games[i] for i in split.judged]
    if rating is None:
        reporter.stage("fit the player's rating", 1, player=player)
        fitted = choose_rating(scored_games([(g, c) for g, c, _ in learn]))
        rating, rating_nll = fitted.rating, fitted.nll
        reporter.advance(1)
    else:
        rating_nll = {}
    reporter.advance(1)
    scratch = work or models.work_folder(models.work_root())
    try:
        model, trained, judged_outputs = _train(learn, judged, rating, settings, base, scratch, reporter, player, kept)
        reporter.stage("export and judge", 1, player=player)
        staged = scratch / "candidate"
        info = {"kind": "personal", "train_games": len(learn), "validation_games": len(judged),
                "book_games": len(games), "adapter_games": [keys[i] for i in split.learn],
                "judged_games": [keys[i] for i in split.judged],
                "epochs": round(trained.epochs, 2), "rating_nll": rating_nll, "history": trained.history,
                "settings": dataclasses.asdict(settings),
                "method": "base adapter fine-tuned on the player's own moves over Maia-3 at their fitted rating; opponent "
                          "plies as context; judged on the newest games neither it nor the current model "
                          "learned from (early stopping and the book's strength fitted there too)",
                "filters": "every ply of the player's games up to ply 300; forced moves not scored"}
        meta = export_model(model, staged, player=player, rating=rating, games_trained=len(games),
                            parity_games=[g for g, _, _ in judged[-2:]], info=info)
        own = OwnMoves.of(book_games(games))  # every game replayed once; the judged games' book leaves some out
        result, book_fit = _judge(out, games, own, split, AdapterSession(load_model_info(staged)), current_info,
                                  rating, rating_nll, trained, started, judged_outputs)
        reporter.advance(1)
        _write_candidate(staged, meta, own, result, book_fit)
        shutil.rmtree(staged, ignore_errors=True)
        return result
    finally:
        if work is None:
            shutil.rmtree(scratch, ignore_errors=True)


def _train(learn: list[PlayerGame], judged: list[PlayerGame], rating: int, settings: TrainSettings, base: Path,
           scratch: Path, reporter: Reporter, player: str, kept: KeptSource | None
           ) -> tuple[Any, Any, list[GameOutputs]]:
    """The adapter trained on ``learn``, stopped early on ``judged`` (the prior cache lives in
    ``scratch``), and the prior's outputs for the judged games (judging reads them, not the prior)."""
    cache_games = [cache_game(g, c, rating) for g, c, _ in [*learn, *judged]]
    reporter.stage("prior over the player's games", len(cache_games), player=player, unit="game")
    done = [0]

    def cached(n: int, total: int) -> None:
        reporter.advance(n - done[0])
        done[0] = n

    cache = build_cache(cache_games, scratch / "cache", progress=cached, kept=kept)
    model = load_weights(base / WEIGHTS_FILE)
    reporter.stage("fine-tune", int(np.ceil(settings.max_epochs * 10)), player=player, unit="tenth")
    shown = [0]

    def trained(epoch: float, evaluation: object) -> None:
        tenth = int(epoch * 10)
        if tenth > shown[0]:
            reporter.advance(tenth - shown[0])
            shown[0] = tenth

    result = train_adapter(model, cache, np.arange(len(learn)), np.arange(len(learn), len(cache_games)),
                           settings, progress=trained)
    judged_outputs = [cache.game_outputs(g) for g in range(len(learn), len(cache_games))]
    del cache
    shutil.rmtree(scratch / "cache", ignore_errors=True)
    return model, result, judged_outputs


def _judge(out: Path, games: list[PlayerGame], own: OwnMoves, split: JudgedSplit, candidate: AdapterSession,
           current_info: ModelInfo, rating: int, rating_nll: dict[int, float], trained: Any, started: float,
           judged_outputs: list[GameOutputs]) -> tuple[FinetuneResult, BookFit]:
    """Both models as served on the judged games, each book counted on every other game (the
    prior's outputs at the candidate's rating read from ``judged_outputs``)."""
    judged = [games[i] for i in split.judged]
    without_judged = own.excluding(split.judged)
    fit = fit_book(candidate, without_judged, rating, judged, judged_outputs)
    candidate.book = (None if math.isinf(fit.strength)
                      else without_judged.book(strength=fit.strength, half_life=fit.half_life))
    incumbent = AdapterSession(current_info)
    settings = models.book_settings(current_info)
    incumbent.book = None if settings is None else without_judged.book(strength=settings[0], half_life=settings[1])
    figures = judge([incumbent, candidate], current_info.rating or rating, rating, judged, judged_outputs)
    result = FinetuneResult(out, rating, rating_nll, fit.strength, figures[0], figures[1], current_info.kind,
                            trained.epochs, len(split.learn), len(split.judged), time.monotonic() - started,
                            trained.history, fit.nll)
    return result, fit


def _write_candidate(staged: Path, meta: dict[str, Any], own: OwnMoves, result: FinetuneResult,
                     fit: BookFit) -> None:
    """The candidate's folder, written once: graph, weights, its book over every game, the judgement."""
    out = result.folder
    book = None
    if not math.isinf(fit.strength):
        data = own.book(half_life=fit.half_life).to_bytes()
        book = (data, {"strength": fit.strength, "half_life": fit.half_life})
    meta = {**meta, "evaluation": {
        "validation_games": result.val_games, "judged_on": result.judged_on(), "served": result.candidate,
        f"{result.current_kind}_served": result.current, "improved": result.improved, "book_nll": result.book_nll}}
    graph = (staged / models.MODEL_FILE).read_bytes()
    models.write_model_folder(out, graph, meta, {WEIGHTS_FILE: staged / WEIGHTS_FILE}, book=book)


def book_games(games: list[PlayerGame]) -> list[BookGame]:
    return [(g.start_board(), g.moves, c) for g, c, _ in games]


@dataclass(frozen=True)
class BookFit:
    strength: float  # inf: the book did not help on the judged games
    half_life: float | None
    nll: dict[str, float]  # judged-games NLL by "strength/half-life" ("none": no book)


def fit_book(adapter: AdapterSession, older: OwnMoves, rating: int, games: list[PlayerGame],
             kept: Sequence[GameOutputs] | None = None) -> BookFit:
    """The book's strength and recency half-life with the lowest NLL on ``games``, for the served
    model (``adapter`` without a book) and a book counted from ``older`` (``kept``: the prior's
    outputs for ``games`` at ``rating``, read instead of running it)."""
    positions: dict[tuple[int, int], tuple[int, np.ndarray]] = {}
    for index, (game, colour, _) in enumerate(games):
        for ply, board, _ in replay(game.start_board(), game.moves, colour):
            positions[(index, ply)] = (position_hash(board), legal_move_indices(board)[0])
    saved, adapter.book = adapter.book, None
    try:
        plies = [(ply.probabilities, *positions[(ply.game, ply.ply)], ply.played)
                 for ply in model_plies(adapter, rating, scored_games([(g, c) for g, c, _ in games]), kept=kept)
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


def judge(sessions: list[AdapterSession], current_rating: int, candidate_rating: int, games: list[PlayerGame],
          kept: Sequence[GameOutputs] | None = None) -> list[dict[str, Any]]:
    """Served figures (onnxruntime, fp32) of the current model and the candidate on ``games``
    (``kept``: the prior's outputs for them at the candidate's rating)."""
    scored = scored_games([(g, c) for g, c, _ in games])
    scores = [Score(), Score()]
    if current_rating == candidate_rating:
        for current, candidate in compare_models(sessions, candidate_rating, scored, kept=kept):
            if len(current.moves) > 1:
                scores[0].add_ply(current)
                scores[1].add_ply(candidate)
    else:  # the rating changed: each model over the prior at its own
        for i, rating in enumerate((current_rating, candidate_rating)):
            for (ply,) in compare_models([sessions[i]], rating, scored, kept=kept if i == 1 else None):
                if len(ply.moves) > 1:
                    scores[i].add_ply(ply)
    return [s.summary() for s in scores]


def finetune_from_files(player: str, pgn: list[Path], out: Path, *, home: Path | None = None,
                        base: Path | None = None, settings: TrainSettings = FINETUNE, progress: str = "bar") -> int:
    """``kibitz-train finetune``: a candidate from PGN files, judged against ``base`` (its figures
    printed current model first), written to ``out``; nothing is installed."""
    reporter = Reporter(progress)
    games = player_games_from_files(player, pgn, home=home)
    result = finetune(games, out, reporter, player=player, base=base, settings=settings)
    verdict = "beats" if result.improved else "does NOT beat"
    reporter.finished(True, f"{result.describe(player)}; it {verdict} the base model; written to {out}")
    return 0


def retrain_changed(home: Path | None, names: list[str] | None = None, *, progress: str = "bar",
                    time_budget_s: float | None = None, settings: TrainSettings | None = None) -> int:
    """Retrain the named players, or every player whose network is due
    (:func:`kibitz.engine.models.learning_status_of`); the others hear where they stand."""
    reporter = Reporter(progress)
    settings = settings or FINETUNE
    if time_budget_s:
        settings = dataclasses.replace(settings, time_budget_s=time_budget_s)
    with Store.open(home) as store:
        players = []
        for name in names or []:
            player = store.find_player(name)
            if player is None:
                raise LookupError(f"no player named {name!r} in {store.path}")
            players.append(player)
        todo, lines = [], []
        for player in players or store.players():
            status = models.learning_status_of(store, player)
            if status.adapter_due or (names and status.games >= MIN_GAMES):
                todo.append(player)
            elif names:  # asked for by name, too young for the network: say so as that player's outcome
                reporter.model(player.name, False, status.text)
                lines.append(status.text)
            elif status.games:
                lines.append(status.text)
        if not todo:
            reporter.finished(True, "\n".join(["Every player's model is up to date; nothing to retrain.", *lines]))
            return 0
        work = models.work_folder(models.work_root(store.home))
        try:
            for player in todo:
                message, details, installed = _retrain_one(store, player, reporter, settings, work)
                reporter.model(player.name, installed, message, details=details)
                lines.append(message)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    reporter.finished(True, "\n".join(lines))
    return 0


def kept_in(store: Store) -> KeptSource:
    """The prior's outputs for stored games as the store keeps them (computed and kept now where
    missing, so the next retrain reads them): a retrain never runs the prior twice on a game."""
    outputs = KeptOutputs(store)

    def kept(items: Sequence[CacheGame]) -> list[GameOutputs]:
        found = outputs.ensure([(int(item.game_id or 0), item.white, item.black) for item in items], prior_session(2))
        return [found[int(item.game_id or 0)] for item in items]

    return kept


def _retrain_one(store: Store, player: Player, reporter: Reporter, settings: TrainSettings, work: Path
                 ) -> tuple[str, str, bool]:
    """Train, judge and record one player's candidate: (the family's sentence, the figures, installed)."""
    games = player_games_from_store(store, player.id)
    served = models.served_model(store, player)
    current = served.info.folder if served.personal else None
    if current is not None:
        try:
            AdapterSession(served.info)  # a personal model whose graph or book fails to load is not served
        except models.ModelError:
            current = None
    folder = new_model_version_dir(store.home, player.id)
    earlier = models.rating_fit(store, player.id)
    reuse = earlier is not None and len(games) < earlier[1] * (1 + REFIT_GROWTH)
    try:
        result = finetune(games, folder, reporter, player=player.name, current=current, settings=settings,
                          work=work, kept=kept_in(store), rating=earlier[0] if earlier and reuse else None)
    except NothingToJudge as why:
        return str(why), str(why), False
    fitted_on = earlier[1] if earlier and reuse else len(games)
    meta = {"rating": result.rating, "rating_games": fitted_on, "validation": result.candidate, "judged": {
        "games": result.val_games, "current": result.current, "candidate": result.candidate}}
    if result.improved:
        models.record_installed(store, player.id, folder, len(games), meta)
    else:
        reason = (f"not better than the {result.current_kind} model on the newest {result.val_games} games "
                  "neither had learned from")
        models.record_not_installed(store, player.id, folder, len(games), meta, reason)
    return result.summary(player.name), result.describe(player.name), result.improved

