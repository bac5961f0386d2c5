"""Pretraining the base model on many players' games (GPU when there is one, CPU otherwise).

nanoGPT-style: one settings dataclass, a checkpoint holding weights, optimizer and progress, a
cosine learning rate over the planned work (epochs, or a wall-clock budget on a lent GPU), and
a checkpoint every few minutes so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from kibitz.training.batches import GameBatcher, masked_logits
from kibitz.training.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from kibitz.training.model import ModelConfig, StepModel
from kibitz.training.progress import Reporter
from kibitz.training.sequences import Positions


@dataclass
class PretrainSettings:
    out: Path
    config: ModelConfig = field(default_factory=ModelConfig)
    epochs: float = 1.0
    time_budget_s: float | None = None
    positions_per_batch: int = 4096
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_fraction: float = 0.03
    checkpoint_every_s: float = 300.0
    slim_checkpoints: bool = False
    resume: bool = False
    init: Path | None = None  # weights to start from (ignored when resuming)
    device: str = "cpu"
    seed: int = 0


def lr_at(fraction: float, settings: PretrainSettings) -> float:
    if fraction < settings.warmup_fraction:
        return settings.lr * max(fraction / settings.warmup_fraction, 0.02)
    progress = (fraction - settings.warmup_fraction) / (1 - settings.warmup_fraction)
    return settings.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def sequence_loss(
    model: StepModel, batcher: GameBatcher, games: np.ndarray, *, amp: bool
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Mean cross-entropy over scored plies (illegal moves masked), top-1 hits, scored count."""
    batch = batcher.batch(games)
    with torch.autocast(batcher.device.type, dtype=torch.bfloat16, enabled=amp):
        z = model.encode(batch.features)
        logits, _ = model.forward_sequence(z, batch.prev_move)
    scored = batch.scored
    logits = masked_logits(logits[scored], batcher.legal_mask(batch.position[scored]))
    target = batch.target[scored]
    loss = F.cross_entropy(logits, target)
    hits = (logits.argmax(-1) == target).sum()
    return loss, hits, int(target.shape[0])


@torch.no_grad()
def validate(model: StepModel, batcher: GameBatcher, games: np.ndarray, *, amp: bool) -> dict[str, float]:
    model.eval()
    total_loss, total_hits, total = 0.0, 0, 0
    for start in range(0, len(games), 64):
        loss, hits, n = sequence_loss(model, batcher, games[start : start + 64], amp=amp)
        total_loss += float(loss) * n
        total_hits += int(hits)
        total += n
    model.train()
    return {"val_nll": total_loss / max(total, 1), "val_top1": total_hits / max(total, 1)}


def pretrain(
    positions: Positions,
    train_games: np.ndarray,
    val_games: np.ndarray,
    settings: PretrainSettings,
    reporter: Reporter,
    info: dict | None = None,
) -> StepModel:
    """Train (or resume) a base model; ``train_games`` may repeat games to weight them."""
    if len(train_games) == 0:
        raise ValueError("no training games left after the filters")
    device = torch.device(settings.device)
    amp = device.type == "cuda"
    torch.manual_seed(settings.seed)
    if amp:
        torch.backends.cudnn.benchmark = False  # batch shapes vary: benchmarking each costs more
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    batcher = GameBatcher(positions, device)
    path = settings.out / CHECKPOINT_NAME
    progress = {"positions": 0, "steps": 0, "elapsed_s": 0.0, "epoch": 0}
    if settings.resume and path.exists():
        model, state = load_checkpoint(path, device)
        progress.update(state["progress"])
        reporter.info(f"resuming from {path}: {progress}")
    elif settings.init is not None:
        model, _ = load_checkpoint(settings.init, device)
        state = {}
        reporter.info(f"starting from the weights in {settings.init}")
    else:
        model = StepModel(settings.config).to(device)
        state = {}
    model = model.to(memory_format=torch.channels_last) if amp else model
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay, fused=amp
    )
    if "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    train_positions = int(batcher.game_lengths[train_games].sum())
    planned = settings.epochs * train_positions
    rng = np.random.default_rng(settings.seed + int(progress["epoch"]))
    reporter.stage("pretrain", int(planned), unit="pos")
    reporter.advance(int(progress["positions"]))
    reported = int(progress["positions"])
    started = time.monotonic() - float(progress["elapsed_s"])
    last_save = time.monotonic()
    fraction = 0.0

    def checkpoint(figures: dict[str, float] | None = None) -> None:
        progress["elapsed_s"] = time.monotonic() - started
        save_checkpoint(path, model, optimizer=None if settings.slim_checkpoints else optimizer,
                        progress=progress,
                        info={**(info or {}), **(figures or {})})

    try:
        while fraction < 1.0:
            for games in batcher.epoch(train_games, settings.positions_per_batch, rng):
                elapsed = time.monotonic() - started
                fraction = progress["positions"] / planned
                if settings.time_budget_s:
                    fraction = max(fraction, elapsed / settings.time_budget_s)
                if fraction >= 1.0:
                    break
                for group in optimizer.param_groups:
                    group["lr"] = lr_at(fraction, settings)
                loss, hits, n = sequence_loss(model, batcher, games, amp=amp)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                progress["positions"] += int(batcher.game_lengths[games].sum())
                progress["steps"] += 1
                if progress["steps"] % 20 == 0:
                    reporter.advance(
                        progress["positions"] - reported,
                        loss=f"{loss.item():.3f}", top1=f"{int(hits) / max(n, 1):.3f}",
                    )
                    reported = progress["positions"]
                if time.monotonic() - last_save > settings.checkpoint_every_s:
                    figures = validate(model, batcher, val_games, amp=amp)
                    reporter.info(f"step {progress['steps']} positions {progress['positions']} {figures}")
                    checkpoint(figures)
                    last_save = time.monotonic()
            else:  # the epoch ran out before the plan did: start another one
                progress["epoch"] += 1
    except KeyboardInterrupt:
        checkpoint()  # Ctrl-C: keep every step taken so far; --resume continues from here
        reporter.close()
        raise
    figures = validate(model, batcher, val_games, amp=amp)
    checkpoint(figures)
    reporter.info(f"finished: {progress} {figures}")
    reporter.close()
    return model
