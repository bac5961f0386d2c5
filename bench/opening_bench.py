"""What naming openings (engine/eco.py) costs an import: ``kibitz import``'s ``import_files`` of the same file
with the naming and, as the baseline in the same run, with it switched off (then with it again, to see
the machine's noise).

    python bench/opening_bench.py                    # the first 5,000 master games of shared/data
    python bench/opening_bench.py FILE.pgn.xz --games 20000

Each import goes into a fresh store; the games are cut from the file once, before any timing.
"""

from __future__ import annotations

import argparse
import itertools
import lzma
import tempfile
import time
from pathlib import Path

from kibitz.engine import eco
from kibitz.engine import store as store_module
from kibitz.engine.importer import import_files
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.store import Store

DATA = next((folder / "shared" / "data" for folder in Path(__file__).resolve().parents
             if (folder / "shared" / "data").is_dir()), Path("shared") / "data")


def first_games(source: Path, count: int, out: Path) -> None:
    """The first ``count`` games of ``source`` as a plain PGN file."""
    with lzma.open(source, "rt", encoding="utf-8") if source.suffix == ".xz" else open(source, encoding="utf-8") \
            as handle, open(out, "w", encoding="utf-8") as sink:
        games = 0
        for line in handle:
            if line.startswith("[Event "):
                games += 1
                if games > count:
                    break
            sink.write(line)


def timed_import(path: Path) -> float:
    with tempfile.TemporaryDirectory() as home, Store.open(Path(home)) as store:
        started = time.perf_counter()
        import_files(store, [path])
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DATA / "masters.pgn.xz")
    parser.add_argument("--games", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        pgn = Path(folder) / "games.pgn"
        first_games(args.file, args.games, pgn)
        games = [g for g in itertools.islice(read_games(pgn), args.games) if isinstance(g, PgnGame)]
        eco.table()  # loaded once, outside every timing
        started = time.perf_counter()
        named = sum(eco.classify(g.moves, g.fen) is not None for g in games)
        naming = time.perf_counter() - started
        with_names = timed_import(pgn)
        real = store_module.eco.classify
        store_module.eco.classify = lambda moves, fen=None: None  # the baseline: no naming
        try:
            without = timed_import(pgn)
        finally:
            store_module.eco.classify = real
        again = timed_import(pgn)
    print(f"{len(games):,} games from {args.file.name}: {named:,} named ({named / len(games):.1%}); "
          f"naming alone {naming:.2f} s ({naming / len(games) * 1000:.2f} ms a game)")
    print(f"import with names {with_names:.1f} s, without (baseline) {without:.1f} s, with names again {again:.1f} s")


if __name__ == "__main__":
    main()
