"""Importing PGN files into the store: ``kibitz import FILE...`` and the GUI's import dialog.

A file is split into games in this process and, when it is big enough to pay for starting them,
the games are parsed by a pool of worker processes (spawned, so it is safe from threads and under
pytest) while this process stores the results in large transactions. Every game ends imported,
a duplicate (already in the store) or skipped; skipped games are listed with their line number and
reason in a report under the store's home. A damaged or cut-short file gives every game before the
damage, and its summary says where and why the file ends; a file with nothing of PGN in it is named
"not a PGN file". Imports are idempotent, so a cancelled or killed import is finished by running it
again.

>>> summary = import_files(store, [Path("games.pgn.xz")])        # doctest: +SKIP
>>> summary.imported, summary.duplicates, len(summary.skipped)   # doctest: +SKIP
(2273, 0, 0)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from kibitz.engine.pgn import (READ_ERRORS, Chunk, ParsedGame, PgnGame, PgnSource, SkippedGame,
                               parse_chunks)
from kibitz.engine.pgn_input import NotPgnInput, shown_path
from kibitz.engine.store import Store, StoreBusyError, StoreError, StoreFullError, name_key
from kibitz.engine.words import plural

#: (bytes_done, bytes_total, games_so_far) over all files of one import.
ProgressCallback = Callable[[int, int, int], None]
CancelCheck = Callable[[], bool]

#: Files estimated smaller than this (uncompressed) are parsed in this process: a pool costs more.
POOL_THRESHOLD_BYTES: Final = 3 << 19  # 1.5 MB: about 1,500 games; spawning the pool costs ~0.3 s
_COMPRESSED_RATIO: Final = 6  # rough uncompressed/compressed size of PGN, to estimate a file's size
_BATCH_GAMES: Final = 200  # games per task sent to a worker
_SERIAL_BATCH_GAMES: Final = 50  # games between progress reports and cancel checks without a pool
_STORE_GAMES: Final = 2000  # games per store transaction


@dataclass(slots=True)
class FileSummary:
    """What happened to one file."""

    path: Path
    encoding: str = ""
    imported: int = 0
    duplicates: int = 0
    skipped: list[SkippedGame] = field(default_factory=list)
    error: str | None = None  # the file could not be opened, or reading stopped early (where and why)
    note: str | None = None  # "not a PGN file" or "no games found", when nothing in it was a game

    @property
    def games_read(self) -> int:
        return self.imported + self.duplicates + len(self.skipped)


@dataclass(slots=True)
class ImportSummary:
    """What an import did, over all its files."""

    files: list[FileSummary] = field(default_factory=list)
    cancelled: bool = False
    report_path: Path | None = None
    #: Why the import stopped before the end although the files were readable: the disk is full, or
    #: another program held the store's lock too long; ``retry`` says what to do.
    stopped: str | None = None
    retry: str = ""

    @property
    def imported(self) -> int:
        return sum(f.imported for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def skipped(self) -> list[tuple[Path, SkippedGame]]:
        return [(f.path, game) for f in self.files for game in f.skipped]

    @property
    def nothing_read(self) -> bool:
        """True when not one file could be read as PGN (all missing, unreadable or not PGN)."""
        return all((f.error is not None or f.note == NOT_PGN) and f.games_read == 0 for f in self.files)

    def text(self) -> str:
        """A short account for people: counts, skip reasons grouped, where the full report is.

        The first line stands alone (the GUI shows it as the headline): when nothing was read it
        says why, e.g. "imported 0 games: notes.txt is not a PGN file".
        """
        head = (f"imported {plural(self.imported, 'game')}, {self.duplicates} already in the store, "
                f"{len(self.skipped)} skipped")
        if not any(f.games_read for f in self.files) and len(self.files) == 1:
            only = self.files[0]
            if only.note:
                head = f"imported 0 games: {shown_path(only.path.name)} {_NOTE_PHRASES[only.note]}"
            elif only.error:
                head = f"imported 0 games: {only.error}"
        lines = [head + (" (cancelled before the end)" if self.cancelled else "")]
        if self.stopped:
            lines.insert(0, f"{self.stopped}; {self.retry.format(again='import the same files again')}")
        for f in self.files:
            encoding = f" [{f.encoding}]" if f.encoding and f.encoding != "utf-8" else ""
            counts = f.note or (f"{f.imported} imported, {f.duplicates} duplicates, {len(f.skipped)} skipped")
            lines.append(f"  {shown_path(f.path)}: {counts}{encoding}")
            if f.error:
                lines.append(f"    error: {f.error}")
        reasons = Counter(_reason_group(game.reason) for _, game in self.skipped)
        if reasons:
            lines.append("skipped games by reason:")
            lines.extend(f"  {count:6d}  {reason}" for reason, count in reasons.most_common())
        if self.report_path is not None:
            lines.append(f"full report of skipped games: {self.report_path}")
        return "\n".join(lines)


NOT_PGN: Final = "not a PGN file"
NO_GAMES: Final = "no games found"
_NOTE_PHRASES: Final = {NOT_PGN: "is not a PGN file", NO_GAMES: "holds no games"}


def _note(summary: FileSummary) -> str | None:
    """Say so when a readable file held nothing that was a game (a text or binary file picked by mistake).

    A file with no tag pair anywhere and no readable game is taken for something else than PGN: its
    pieces of text are not reported one by one as skipped games.
    """
    if summary.error is not None or summary.imported or summary.duplicates:
        return None
    if not summary.skipped:
        return NO_GAMES
    if not any(game.headers for game in summary.skipped):  # not one tag pair, and no game read
        return NOT_PGN
    return None


def _reason_group(reason: str) -> str:
    """A reason without its game-specific details, to count alike reasons together."""
    head = reason.split(":", 1)[0]
    return head if head != reason else reason


def import_files(store: Store, paths: Sequence[str | os.PathLike[str]], *,
                 progress: ProgressCallback | None = None, cancel: CancelCheck | None = None,
                 workers: int | None = None) -> ImportSummary:
    """Import PGN files into ``store``; safe to call from a worker thread.

    ``progress`` hears (bytes_done, bytes_total, games_so_far) as the files are read; when
    ``cancel()`` returns True the import stops after the current batch, keeping what was stored.
    ``workers`` forces the number of parser processes (0: none); by default a pool of one process
    per CPU (plus one) is used for big files only. A full disk stops the import with
    ``summary.stopped`` saying so; every game stored before it stays.
    """
    summary = ImportSummary()
    try:
        _import_files(store, [Path(p) for p in paths], summary, progress, cancel, workers)
    except (StoreFullError, StoreBusyError) as error:
        summary.stopped = f"{error}; {summary.imported} games were imported and are safe"
        summary.retry = error.retry
    if summary.skipped:
        summary.report_path = _write_report(store.home, summary)
    return summary


def _import_files(store: Store, paths: list[Path], summary: ImportSummary, progress: ProgressCallback | None,
                  cancel: CancelCheck | None, workers: int | None) -> None:
    sizes = []
    for path in map(Path, paths):
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    total = sum(sizes)
    done_before = 0
    games_so_far = 0
    for path, size in zip(map(Path, paths), sizes):
        file_summary = FileSummary(path)
        summary.files.append(file_summary)
        try:
            source = PgnSource.open(path)
        except OSError as error:
            file_summary.error = f"cannot open: {error.strerror or error}"
            continue
        except NotPgnInput as error:
            file_summary.error = str(error)
            continue

        def report(games: int, source: PgnSource = source) -> None:
            if progress is not None:
                progress(done_before + source.bytes_read, total, games_so_far + games)

        with source:
            n = workers if workers is not None else _default_workers(path, size)
            summary.cancelled = _import_source(store, source, file_summary, n, report, cancel)
            file_summary.encoding = source.encoding
            file_summary.error = file_summary.error or source.error
        file_summary.note = None if summary.cancelled else _note(file_summary)
        if file_summary.note == NOT_PGN:
            file_summary.skipped.clear()  # its pieces of text were never games
        done_before += size
        games_so_far += file_summary.games_read
        if progress is not None:
            progress(done_before, total, games_so_far)
        if summary.cancelled:
            break


def _default_workers(path: Path, size: int) -> int:
    compressed = path.suffix.lower() in (".xz", ".gz", ".bz2", ".lzma")
    estimated = size * (_COMPRESSED_RATIO if compressed else 1)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    # One more worker than CPUs: this process mostly waits, but stores results in between.
    return min(cpus + 1, 8) if estimated >= POOL_THRESHOLD_BYTES and cpus > 1 else 0


def _batches(chunks: Iterable[Chunk], size: int) -> Iterator[list[Chunk]]:
    batch: list[Chunk] = []
    for chunk in chunks:
        batch.append(chunk)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_source(store: Store, source: PgnSource, summary: FileSummary, workers: int,
                   report: Callable[[int], None], cancel: CancelCheck | None) -> bool:
    """Read, parse and store one file; returns True when cancelled."""
    pending: list[PgnGame] = []

    def flush() -> None:
        if pending:
            games = pending[:]
            pending.clear()  # a failed store (full disk) must not be tried again by the final flush
            imported, duplicates = store.import_games(games)
            summary.imported += imported
            summary.duplicates += duplicates

    def take(results: list[ParsedGame]) -> None:
        for game in results:
            if isinstance(game, PgnGame):
                pending.append(game)
            else:
                summary.skipped.append(game)
        if len(pending) >= _STORE_GAMES:
            flush()
        report(summary.games_read + len(pending))

    cancelled = False
    try:
        batches = _batches(source.chunks(), _BATCH_GAMES if workers > 0 else _SERIAL_BATCH_GAMES)
        if workers <= 0:
            for batch in batches:
                if cancel is not None and cancel():
                    cancelled = True
                    break
                take(parse_chunks(batch))
        else:
            cancelled = _parse_in_pool(batches, workers, take, cancel)
    except READ_ERRORS as error:  # the reader keeps its own read errors; this is the last resort
        summary.error = f"reading stopped early: {error}"
    finally:
        flush()
    return cancelled


def _parse_in_pool(batches: Iterator[list[Chunk]], workers: int, take: Callable[[list[ParsedGame]], None],
                   cancel: CancelCheck | None) -> bool:
    """Parse batches in worker processes, handing results back in file order; True when cancelled."""
    context = multiprocessing.get_context("spawn")
    in_flight: deque[Future[list[ParsedGame]]] = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_exit_with_parent,
                             initargs=(os.getpid(),)) as pool:
        try:
            for batch in batches:
                in_flight.append(pool.submit(parse_chunks, batch))
                while len(in_flight) > 2 * workers:
                    take(in_flight.popleft().result())
                    if cancel is not None and cancel():
                        return True
            while in_flight:
                take(in_flight.popleft().result())
                if cancel is not None and cancel() and in_flight:
                    return True
        finally:
            for future in in_flight:
                future.cancel()
    return False


def _exit_with_parent(parent: int) -> None:
    """Pool initializer: the parser process ends itself once the importing process is gone.

    A killed ``kibitz import`` (SIGKILL, a crash) cannot shut its pool down, and its workers would
    go on parsing what was queued, for minutes on a big file.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _write_report(home: Path, summary: ImportSummary) -> Path | None:
    """Write every skipped game (file, line, reason) to a text file; None if it cannot be written."""
    folder = home / "import-reports"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"import-{stamp}.txt"
        number = 1
        while path.exists():
            number += 1
            path = folder / f"import-{stamp}-{number}.txt"
        with open(path, "w", encoding="utf-8") as out:
            for f in summary.files:
                if not f.skipped:
                    continue
                out.write(f"# {shown_path(f.path)} ({f.encoding or 'unknown encoding'}): {len(f.skipped)} skipped\n")
                for game in f.skipped:
                    names = f" ({game.headers.get('White', '?')} - {game.headers.get('Black', '?')})" \
                        if game.headers else ""
                    out.write(f"line {game.line}{names}: {game.reason}\n")
        return path
    except OSError:
        return None


