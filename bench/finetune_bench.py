"""Wall time of fine-tuning one player on 1,000 games on this machine's CPU cores.

Beside it, in the same run: the time just to replay and encode those games (the floor any
method pays) and the time of one epoch through the whole network, encoder included, which is
what caching the frozen encoder's output avoids. Goal: <= 60 s on 2 cores.

    python bench/finetune_bench.py [--player jowen93] [--games 1000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from kibitz.training.batches import GameBatcher
from kibitz.training.personal import FinetuneSettings, finetune, load_base
from kibitz.training.player_games import player_games_from_files
from kibitz.training.pretrain import sequence_loss
from kibitz.training.progress import Reporter
from kibitz.training.sequences import encode_games

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "online"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--player", default="jowen93")
    parser.add_argument("--games", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(2)
    games = player_games_from_files(args.player, [DATA / f"{args.player}.pgn.xz"])[: args.games]
    base = load_base(None)

    t = time.monotonic()
    positions = encode_games([g for g, _, _ in games], workers=2)
    encode_s = time.monotonic() - t

    t = time.monotonic()
    result = finetune(base, games, FinetuneSettings(), Reporter("none"), player=args.player)
    finetune_s = time.monotonic() - t

    batcher = GameBatcher(positions, torch.device("cpu"))
    optimizer = torch.optim.AdamW(base.parameters(), lr=1e-5)
    t = time.monotonic()
    for batch in batcher.epoch(np.arange(len(games)), 4096, np.random.default_rng(0)):
        loss, _, _ = sequence_loss(base, batcher, batch, amp=False)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    full_epoch_s = time.monotonic() - t

    print(f"{args.player}: {len(games)} games, {positions.num_positions:,} positions, {torch.get_num_threads()} threads")
    print(f"  replay + encode the games only           {encode_s:7.1f} s")
    print(f"  one epoch through the whole network      {full_epoch_s:7.1f} s")
    print(f"  fine-tune, encoder frozen and cached     {finetune_s:7.1f} s  "
          f"({result.epochs} epochs, early stopping on the newest {result.val_games} games)")
    print(f"  validation NLL {result.base_val_nll:.3f} -> {result.val_nll:.3f}, "
          f"top-1 {result.base_val_top1:.1%} -> {result.val_top1:.1%}")


if __name__ == "__main__":
    main()
