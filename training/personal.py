"""Personal models: fine-tune the base on one player's games, install only if it is better.

The board encoder is frozen and its output cached once for the player's positions (the expensive
part of the network runs once, not every epoch); the previous-move embedding, the GRU and the
policy head are trained on the player's own moves, with the opponent's moves still flowing
through the GRU as context. The newest ~10% of the player's games are validation: training stops
when their NLL stops improving, and the model is installed only when it beats the base model there.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import chess
import numpy as np
import torch
import torch.nn.functional as F

from kibitz.engine.models import base_model_dir, player_model_dir
from kibitz.training.batches import GameBatcher, masked_logits
from kibitz.training.checkpoint import WEIGHTS_FILE, load_checkpoint
from kibitz.training.export import export_model
from kibitz.training.model import StepModel
from kibitz.training.player_games import PlayerGame, player_games_from_files, player_games_from_store
from kibitz.training.progress import Reporter
from kibitz.training.sequences import Positions, encode_games

MIN_GAMES = 20  # below this a validation set says nothing


@dataclass
class FinetuneSettings:
    lr: float = 1e-4
    max_epochs: int = 12
    patience: int = 2
    positions_per_batch: int = 4096
    validation_fraction: float = 0.1
    time_budget_s: float = 240.0


@dataclass
class FinetuneResult:
    model: StepModel
    base_val_nll: float
    val_nll: float
    base_val_top1: float
    val_top1: float
    epochs: int
    train_games: int
    val_games: int
    seconds: float
    positions: int = 0

    @property
    def improved(self) -> bool:
        return self.val_nll < self.base_val_nll


def _scored_mask(positions: Positions, colours: list[chess.Color]) -> np.ndarray:
    """True on the plies the player made."""
    mask = np.zeros(positions.num_positions, dtype=bool)
    for g, colour in enumerate(colours):
        lo, hi = positions.game_offsets[g], positions.game_offsets[g + 1]
        mask[lo:hi] = positions.white_to_move[lo:hi] == (colour == chess.WHITE)
    return mask


@torch.no_grad()
def _cache_encoder(model: StepModel, positions: Positions) -> torch.Tensor:
    """z for every position, computed once (bfloat16 matmuls on CPUs that have them: ~4x faster)."""
    model.eval()
    out = torch.empty(positions.num_positions, model.cfg.embed)
    fast = torch.backends.mkldnn.is_available() and "AVX512" in torch.backends.cpu.get_cpu_capability()
    for start in range(0, positions.num_positions, 2048):
        x = torch.from_numpy(positions.features[start : start + 2048])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=fast):
            out[start : start + 2048] = model.encoder(x).float()
    return out


def _loss(model: StepModel, z_cache: torch.Tensor, batcher: GameBatcher, games: np.ndarray):
    batch = batcher.batch(games)
    z = z_cache[batch.position.clamp(min=0)]
    x = torch.cat([z, model.prev_move(batch.prev_move)], dim=-1)
    out, _ = model.gru(x)
    scored = batch.scored
    logits = model.head(torch.cat([z[scored], out[scored]], dim=-1))
    logits = masked_logits(logits, batcher.legal_mask(batch.position[scored]))
    target = batch.target[scored]
    return F.cross_entropy(logits, target, reduction="sum"), (logits.argmax(-1) == target).sum(), len(target)


@torch.no_grad()
def _validate(model: StepModel, z_cache, batcher, games: np.ndarray) -> tuple[float, float]:
    model.eval()
    loss_sum, hits, n = 0.0, 0, 0
    for start in range(0, len(games), 64):
        loss, h, count = _loss(model, z_cache, batcher, games[start : start + 64])
        loss_sum, hits, n = loss_sum + float(loss), hits + int(h), n + count
    return loss_sum / max(n, 1), hits / max(n, 1)


def finetune(
    base: StepModel, games: list[PlayerGame], settings: FinetuneSettings, reporter: Reporter, *, player: str
) -> FinetuneResult:
    """Fine-tune a copy of ``base`` on ``games`` (oldest first); the newest part validates."""
    started = time.monotonic()
    if len(games) < MIN_GAMES:
        raise ValueError(f"{player} has {len(games)} games; a personal model needs at least {MIN_GAMES}")
    model = StepModel(base.cfg)
    model.load_state_dict(base.state_dict())
    positions = encode_games([g for g, _, _ in games], workers=2)
    scored = _scored_mask(positions, [c for _, c, _ in games])
    batcher = GameBatcher(positions, torch.device("cpu"), scored=scored)
    n_val = max(1, round(len(games) * settings.validation_fraction))
    train_games = np.arange(len(games) - n_val)
    val_games = np.arange(len(games) - n_val, len(games))
    reporter.info(f"{player}: {len(train_games)} training games, {n_val} validation games, "
                  f"{positions.num_positions:,} positions")
    z_cache = _cache_encoder(model, positions)
    for p in model.encoder.parameters():
        p.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.lr, weight_decay=0.0)
    base_nll, base_top1 = _validate(model, z_cache, batcher, val_games)
    best_nll, best_top1, best_state, bad_epochs, epochs = base_nll, base_top1, None, 0, 0
    rng = np.random.default_rng(0)
    reporter.stage("finetune", settings.max_epochs, player=player, unit="epoch")
    for epoch in range(settings.max_epochs):
        model.train()
        model.encoder.eval()  # frozen, and its batch-norm statistics too
        for games_batch in batcher.epoch(train_games, settings.positions_per_batch, rng):
            loss, _, n = _loss(model, z_cache, batcher, games_batch)
            optimizer.zero_grad(set_to_none=True)
            (loss / max(n, 1)).backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
        epochs = epoch + 1
        val_nll, val_top1 = _validate(model, z_cache, batcher, val_games)
        reporter.advance(1, val_nll=f"{val_nll:.4f}", val_top1=f"{val_top1:.3f}", base_nll=f"{base_nll:.4f}")
        if val_nll < best_nll - 1e-4:
            best_nll, best_top1, bad_epochs = val_nll, val_top1, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
        if bad_epochs >= settings.patience or time.monotonic() - started > settings.time_budget_s:
            break
    reporter.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return FinetuneResult(model.eval(), base_nll, best_nll, base_top1, best_top1, epochs,
                          len(train_games), n_val, time.monotonic() - started, positions.num_positions)


def load_base(folder: Path | None) -> StepModel:
    folder = folder or base_model_dir()
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no base model checkpoint at {path}")
    model, _ = load_checkpoint(path)
    return model


def export_personal(result: FinetuneResult, games: list[PlayerGame], out: Path, player: str) -> None:
    figures = {
        "validation_nll": result.val_nll, "validation_top1": result.val_top1,
        "base_validation_nll": result.base_val_nll, "base_validation_top1": result.base_val_top1,
    }
    info = {"kind": "personal", "epochs": result.epochs, "train_games": result.train_games,
            "validation_games": result.val_games, "seconds": round(result.seconds, 1),
            "positions": result.positions,
            "method": "encoder frozen; GRU, previous-move embedding and head fine-tuned on the player's moves",
            "filters": "every ply of the player's games; opponent plies as context only"}
    export_model(result.model, out, player=player, games_trained=result.train_games + result.val_games,
                 parity_games=[g for g, _, _ in games[-3:]], info=info, evaluation=figures)


def _describe(result: FinetuneResult, player: str) -> str:
    return (f"{player}: validation NLL {result.base_val_nll:.3f} -> {result.val_nll:.3f}, top-1 "
            f"{result.base_val_top1:.1%} -> {result.val_top1:.1%} ({result.epochs} epochs, {result.seconds:.0f} s)")


def finetune_from_files(args: argparse.Namespace) -> int:
    reporter = Reporter(args.progress)
    games = player_games_from_files(args.player, args.pgn, home=args.home)
    settings = FinetuneSettings(max_epochs=args.max_epochs, **({"lr": args.lr} if args.lr else {}))
    result = finetune(load_base(args.base), games, settings, reporter, player=args.player)
    export_personal(result, games, args.out, args.player)
    verdict = "beats" if result.improved else "does NOT beat"
    reporter.finished(True, f"{_describe(result, args.player)}; it {verdict} the base model; written to {args.out}")
    return 0


def retrain_changed(args: argparse.Namespace) -> int:
    """Retrain every player (or ``--player``) whose games changed since their last model."""
    from kibitz.engine.store import Store

    reporter = Reporter(args.progress)
    base = load_base(None)
    with Store.open(args.home) as store:
        if args.player:
            player = store.find_player(args.player)
            if player is None:
                raise LookupError(f"no player named {args.player!r} in {store.path}")
            players = [player]
        else:
            players = store.players()
        todo = []
        for player in players:
            record = store.latest_model(player.id)
            changed = store.game_count(player.id) if record is None else store.games_changed_since(player.id, record.created_at)
            if changed or args.player:
                todo.append(player)
        if not todo:
            reporter.finished(True, "every player's model is up to date; nothing to retrain")
            return 0
        done = []
        for player in todo:
            games = player_games_from_store(store, player.id)
            if len(games) < MIN_GAMES:
                reporter.model(player.name, False, f"{player.name}: {len(games)} games, fewer than "
                               f"{MIN_GAMES}; keeps the base model")
                continue
            result = finetune(base, games, FinetuneSettings(), reporter, player=player.name)
            folder = player_model_dir(store.home, player.id)
            if result.improved:
                export_personal(result, games, folder, player.name)
                store.record_model(player.id, folder, len(games), {"installed": True})
                message = f"{_describe(result, player.name)}: installed"
            else:
                store.record_model(player.id, folder, len(games), {
                    "installed": False,
                    "reason": f"a personal model trained on {len(games)} games did not beat the base model"})
                message = f"{_describe(result, player.name)}: not better than the base model, which it keeps"
            reporter.model(player.name, result.improved, message)
            done.append(player.name)
    reporter.finished(True, f"retrained {len(done)} player(s): {', '.join(done) or 'none'}")
    return 0