# --------------------------------------------------------------------------------------------------
# the command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kibitz import", description="Import games from PGN files "
                                     "(plain, .gz, .xz or .bz2) into the kibitz store.")
    parser.add_argument("files", nargs="+", type=Path, help="PGN files, pipes, or - for standard input")
    parser.add_argument("--player", metavar="NAME", help="the person these games belong to (created if new)")
    parser.add_argument("--alias", metavar="OTHER", action="append", default=[],
                        help="another name the player appears under in the files (repeatable)")
    parser.add_argument("--home", type=Path, help="store folder (default: $KIBITZ_HOME or the user data dir)")
    parser.add_argument("--workers", type=int, help="parser processes (default: one per CPU for big files)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _ensure_player(store: Store, name: str, aliases: list[str]) -> str:
    player = store.find_or_add_player(name)
    notes = []
    for alias in [name, *aliases]:
        try:
            store.add_alias(player.id, alias)
        except ValueError as error:
            notes.append(f"alias {alias!r} not added: {error}")
    return "\n".join([f"player: {player.name} (id {player.id})", *notes])


def main(argv: list[str] | None = None) -> int:
    """``kibitz import``: exit status 0, or 1 when not one file could be read, 2 for bad arguments."""
    args = _parser().parse_args(argv)
    if args.alias and args.player is None:
        print("kibitz import: --alias needs --player", file=sys.stderr)
        return 2
    for option, name in [("--player", args.player), *(("--alias", alias) for alias in args.alias)]:
        if name is not None and not name_key(name):
            print(f"kibitz import: {option} needs a name, not {name!r}", file=sys.stderr)
            return 2
    try:
        return _run(args)
    except StoreError as error:
        print(f"kibitz import: {error}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    with Store.open(args.home) as store:
        if args.player:
            print(_ensure_player(store, args.player, args.alias))
        bar = None
        if not args.quiet and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, desc="importing", file=sys.stderr)

        def progress(done: int, total: int, games: int) -> None:
            if bar is not None:
                bar.total = total
                bar.n = done
                bar.set_postfix(games=games, refresh=False)
                bar.refresh()

        started = time.perf_counter()
        try:
            summary = import_files(store, args.files, progress=progress, workers=args.workers)
        except KeyboardInterrupt:
            print("\ninterrupted; run the same command again to finish the import", file=sys.stderr)
            return 130
        finally:
            if bar is not None:
                bar.close()
        elapsed = time.perf_counter() - started
    if summary.stopped:
        print(f"kibitz import: {summary.stopped}; {summary.retry.format(again='run the same command again')}",
              file=sys.stderr)
        return 1
    print(summary.text())
    print(f"{plural(sum(f.games_read for f in summary.files), 'game')} read in {elapsed:.1f} s")
    return 1 if summary.nothing_read else 0
