"""Import PGN files from the GUI: check the files, scan the names, map them to players, import.

Each step but the mapping runs in a worker (see :mod:`kibitz.gui.tasks`); nothing here opens a widget.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kibitz.engine.store import name_key
from kibitz.gui.dialogs import NEW, NameMapping
from kibitz.gui.protocols import StoreLike
from kibitz.gui.tasks import Cancelled, Progress, Report
from kibitz.gui.words import plural

# A White or Black tag line (a byte order mark may start it, where files were joined with cat). The
# newline in front, not ``^`` with MULTILINE, lets the search skip ahead to each "[": three times faster.
_NAME_TAG = re.compile(rb'\n[ \t]*(?:\xef\xbb\xbf)?\[(?:White|Black)[ \t]+"((?:[^"\\\n]|\\.)*)"[ \t]*\]')
_PGN_START = re.compile(rb'^\s*(\[[A-Za-z0-9_]+\s+"|1\s*\.)', re.MULTILINE)
SNIFF_BYTES = 1 << 16


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a PGN file to import (empty, not PGN), or None when it may be one."""
    from kibitz.engine.pgn import PgnSource

    try:
        with PgnSource.open(path) as source:  # decompresses .gz/.xz/.bz2
            head = b""
            for chunk in source.chunks():
                head += chunk.text.encode("utf-8", "replace")
                if len(head) >= SNIFF_BYTES:
                    break
    except (OSError, ValueError, EOFError) as error:
        return f"{path.name} could not be read: {error}"
    if not head.strip():
        return f"{path.name}: no games found (the file is empty)"
    if not _PGN_START.search(head):
        return f"{path.name} is not a PGN file (no tags like [White \"…\"] and no moves like 1. e4)"
    return None


def scan_names(paths: Sequence[Path], report: Report, cancelled: Cancelled) -> list[tuple[str, int]]:
    """Every White/Black name in the files with its number of games, most frequent first.

    Names that the store would take for one player (:func:`name_key`) count as one, under the
    spelling seen first. Only the tag lines are looked at: a regular expression over blocks of the
    decompressed file finds them, and each distinct spelling is decoded once (105,678 master games:
    `bench/import_names_bench.py`).
    """
    from kibitz.engine.pgn import PgnSource, decode_line

    raw: Counter[bytes] = Counter()
    total = sum(p.stat().st_size for p in paths) or 1
    done_before = 0
    for path in paths:
        with PgnSource.open(path) as source:
            for index, block in enumerate(source.blocks()):
                raw.update(_NAME_TAG.findall(b"\n" + block))  # blocks start at a line's start
                if index % 64 == 0:
                    report(Progress(done_before + source.bytes_read, total, f"Reading the names in {path.name}…"))
                    if cancelled():
                        return []
        done_before += path.stat().st_size
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for name, count in raw.items():  # in the order first seen
        text = decode_line(name)
        key = name_key(text)
        if key and key != "?":
            counts[spelling.setdefault(key, " ".join(text.split()))] += count
    return counts.most_common()


def apply_mappings(store: StoreLike, mappings: Sequence[NameMapping]) -> list[str]:
    """Create players and aliases as chosen; returns messages about names that could not be used."""
    problems = []
    for mapping in mappings:
        try:
            if mapping.action == NEW:
                if store.find_player(mapping.pgn_name) is None:
                    store.add_player(mapping.pgn_name)
            elif isinstance(mapping.action, int):
                existing = store.find_player(mapping.pgn_name)
                if existing is None:
                    store.add_alias(mapping.action, mapping.pgn_name)
                elif existing.id != mapping.action:
                    problems.append(f"{mapping.pgn_name!r} already belongs to {existing.name!r}")
        except ValueError as error:
            problems.append(f"{mapping.pgn_name!r}: {error}")
    return problems


def run_import(open_store: Callable[[], StoreLike], paths: Sequence[Path], report: Report,
               cancelled: Cancelled) -> Any:
    """``importer.import_files`` on a store connection of this (worker) thread.

    The bytes read run ahead of the games stored (parsing and storing follow in batches), so the
    dialog counts games and shows a busy bar, not 99 %, once every byte is read.
    """
    from kibitz.engine.importer import import_files

    def progress(done: int, total: int, games: int) -> None:
        text = f"Importing: {plural(games, 'game')} so far"
        report(Progress(done, total, text if done < total else text + ", storing the last ones…"))

    store = open_store()
    try:
        return import_files(store, list(paths), cancel=cancelled, progress=progress)  # type: ignore[arg-type]
    finally:
        store.close()


def describe_summary(summary: Any) -> tuple[str, str]:
    """(short text, details) for people, with plural forms by count; the details list skipped games."""
    imported, duplicates = int(summary.imported), int(summary.duplicates)
    skipped = list(summary.skipped or [])
    if imported + duplicates + len(skipped) == 0:
        text = "No games found."
    else:
        parts = [f"Imported {plural(imported, 'game')}"]
        if duplicates:
            parts.append(f"{plural(duplicates, 'game')} already here")
        if skipped:
            parts.append(f"{len(skipped):,} skipped")
        text = ", ".join(parts) + "."
        if getattr(summary, "cancelled", False):
            text += " Cancelled before the end; what was read is kept."
    lines = [summary.text() if hasattr(summary, "text") else str(summary)]
    if skipped:
        lines += ["", "skipped games:"]
        for path, game in skipped[:500]:
            lines.append(f"  {Path(path).name}:{getattr(game, 'line', '?')} {getattr(game, 'reason', game)}")
        if len(skipped) > 500:
            lines.append(f"  … and {len(skipped) - 500:,} more (see the report file)")
    return text, "\n".join(lines)
