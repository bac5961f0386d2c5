"""``kibitz export OUT.pgn [--player NAME]``: every stored game, or one player's, as one PGN file.

Each game carries its clocks (``[%clk]`` after every move that has one) and its opening by position
(``ECO`` and ``Opening`` tags), as :meth:`kibitz.engine.store.Store.export_pgn` writes them. The file
appears whole or not at all (written beside it, then renamed), and a bad path or name is one sentence.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kibitz.engine.store import Store, StoreError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kibitz export", description="Write stored games to a PGN file, with "
                                     "their clocks ([%clk]) and openings (ECO and Opening tags).")
    parser.add_argument("out", type=Path, metavar="OUT.pgn", help="the file to write (replaced if it exists)")
    parser.add_argument("--player", metavar="NAME", help="only this player's games (name or alias)")
    parser.add_argument("--home", type=Path, metavar="DIR", help="store folder (default: $KIBITZ_HOME or the user data dir)")
    return parser


def path_problem(out: Path) -> str | None:
    """Why ``out`` cannot be written, in one sentence, or None."""
    if out.is_dir():
        return f"{out} is a folder; give a file name, such as {out / 'games.pgn'}"
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        return f"the folder {folder} does not exist; create it first or choose another place"
    if not os.access(folder, os.W_OK):
        return f"cannot write into the folder {folder}; choose a folder you can write to"
    return None


def main(argv: list[str] | None = None) -> int:
    """Exit status 0; 1 when nothing could be written (no games, an unusable store or file); 2 for bad arguments."""
    args = _parser().parse_args(argv)
    problem = path_problem(args.out)
    if problem is not None:
        print(f"kibitz export: {problem}", file=sys.stderr)
        return 2
    try:
        with Store.open(args.home) as store:
            if args.player is not None:
                player = store.find_player(args.player)
                if player is None:
                    names = ", ".join(p.name for p in store.players()) or "none yet"
                    print(f"kibitz export: no player is called {args.player!r} (players: {names})", file=sys.stderr)
                    return 2
                ids = [gid for (gid,) in store.query("SELECT id FROM games WHERE white_id = ? OR black_id = ?"
                                                     " ORDER BY date, id", (player.id, player.id))]
                whose = f"{player.name}'s"
            else:
                ids = [gid for (gid,) in store.query("SELECT id FROM games ORDER BY date, id")]
                whose = "stored"
            if not ids:
                print(f"kibitz export: there are no {whose} games; nothing was written", file=sys.stderr)
                return 1
            count = store.export_pgn(ids, args.out)
    except StoreError as error:
        print(f"kibitz export: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"kibitz export: cannot write {args.out} ({error.strerror or error}); nothing was written",
              file=sys.stderr)
        return 1
    print(f"wrote {count:,} {whose} game{'s' if count != 1 else ''} to {args.out}")
    return 0
