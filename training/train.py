"""The one training loop, for the base adapter and for personal adapters alike.

It reads a :class:`PriorCache` (the frozen prior's view of every ply), batches whole games of
similar length, and minimises the cross-entropy of the moves played over the legal moves, on the
scored plies only (all plies for the base; the player's own for a personal adapter - the
opponent's plies still flow through the GRU as context). Validation NLL decides early stopping,
and the best state is what comes back. Checkpoints (weights, optimiser, progress) are written
atomically every few minutes and on Ctrl-C, so ``resume`` continues a run.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from kibitz.engine.models import expected_versions
from kibitz.engine.moves import NO_MOVE
from kibitz.engine.priors import POOLED_SIZE
from kibitz.training.model import Adapter, AdapterConfig
from kibitz.training.prior_cache import PriorCache

CHECKPOINT_FILE = "checkpoint.pt"  # resumable training state
WEIGHTS_FILE = "weights.pt"  # an adapter's weights and config, for fine-tuning later


@dataclass(frozen=True)
class TrainSettings:
    """How to train. The commands and the app use :mod:`kibitz.training.config_defaults`' settings;
    these defaults are a neutral starting point for code that builds its own (tests, probes)."""

    lr: float = 5e-4
    weight_decay: float = 1e-2
    games_per_batch: int = 32
    max_epochs: float = 6.0
    evals_per_epoch: int = 2
    patience: int = 2  # evaluations without a better validation NLL before stopping
    time_budget_s: float | None = None
    checkpoint_every_s: float = 120.0
    seed: int = 0
    #: torch CPU threads while training (None: torch's default). The adapter's operations are
    #: small (a GRU step over 16 games): a second thread buys little on an idle machine and,
    #: measured on a busy 2-core one, made training 4x slower while the threads waited for each other.
    threads: int | None = None


@dataclass
class Batch:
    pooled: torch.Tensor  # [B, T, 256]
    prev_move: torch.Tensor  # [B, T]
    scored: torch.Tensor  # bool [B, T]
    moves: torch.Tensor  # [P, L] legal moves of the scored plies (padded with 0)
    prior: torch.Tensor  # [P, L] the prior's logits of them
    valid: torch.Tensor  # bool [P, L]
    target: torch.Tensor  # [P] position of the played move in ``moves``
    choice: torch.Tensor  # bool [P] more than one legal move (forced moves do not count)


def make_batch(cache: PriorCache, games: np.ndarray) -> Batch:
    """Pad the chosen games to one length and gather what the loss needs."""
    starts = cache.game_offsets[games]
    lengths = cache.game_offsets[games + 1] - starts
    steps = int(lengths.max())
    grid = starts[:, None] + np.arange(steps)[None, :]
    inside = np.arange(steps)[None, :] < lengths[:, None]
    rows = grid[inside]
    pooled = np.zeros((len(games) * steps, POOLED_SIZE), dtype=np.float16)
    pooled[np.flatnonzero(inside.ravel())] = cache.pooled[rows]
    prev = np.full(inside.shape, NO_MOVE, dtype=np.int64)
    prev[inside] = cache.prev_move[rows]
    scored = np.zeros(inside.shape, dtype=bool)
    scored[inside] = cache.scored[rows]
    scored_rows = grid[scored]
    lo, hi = cache.legal_offsets[scored_rows], cache.legal_offsets[scored_rows + 1]
    counts = hi - lo
    width = int(counts.max()) if len(counts) else 1
    slot = lo[:, None] + np.arange(width)[None, :]
    valid = np.arange(width)[None, :] < counts[:, None]
    slot = np.where(valid, slot, 0)
    moves = np.where(valid, cache.legal[slot], 0).astype(np.int64)
    prior = np.where(valid, cache.prior_legal[slot], 0).astype(np.float32)
    target = np.argmax(moves == cache.target[scored_rows][:, None].astype(np.int64), axis=1)
    return Batch(
        pooled=torch.from_numpy(pooled).reshape(len(games), steps, POOLED_SIZE),
        prev_move=torch.from_numpy(prev), scored=torch.from_numpy(scored),
        moves=torch.from_numpy(moves), prior=torch.from_numpy(prior), valid=torch.from_numpy(valid),
        target=torch.from_numpy(target), choice=torch.from_numpy(counts > 1),
    )


def batch_logits(model: Adapter, batch: Batch) -> torch.Tensor:
    """Logits of the legal moves of every scored ply, ``[P, L]`` (padding at -inf)."""
    z, out, _ = model(batch.pooled, batch.prev_move)
    logits = model.scores(z[batch.scored], out[batch.scored], batch.prior, batch.moves)
    return logits.masked_fill(~batch.valid, float("-inf"))


@dataclass
class Evaluation:
    nll: float
    top1: float
    positions: int


@torch.no_grad()
def evaluate_cache(model: Adapter, cache: PriorCache, games: np.ndarray, games_per_batch: int = 64) -> Evaluation:
    """NLL and top-1 over the scored plies with a choice (forced moves skipped)."""
    model.eval()
    nll, hits, n = 0.0, 0, 0
    for start in range(0, len(games), games_per_batch):
        batch = make_batch(cache, games[start : start + games_per_batch])
        logits = batch_logits(model, batch)[batch.choice]
        target = batch.target[batch.choice]
        nll += float(F.cross_entropy(logits, target, reduction="sum"))
        hits += int((logits.argmax(-1) == target).sum())
        n += len(target)
    return Evaluation(nll / max(n, 1), hits / max(n, 1), n)


def _epoch_batches(cache: PriorCache, games: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of games of similar length (little padding), in shuffled order."""
    order = rng.permutation(games)
    lengths = cache.game_offsets[order + 1] - cache.game_offsets[order]
    batches: list[np.ndarray] = []
    chunk = size * 50
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[start : start + chunk], kind="stable")]
        batches.extend(part[i : i + size] for i in range(0, len(part), size))
    rng.shuffle(batches)  # type: ignore[arg-type]
    return batches


