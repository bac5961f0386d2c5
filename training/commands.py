"""The work behind each ``kibitz-train`` subcommand (argument parsing lives in cli.py)."""

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
    settings = dataclasses.replace(PRETRAIN, max_epochs=args.epochs, lr=args.lr, time_budget_s=args.time_budget)
    pretrain(corpus, args.out, plan, settings, reporter, resume=args.resume)
    reporter.finished(True, f"base adapter written to {args.out}")
    return 0


def finetune_command(args: argparse.Namespace) -> int:
    from kibitz.training.personal import finetune_from_files

    return finetune_from_files(args)


def evaluate_command(args: argparse.Namespace) -> int:
    from kibitz.training.evaluate import evaluate_from_files

    return evaluate_from_files(args)


def convert_maia_command(args: argparse.Namespace) -> int:
    from kibitz.training.maia_export import convert_all

    convert_all(args.src, args.out)
    Reporter(args.progress).finished(True, f"Maia-1 priors written to {args.out}")
    return 0


def convert_maia3_command(args: argparse.Namespace) -> int:
    from kibitz.training.maia3_export import convert

    record = convert(args.src, args.out, dtype=args.dtype, data=args.data)
    Reporter(args.progress).finished(
        True, f"Maia-3 prior written to {args.out} ({record['output']['dtype']}, agrees with the published "
              f"graph within {record['parity']['max_abs_difference']:.1e} on {record['parity']['positions']} positions)")
    return 0


def retrain_command(args: argparse.Namespace) -> int:
    from kibitz.training.personal import retrain_changed

    return retrain_changed(args)
