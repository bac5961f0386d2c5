"""``kibitz-train``: pretrain the base model, fine-tune, evaluate, or retrain changed players.

    kibitz-train pretrain --pgn FILE... --out DIR [--epochs N] [--resume]
    kibitz-train finetune --player NAME --pgn FILE... [--base DIR] --out DIR
    kibitz-train evaluate --model DIR --player NAME --pgn FILE... [--json]
    kibitz-train                      # retrain every player whose games changed
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

EXIT_NO_TORCH = 3


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress", choices=["bar", "json", "none"], default="bar",
                        help="progress as a terminal bar, JSON lines (for the app) or nothing")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kibitz-train", description=__doc__.splitlines()[0])
    _add_common(parser)
    parser.add_argument("--player", help="retrain only this player (default: every changed one)")
    parser.add_argument("--home", type=Path, help="app data folder (default: KIBITZ_HOME or the user data dir)")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("pretrain", help="train the base model on many players' games")
    _add_common(p)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--pgn", nargs="+", type=Path, help="PGN files (.pgn, .gz, .xz, .bz2)")
    source.add_argument("--corpus", type=Path, help="a corpus file written by --save-corpus")
    p.add_argument("--save-corpus", type=Path, help="also write the parsed games as a corpus file")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--time-budget", type=float, help="stop after this many seconds of training")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--init", type=Path,
                   help="start from this model folder's weights (e.g. adapt the base to some players)")
    p.add_argument("--include-player", action="append", default=[],
                   help="train only on games of these players (repeatable; default: everyone)")
    p.add_argument("--exclude-player", action="append", default=[],
                   help="leave this player's games out (repeatable)")
    p.add_argument("--exclude-held-out", action="store_true",
                   help="leave out the evaluation players of training/splits.py")
    p.add_argument("--weight", action="append", default=[],
                   help="FILE_GLOB=N: repeat games from matching files N times")
    p.add_argument("--channels", type=int, default=64)
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--embed", type=int, default=256)
    p.add_argument("--batch-positions", type=int, default=4096)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--device", default="auto")
    p.add_argument("--workers", type=int, default=None, help="processes for encoding games")
    p.add_argument("--no-export", action="store_true", help="write the checkpoint only")
    p.add_argument("--checkpoint-every", type=float, default=300.0, help="seconds between checkpoints")
    p.add_argument("--slim-checkpoints", action="store_true",
                   help="leave the optimizer out of checkpoints (small files; resume restarts Adam)")

    f = sub.add_parser("finetune", help="fine-tune a personal model from the base")
    _add_common(f)
    f.add_argument("--player", required=True)
    f.add_argument("--pgn", nargs="+", type=Path, required=True)
    f.add_argument("--base", type=Path, help="base model folder (default: the bundled one)")
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--home", type=Path)
    f.add_argument("--max-epochs", type=int, default=12)
    f.add_argument("--lr", type=float, default=None)

    e = sub.add_parser("evaluate", help="score a model on a player's games")
    _add_common(e)
    e.add_argument("--model", type=Path, required=True)
    e.add_argument("--player", required=True)
    e.add_argument("--pgn", nargs="+", type=Path, required=True)
    e.add_argument("--history", nargs="+", type=Path, default=[],
                   help="other games of the player, for the frequency baseline")
    e.add_argument("--from-ply", type=int, default=0)
    e.add_argument("--home", type=Path)
    e.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        message = "training needs torch: install the training extra with  pip install 'kibitz[train]'"
        if args.progress == "json":
            print(json.dumps({"event": "finished", "ok": False, "message": message}), flush=True)
        else:
            print(message, file=sys.stderr)
        return EXIT_NO_TORCH
    from kibitz.training import commands

    if args.threads:
        torch.set_num_threads(args.threads)
    handler = {
        "pretrain": commands.pretrain_command,
        "finetune": commands.finetune_command,
        "evaluate": commands.evaluate_command,
        None: commands.retrain_command,
    }[args.command]
    started = time.monotonic()
    try:
        return handler(args)
    except (ValueError, FileNotFoundError, LookupError) as error:
        message = f"kibitz-train: {error}"
        if args.progress == "json":
            print(json.dumps({"event": "finished", "ok": False, "message": message}), flush=True)
        else:
            print(message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted after {time.monotonic() - started:.0f} s; the last checkpoint is kept "
              "(run again with --resume to continue)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
