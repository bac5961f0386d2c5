"""The work behind each ``kibitz-train`` subcommand (argument parsing lives in cli.py)."""

from __future__ import annotations

import argparse
import os
import time

import torch

from kibitz.training.base_data import parse_weights, select_games
from kibitz.training.checkpoint import WEIGHTS_FILE, save_checkpoint
from kibitz.training.corpus import Corpus, build_corpus
from kibitz.training.model import ModelConfig
from kibitz.training.pretrain import PretrainSettings, pretrain
from kibitz.training.progress import Reporter
from kibitz.training.sequences import encode_games
from kibitz.training.splits import HELD_OUT_PLAYERS


def _device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def _load_corpus(args: argparse.Namespace, reporter: Reporter) -> Corpus:
    if getattr(args, "corpus", None):
        return Corpus.load(args.corpus)
    reporter.info(f"reading {len(args.pgn)} PGN file(s)")
    corpus = build_corpus(args.pgn, workers=min(len(args.pgn), os.cpu_count() or 1))
    if getattr(args, "save_corpus", None):
        corpus.save(args.save_corpus)
    return corpus


def pretrain_command(args: argparse.Namespace) -> int:
    reporter = Reporter(args.progress)
    corpus = _load_corpus(args, reporter)
    excluded = list(args.exclude_player)
    if args.exclude_held_out:
        excluded += [name for names in HELD_OUT_PLAYERS.values() for name in names]
    chosen, train, val = select_games(
        corpus, exclude_players=excluded, weights=parse_weights(args.weight),
        include_players=args.include_player,
    )
    started = time.monotonic()
    positions = encode_games(corpus.games(chosen), workers=args.workers)
    reporter.info(
        f"{len(chosen)} games, {positions.num_positions} positions encoded in "
        f"{time.monotonic() - started:.0f} s; {len(train)} training games with repeats, "
        f"{len(val)} validation games"
    )
    settings = PretrainSettings(
        out=args.out,
        config=ModelConfig(channels=args.channels, blocks=args.blocks, embed=args.embed, hidden=args.hidden),
        epochs=args.epochs,
        time_budget_s=args.time_budget,
        positions_per_batch=args.batch_positions,
        lr=args.lr,
        resume=args.resume,
        init=args.init / WEIGHTS_FILE if args.init else None,
        device=_device(args.device),
        checkpoint_every_s=args.checkpoint_every,
        slim_checkpoints=args.slim_checkpoints,
    )
    info = {
        "kind": "base",
        "games": int(len(chosen)),
        "positions": int(positions.num_positions),
        "excluded_players": excluded,
        "weights": args.weight,
        "sources": sorted({str(s) for s in corpus.source[chosen]}),
        "filters": "all plies of every game, both colours; games longer than 400 plies cut",
        "included_players": args.include_player,
        "initialised_from": str(args.init) if args.init else None,
    }
    model = pretrain(positions, train, val, settings, reporter, info=info)
    if args.no_export:
        save_checkpoint(args.out / WEIGHTS_FILE, model.float().cpu(), info=info)
    else:  # the export writes the weights beside the ONNX file
        from kibitz.training.export import export_model

        export_model(model, args.out, player=None, games_trained=len(chosen), info=info,
                     parity_games=corpus.games(chosen[val[:3]]))
    reporter.finished(True, f"base model written to {args.out}")
    return 0


def finetune_command(args: argparse.Namespace) -> int:
    from kibitz.training.personal import finetune_from_files

    return finetune_from_files(args)


def evaluate_command(args: argparse.Namespace) -> int:
    from kibitz.training.evaluate import evaluate_from_files

    return evaluate_from_files(args)


def retrain_command(args: argparse.Namespace) -> int:
    from kibitz.training.personal import retrain_changed

    return retrain_changed(args)