@dataclass
class TrainResult:
    model: Adapter
    start: Evaluation  # the adapter it started from, on the validation games
    best: Evaluation
    epochs: float
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def improved(self) -> bool:
        return self.best.nll < self.start.nll


def train_adapter(
    model: Adapter,
    cache: PriorCache,
    train_games: np.ndarray,
    val_games: np.ndarray,
    settings: TrainSettings,
    *,
    checkpoint: Path | None = None,
    resume: bool = False,
    progress: Callable[[float, Evaluation | None], None] | None = None,
) -> TrainResult:
    """Train ``model`` in place on ``train_games`` of ``cache``; returns the best state seen on
    ``val_games`` (the starting state if nothing beat it)."""
    started = time.monotonic()
    threads_before = torch.get_num_threads()
    if settings.threads:
        torch.set_num_threads(settings.threads)
    try:
        return _train(model, cache, train_games, val_games, settings, started, checkpoint, resume, progress)
    finally:
        torch.set_num_threads(threads_before)


def _train(
    model: Adapter, cache: PriorCache, train_games: np.ndarray, val_games: np.ndarray, settings: TrainSettings,
    started: float, checkpoint: Path | None, resume: bool,
    progress: Callable[[float, Evaluation | None], None] | None,
) -> TrainResult:
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    batches_per_epoch = max(1, math.ceil(len(train_games) / settings.games_per_batch))
    total_steps = max(1, int(settings.max_epochs * batches_per_epoch))
    eval_every = max(1, batches_per_epoch // settings.evals_per_epoch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total_steps) / total_steps)))
    step, history = 0, []
    if resume and checkpoint is not None and checkpoint.is_file():
        state = load_checkpoint(checkpoint, model)
        try:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            schedule.load_state_dict(state["schedule"])
            step, history, bad = int(state["step"]), list(state["history"]), int(state["bad"])
            best = Evaluation(**state["best"])
            best_state = dict(state["best_model"])
            start_eval = Evaluation(**state["start"])
        except (KeyError, TypeError, ValueError, RuntimeError) as error:
            raise ValueError(f"{checkpoint} cannot be resumed ({error}); delete it, or train without --resume") from error
        rng = np.random.default_rng(settings.seed + step)
    else:
        start_eval = evaluate_cache(model, cache, val_games)
        best, best_state, bad = start_eval, _copy_state(model), 0
    last_checkpoint = time.monotonic()

    def save() -> None:
        if checkpoint is not None:
            _atomic_save(checkpoint, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                "step": step, "history": history, "bad": bad, "best": asdict(best), "best_model": best_state,
                "start": asdict(start_eval), "config": model.cfg.to_dict(), "settings": asdict(settings),
                "versions": expected_versions(),
            })

    stop = False
    try:
        while step < total_steps and not stop:
            for games in _epoch_batches(cache, train_games, settings.games_per_batch, rng):
                model.train()
                batch = make_batch(cache, games)
                logits = batch_logits(model, batch)
                loss = F.cross_entropy(logits, batch.target)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                step += 1
                evaluation = None
                if step % eval_every == 0 or step >= total_steps:
                    evaluation = evaluate_cache(model, cache, val_games)
                    history.append({"step": step, "epoch": step / batches_per_epoch, "val_nll": evaluation.nll,
                                    "val_top1": evaluation.top1, "train_loss": loss.item()})
                    if evaluation.nll < best.nll - 1e-4:
                        best, best_state, bad = evaluation, _copy_state(model), 0
                    else:
                        bad += 1
                    stop = bad >= settings.patience
                if progress is not None:
                    progress(step / batches_per_epoch, evaluation)
                out_of_time = settings.time_budget_s is not None and time.monotonic() - started > settings.time_budget_s
                if time.monotonic() - last_checkpoint > settings.checkpoint_every_s:
                    save()
                    last_checkpoint = time.monotonic()
                if stop or step >= total_steps or out_of_time:
                    stop = True
                    break
    except KeyboardInterrupt:
        save()
        raise
    save()
    model.load_state_dict(best_state)
    model.eval()
    return TrainResult(model, start_eval, best, step / batches_per_epoch, time.monotonic() - started, history)


