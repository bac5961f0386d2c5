"""``kibitz-train``: pretrain the base adapter, fine-tune, evaluate, or retrain changed players.

    kibitz-train pretrain --pgn FILE... --out DIR [--positions N] [--resume]
    kibitz-train finetune --player NAME --pgn FILE... [--base DIR] --out DIR
    kibitz-train evaluate --model DIR --player NAME --pgn FILE... [--history FILE...] [--json]
    kibitz-train convert-maia3 --src DIR --out DIR [--dtype fp16|fp32]
    kibitz-train report --player NAME --out report.html   # needs no torch
    kibitz-train keep-outputs [--player NAME ...]   # run the prior over stored games not kept yet; no torch
    kibitz-train [--player NAME ...] [--time-budget S]   # retrain every (named) player whose games changed

Options common to every command (``--progress``, ``--threads``, ``--home``, ``--player``) may be
given before or after the command name.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

EXIT_NO_TORCH = 3


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (threads)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"needs a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"needs at least 1, not {value}")
    return value


def positive_seconds(text: str) -> float:
    """argparse type: a finite number of seconds above 0 (``nan``, ``inf`` and ``-5`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"needs a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"needs a number of seconds above 0, not {text!r}")
    return value


def folder(text: str) -> Path:
    """argparse type: a folder's path; an empty value is refused (it would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a folder, not an empty value")
    return Path(text)


def file_name(text: str) -> Path:
    """argparse type: a file's path; an empty value is refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a file name, not an empty value")
    return Path(text)


def _common(defaults: bool) -> argparse.ArgumentParser:
    """The shared options; a subcommand's copy has no defaults, so it never overrides a value
    given before the subcommand."""
    parser = argparse.ArgumentParser(add_help=False)

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--progress", choices=["bar", "json", "none"], default=default("bar"),
                        help="progress as a terminal bar, JSON lines (for the app) or nothing")
    parser.add_argument("--threads", type=positive_int, default=default(None), help="torch CPU threads")
    parser.add_argument("--home", type=folder, default=default(None),
                        help="app data folder (default: KIBITZ_HOME or the user data dir)")
    return parser


def build_parser() -> argparse.ArgumentParser:
    from kibitz.training.config_defaults import FINETUNE, PLAN, PRETRAIN

    parser = argparse.ArgumentParser(prog="kibitz-train", description=__doc__.splitlines()[0], parents=[_common(True)])
    parser.add_argument("--player", action="append", default=None,
                        help="retrain only this player; repeat for several (default: every changed one)")
    parser.add_argument("--time-budget", type=positive_seconds, default=None,
                        help="seconds of training (per player when fine-tuning) at most; the app bounds learning after a game")
    sub = parser.add_subparsers(dest="command")
    common = _common(False)

    p = sub.add_parser("pretrain", help="train the base adapter on many players' games", parents=[common])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--pgn", nargs="+", type=Path, help="PGN files (.pgn, .gz, .xz, .bz2)")
    source.add_argument("--corpus", type=Path, help="a corpus file written by --save-corpus")
    p.add_argument("--save-corpus", type=Path, help="also write the parsed games as a corpus file")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--positions", type=int, default=PLAN.positions, help="plies to cache and train on")
    p.add_argument("--epochs", type=float, default=PRETRAIN.max_epochs)
    p.add_argument("--lr", type=float, default=PRETRAIN.lr)
    # No default here: a subcommand's default would silently replace a --time-budget given before it.
    p.add_argument("--time-budget", type=positive_seconds, default=argparse.SUPPRESS, help="seconds of training at most")
    p.add_argument("--resume", action="store_true", help="continue the cache and the training in --out")
    p.add_argument("--include-held-out", action="store_true", help="do not leave the evaluation players out")
    p.add_argument("--untrained", action="store_true",
                   help="export the adapter before training (exactly the prior), for a first install")

    f = sub.add_parser("finetune", help="fine-tune a personal adapter from the base", parents=[common])
    f.add_argument("--player", required=True)
    f.add_argument("--pgn", nargs="+", type=Path, required=True)
    f.add_argument("--base", type=Path, help="base model folder (default: the bundled one)")
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--max-epochs", type=float, default=FINETUNE.max_epochs)
    f.add_argument("--lr", type=float, default=FINETUNE.lr)
    f.add_argument("--time-budget", type=positive_seconds, default=argparse.SUPPRESS, help="seconds of training at most")

    e = sub.add_parser("evaluate", help="score a model on a player's games", parents=[common])
    e.add_argument("--model", type=Path, required=True)
    e.add_argument("--player", required=True)
    e.add_argument("--pgn", nargs="+", type=Path, required=True)
    e.add_argument("--history", nargs="+", type=Path, default=[],
                   help="older games of the player: the frequency baseline, and the rating for a base model")
    e.add_argument("--from-ply", type=int, default=0)
    e.add_argument("--json", action="store_true")

    r = sub.add_parser("report", help="write a player's page (models, openings, figures) as one HTML file",
                       parents=[common])
    r.add_argument("--player", required=True)
    r.add_argument("--out", type=file_name, required=True)

    c3 = sub.add_parser("convert-maia3", help="convert the published Maia-3 graph to the app's batched one",
                        parents=[common])
    c3.add_argument("--src", type=Path, required=True, help="folder with maia3-5m.onnx(.data) and LICENSE")
    c3.add_argument("--out", type=Path, required=True)
    c3.add_argument("--dtype", choices=("fp16", "fp32"), default="fp16")
    c3.add_argument("--data", type=Path, help="games to check it on (default: data/ beside --src)")
    return parser


def _fail(progress: str, message: str) -> None:
    if progress == "json":
        print(json.dumps({"event": "finished", "ok": False, "message": message}), flush=True)
    else:
        print(message, file=sys.stderr)


def report_main(argv: list[str]) -> int:
    """``kibitz-train report``: only the store and the served models, so it runs without torch."""
    parser = argparse.ArgumentParser(prog="kibitz-train report", parents=[_common(True)])
    parser.add_argument("report")
    parser.add_argument("--player", required=True)
    parser.add_argument("--out", type=file_name, required=True)
    args = parser.parse_args(argv)
    from kibitz.engine.report import write_report
    from kibitz.engine.store import Store, StoreError

    try:
        with Store.open(args.home) as store:
            player = store.find_player(args.player)
            if player is None:
                _fail(args.progress, f"kibitz-train: no player named {args.player!r} in {store.path}")
                return 2
            profile = write_report(store, player, args.out)
    except StoreError as error:
        _fail(args.progress, f"kibitz-train: {error}")
        return 1
    except ValueError as error:
        _fail(args.progress, f"kibitz-train: {error}")
        return 2
    print(f"{args.out}: {player.name}, {profile.games} games, {len(profile.versions)} model versions")
    return 0


def _command(argv: list[str]) -> str | None:
    """The subcommand's name, skipping the shared options (and their values) before it."""
    valued = {"--progress", "--threads", "--home", "--player", "--time-budget"}
    tokens = iter(argv)
    for token in tokens:
        if token in valued:
            next(tokens, None)
        elif not token.startswith("-"):
            return token
    return None


def keep_outputs_main(argv: list[str]) -> int:
    """``kibitz-train keep-outputs``: what the app does in the background after a game or an import
    (engine.prior_outputs.upkeep), for every player or the named ones; needs no torch."""
    parser = argparse.ArgumentParser(prog="kibitz-train keep-outputs", parents=[_common(True)])
    parser.add_argument("keep_outputs")
    parser.add_argument("--player", action="append", default=None, help="only this player; repeat for several")
    args = parser.parse_args(argv)
    from kibitz.engine.prior_outputs import KeptOutputs, upkeep
    from kibitz.engine.priors import PriorError, PriorSession
    from kibitz.engine.store import Store, StoreError

    def report(done: int, total: int) -> None:
        if args.progress == "bar":
            print(f"\r{done}/{total} games", end="", file=sys.stderr, flush=True)

    try:
        with Store.open(args.home) as store:
            ids = None
            if args.player:
                players = [store.find_player(name) for name in args.player]
                unknown = [name for name, player in zip(args.player, players) if player is None]
                if unknown:
                    _fail(args.progress, f"kibitz-train: no player named {unknown[0]!r} in {store.path}")
                    return 2
                ids = [p.id for p in players if p is not None]
            session = PriorSession(threads=args.threads or 1, remember=0)
            computed = upkeep(store, ids, session=session, progress=report)
            rows, size = KeptOutputs(store).stats()
    except (StoreError, PriorError) as error:
        _fail(args.progress, f"kibitz-train: {error}")
        return 1
    if args.progress == "bar":
        print(file=sys.stderr)
    message = f"{computed} games run through the prior; {rows} kept ({size / 2**20:.1f} MB)"
    print(json.dumps({"event": "finished", "ok": True, "message": message}) if args.progress == "json" else message)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if _command(argv) == "report":
        return report_main(argv)
    if _command(argv) == "keep-outputs":
        return keep_outputs_main(argv)
    try:
        import torch
    except ImportError:
        from kibitz.engine.words import TRAINING_INSTALL_HINT

        if _command(argv) is None and {"-h", "--help"} & set(argv):
            # The parser needs torch (the defaults live beside the training code): the commands in words.
            print(f"{__doc__}\n{TRAINING_INSTALL_HINT}; `report` works without it.")
            return 0
        progress = "json" if "json" in argv else "bar"
        _fail(progress, f"{TRAINING_INSTALL_HINT}.")
        return EXIT_NO_TORCH
    args = build_parser().parse_args(argv)
    from kibitz.engine.store import StoreError, name_key
    from kibitz.training import commands

    # The subcommands take one --player; retraining may be given several.
    names = args.player if isinstance(args.player, list) else [] if args.player is None else [args.player]
    for name in names:
        if not name_key(name):
            _fail(args.progress, f"kibitz-train: --player needs a name, not {name!r}")
            return 2

    if args.threads:
        torch.set_num_threads(args.threads)
    handler = {
        "pretrain": commands.pretrain_command,
        "finetune": commands.finetune_command,
        "evaluate": commands.evaluate_command,
        "convert-maia3": commands.convert_maia3_command,
        None: commands.retrain_command,
    }[args.command]
    started = time.monotonic()
    try:
        return handler(args)
    except (ValueError, FileNotFoundError, LookupError) as error:
        _fail(args.progress, f"kibitz-train: {error}")
        return 2
    except StoreError as error:  # damaged, newer, unwritable store: the app still hears "finished"
        _fail(args.progress, f"kibitz-train: {error}")
        return 1
    except KeyboardInterrupt:
        print(f"interrupted after {time.monotonic() - started:.0f} s; the last checkpoint is kept "
              "(run again with --resume to continue)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
