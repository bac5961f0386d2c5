"""The work behind each ``kibitz-train`` subcommand (argument parsing lives in cli.py).

The parsed arguments stop here: the library functions are given plain values, their defaults
from :mod:`kibitz.training.config_defaults` (a value given on the command line always wins).
"""

from __future__ import annotations

import argparse
import dataclasses
import os

from kibitz.training.corpus import Corpus, build_corpus
from kibitz.training.progress import Reporter


def _load_corpus(args: argparse.Namespace, reporter: Reporter) -> Corpus:
    if args.corpus:
        return Corpus.load(args.corpus)
    reporter.info(f"reading {len(args.pgn)} PGN file(s)")
    corpus = build_corpus(args.pgn, workers=min(len(args.pgn), os.cpu_count() or 1))
    if args.save_corpus:
        corpus.save(args.save_corpus)
    return corpus


def pretrain_command(args: argparse.Namespace) -> int:
    from kibitz.training.config_defaults import PLAN, PRETRAIN
    from kibitz.training.pretrain import export_untrained, pretrain, select_games

    reporter = Reporter(args.progress)
    corpus = _load_corpus(args, reporter)
    plan = dataclasses.replace(PLAN, positions=args.positions,
                               **({"exclude_players": ()} if args.include_held_out else {}))
    if args.untrained:
        chosen = select_games(corpus, plan)[:3]
        export_untrained(args.out, corpus.games(chosen))
        reporter.finished(True, f"untrained base adapter (exactly the prior) written to {args.out}")
        return 0
    settings = dataclasses.replace(PRETRAIN, max_epochs=args.epochs, lr=args.lr,
                                   time_budget_s=args.time_budget if args.time_budget is not None else PRETRAIN.time_budget_s)
    pretrain(corpus, args.out, plan, settings, reporter, resume=args.resume)
    reporter.finished(True, f"base adapter written to {args.out}")
    return 0


def finetune_command(args: argparse.Namespace) -> int:
    from kibitz.training.config_defaults import FINETUNE
    from kibitz.training.personal import finetune_from_files

    settings = dataclasses.replace(FINETUNE, lr=args.lr, max_epochs=args.max_epochs, threads=args.threads or FINETUNE.threads,
                                   time_budget_s=args.time_budget if args.time_budget is not None else FINETUNE.time_budget_s)
    return finetune_from_files(args.player, args.pgn, args.out, home=args.home, base=args.base, settings=settings,
                               progress=args.progress)


def evaluate_command(args: argparse.Namespace) -> int:
    from kibitz.training.evaluate import evaluate_from_files

    return evaluate_from_files(args.model, args.player, args.pgn, history=args.history, home=args.home,
                               from_ply=args.from_ply, as_json=args.json)


def convert_maia3_command(args: argparse.Namespace) -> int:
    from kibitz.training.maia3_export import convert

    record = convert(args.src, args.out, dtype=args.dtype, data=args.data)
    Reporter(args.progress).finished(
        True, f"Maia-3 prior written to {args.out} ({record['output']['dtype']}, agrees with the published "
              f"graph within {record['parity']['max_abs_difference']:.1e} on {record['parity']['positions']} positions)")
    return 0


def retrain_command(args: argparse.Namespace) -> int:
    from kibitz.training.personal import retrain_changed

    names = [args.player] if isinstance(args.player, str) else args.player
    return retrain_changed(args.home, names, progress=args.progress, time_budget_s=args.time_budget)
