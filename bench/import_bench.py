"""Import throughput and peak memory: ``kibitz import`` into a fresh store against a plain python-chess loop.

Both read the same file in the same run, each in a process of its own, so the figures are comparable
on this machine and each peak memory is that reader's alone:

    python bench/import_bench.py                      # a ~300 MB file made from a real one
    python bench/import_bench.py --size-mb 50         # smaller
    python bench/import_bench.py FILE.pgn.xz ... [--workers N]
    python bench/import_bench.py --comment-mb 64 --size-mb 0   # only the file with one 64 MB comment line

The generated file repeats a real export (Saubhi65's 8,798 chess.com games) with the Site tag made
unique per copy, so every game is new to the store. Memory that stays flat on a 300 MB file is the
proof that reading streams. A second generated file holds one game whose comment is a single line
of ``--comment-mb`` MB (64 by default) between real games: reading it must take time in proportion to
its size (it once took a minute, quadratic in the line's length). The plain loop is the baseline any importer has to beat: it only parses
(building python-chess's game tree), stores nothing and uses one core.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import lzma
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import chess.pgn

# The dev corpus sits in shared/data beside the checkout (or beside the folder holding worktrees).
DATA = next((folder / "shared" / "data" for folder in Path(__file__).resolve().parents
             if (folder / "shared" / "data").is_dir()), Path("shared") / "data")
DEFAULT_SOURCE = DATA / "online" / "Saubhi65.pgn.xz"


def _open_text(path: Path) -> IO[str]:
    opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    return opener(path, "rt", encoding="utf-8-sig", errors="replace")  # type: ignore[no-any-return]


def make_big_file(source: Path, folder: Path, size_mb: int) -> Path:
    """A plain PGN file of about ``size_mb`` MB: ``source`` repeated, each copy's games made distinct."""
    text = lzma.open(source).read() if source.suffix == ".xz" else source.read_bytes()
    path = folder / f"{source.name.split('.')[0]}-x{size_mb}MB.pgn"
    with open(path, "wb") as out:
        copy = 0
        while out.tell() < size_mb * 1_000_000:
            copy += 1
            out.write(text.replace(b'[Site "', f'[Site "copy {copy} '.encode()))
            out.write(b"\n\n")
    return path


def make_long_comment_file(source: Path, folder: Path, comment_mb: int) -> Path:
    """The source's first 200 games, then one game with a ``comment_mb`` MB comment on one line, then 200 more."""
    text = lzma.open(source).read() if source.suffix == ".xz" else source.read_bytes()
    games = text.split(b"\n\n[Event ")
    words = b" ".join(b"move%d" % (i % 997) for i in range(200_000))  # ~1.4 MB of words, no braces
    comment = (words * (comment_mb * 1_000_000 // len(words) + 1))[:comment_mb * 1_000_000]
    long_game = (b'[Event "long comment"]\n[White "A"]\n[Black "B"]\n\n1. e4 {' + comment
                 + b"} e5 2. Nf3 Nc6 *")
    path = folder / f"{source.name.split('.')[0]}-comment-{comment_mb}MB.pgn"
    path.write_bytes(b"\n\n[Event ".join(games[:200]) + b"\n\n" + long_game + b"\n\n[Event "
                     + b"\n\n[Event ".join(games[200:400]) + b"\n")
    return path


def plain_loop(path: Path) -> int:
    """Games read by a bare ``read_game`` loop."""
    count = 0
    with _open_text(path) as handle:
        while chess.pgn.read_game(handle) is not None:
            count += 1
    return count


def kibitz_import(path: Path, workers: int | None) -> int:
    """Games stored by ``kibitz import`` into a fresh, empty store."""
    from kibitz.engine import importer
    from kibitz.engine.store import Store

    with tempfile.TemporaryDirectory() as home:
        argv = [str(path), "--home", home, "--quiet"]
        if workers is not None:
            argv += ["--workers", str(workers)]
        status = importer.main(argv)
        if status != 0:
            raise SystemExit(f"kibitz import failed with status {status}")
        with Store.open(Path(home)) as store:
            return len(store.game_ids())


def _peak_mib() -> float:
    """This process's own peak memory: VmHWM on Linux (ru_maxrss keeps the forking parent's size across exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _measure(kind: str, path: Path, workers: int | None) -> None:
    """Run one reader in this process and print its figures as JSON (the parent reads them)."""
    started = time.perf_counter()
    games = plain_loop(path) if kind == "plain" else kibitz_import(path, workers)
    seconds = time.perf_counter() - started
    # The workers are this process's children and have ended by now; their ru_maxrss (KiB) is an upper
    # bound, as it may hold this process's size when they were started.
    print(json.dumps({"games": games, "seconds": seconds, "peak_mib": _peak_mib(),
                      "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def measure(kind: str, path: Path, workers: int | None) -> dict[str, float]:
    """Figures of one reader run in a fresh process, so its peak memory is its own."""
    command = [sys.executable, __file__, "--measure", kind, str(path)]
    if workers is not None:
        command += ["--workers", str(workers)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="PGN files (default: one generated from --source)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--size-mb", type=int, default=300, help="size of the generated file (default 300)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="real file the generated one repeats")
    parser.add_argument("--comment-mb", type=int, default=64,
                        help="size of the one-line comment in the second generated file (0: no such file)")
    parser.add_argument("--measure", choices=["plain", "kibitz"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.measure, args.files[0], args.workers)
        return
    with tempfile.TemporaryDirectory() as folder:
        files = args.files or (
            ([make_big_file(args.source, Path(folder), args.size_mb)] if args.size_mb else [])
            + ([make_long_comment_file(args.source, Path(folder), args.comment_mb)] if args.comment_mb else []))
        print(f"cpus: {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}, "
              f"workers: {'default' if args.workers is None else args.workers}")
        print(f"{'file':28} {'MB':>6} | {'read_game loop':>30} | {'kibitz import':>44} | ratio")
        for path in files:
            base = measure("plain", path, args.workers)
            ours = measure("kibitz", path, args.workers)
            size = path.stat().st_size / 1e6
            base_rate, rate = base["games"] / base["seconds"], ours["games"] / ours["seconds"]
            print(f"{path.name:28} {size:6.0f} | {base['games']:7.0f} games {base_rate:5.0f}/s "
                  f"{base['peak_mib']:6.0f} MiB | {ours['games']:7.0f} games {ours['seconds']:6.1f} s "
                  f"{rate:5.0f}/s {ours['peak_mib']:6.0f} MiB (workers {ours['worker_peak_mib']:4.0f} MiB) | "
                  f"{rate / base_rate:4.2f}x")


if __name__ == "__main__":
    main()
