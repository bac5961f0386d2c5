"""Import throughput: ``kibitz import`` into a fresh store against a plain ``chess.pgn.read_game`` loop.

Both read the same file in the same run, so the two figures are comparable on this machine:

    python bench/import_bench.py [FILE.pgn.xz ...] [--workers N]

The plain loop is the baseline any importer has to beat: it only parses (building python-chess's
game tree), stores nothing and uses one core.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import lzma
import tempfile
import time
from pathlib import Path
from typing import IO

import chess.pgn

from kibitz.engine import importer

DEFAULT_FILES = [Path(__file__).resolve().parents[2] / "shared" / "data" / "online" / name
                 for name in ("jowen93.pgn.xz", "Saubhi65.pgn.xz")]


def _open_text(path: Path) -> IO[str]:
    opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    return opener(path, "rt", encoding="utf-8-sig", errors="replace")  # type: ignore[no-any-return]


def plain_loop(path: Path) -> tuple[int, float]:
    """Games read and seconds taken by a bare ``read_game`` loop."""
    started = time.perf_counter()
    count = 0
    with _open_text(path) as handle:
        while chess.pgn.read_game(handle) is not None:
            count += 1
    return count, time.perf_counter() - started


def kibitz_import(path: Path, workers: int | None) -> tuple[int, float]:
    """Games imported and seconds taken by ``kibitz import`` into a fresh, empty store."""
    with tempfile.TemporaryDirectory() as home:
        argv = [str(path), "--home", home, "--quiet"]
        if workers is not None:
            argv += ["--workers", str(workers)]
        started = time.perf_counter()
        status = importer.main(argv)
        elapsed = time.perf_counter() - started
        from kibitz.engine.store import Store

        with Store.open(Path(home)) as store:
            count = len(store.game_ids())
    if status != 0:
        raise SystemExit(f"kibitz import failed with status {status}")
    return count, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    rows = []
    for path in args.files:
        base_games, base_s = plain_loop(path)
        games, seconds = kibitz_import(path, args.workers)
        rows.append((path.name, base_games, base_games / base_s, games, seconds, games / seconds))
    print(f"\n{'file':24} {'read_game loop':>22} {'kibitz import':>28} {'ratio':>7}")
    for name, base_games, base_rate, games, seconds, rate in rows:
        print(f"{name:24} {base_games:6d} games {base_rate:7.0f}/s   {games:6d} games {seconds:6.1f} s "
              f"{rate:6.0f}/s {rate / base_rate:6.2f}x")


if __name__ == "__main__":
    main()