def load_checkpoint(path: Path, model: Adapter) -> dict[str, Any]:
    """A checkpoint written by :func:`train_adapter` for ``model``, read without running code.

    It holds only tensors, numbers, strings and lists or dicts of them (weights, the optimiser's
    and schedule's state, progress), so torch's weights-only reader loads it whole: a crafted file
    cannot make the unpickler call anything.

    :raises ValueError: when the file is not such a checkpoint, or one of another network.
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # UnpicklingError for code, RuntimeError/EOFError/... for damage
        raise ValueError(f"{path} is not a checkpoint kibitz can resume ({type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else 'unreadable'}); delete it, "
                         "or train without --resume") from error
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not a checkpoint kibitz can resume; delete it, or train without --resume")
    if state.get("versions") != expected_versions() or state.get("config") != model.cfg.to_dict():
        raise ValueError(f"{path} was written for another network or vocabulary; delete it, or train "
                         "without --resume")
    return state


def _copy_state(model: Adapter) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _atomic_save(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def save_weights(path: Path, model: Adapter, info: dict[str, Any] | None = None) -> None:
    """The adapter's weights (float16: half the size, enough to start a fine-tune from) and config."""
    _atomic_save(path, {"model": {k: v.detach().half() for k, v in model.state_dict().items()},
                        "config": model.cfg.to_dict(), "versions": expected_versions(), "info": info or {}})


def load_weights(path: Path) -> Adapter:
    """Rebuild an adapter from :func:`save_weights`' file.

    :raises ValueError: when it was made for another vocabulary or encoder.
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("versions") != expected_versions():
        raise ValueError(f"{path} was made for {state.get('versions')}, this code uses {expected_versions()}")
    model = Adapter(AdapterConfig(**state["config"]))
    model.load_state_dict({k: v.float() for k, v in state["model"].items()})
    return model.eval()
