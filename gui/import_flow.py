"""Import PGN files from the GUI: scan the names, map them to players, import in a worker."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kibitz.gui.dialogs import NEW, NameMapping
from kibitz.gui.protocols import StoreLike

_NAME_TAG = re.compile(r'^\[(White|Black)\s+"((?:[^"\\]|\\.)*)"\]', re.MULTILINE)
Report = Callable[[Any], None]
Cancelled = Callable[[], bool]


def scan_names(paths: Sequence[Path], report: Report, cancelled: Cancelled) -> list[tuple[str, int]]:
    """Every White/Black name in the files with its number of games, most frequent first."""
    from kibitz.engine.pgn import PgnSource

    counts: Counter[str] = Counter()
    total = sum(p.stat().st_size for p in paths) or 1
    done_before = 0
    for path in paths:
        with PgnSource.open(path) as source:
            for index, chunk in enumerate(source.chunks()):
                for _, name in _NAME_TAG.findall(chunk.text):
                    name = name.strip()
                    if name and name != "?":
                        counts[name] += 1
                if index % 200 == 0:
                    report((done_before + source.bytes_read, total))
                    if cancelled():
                        return []
        done_before += path.stat().st_size
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
    """``importer.import_files`` on a store connection of this (worker) thread."""
    from kibitz.engine.importer import import_files

    store = open_store()
    try:
        return import_files(store, list(paths), cancel=cancelled,  # type: ignore[arg-type]
                            progress=lambda done, total, games: report((done, total, games)))
    finally:
        store.close()


def progress_fraction(value: Any) -> tuple[int, int] | None:
    """Read whatever the importer reports as (done, total), or None."""
    if isinstance(value, tuple) and len(value) >= 2 and all(isinstance(v, (int, float)) for v in value[:2]):
        return int(value[0]), int(value[1])
    for done_name, total_name in (("done", "total"), ("bytes_read", "bytes_total"), ("games", "total")):
        done, total = getattr(value, done_name, None), getattr(value, total_name, None)
        if isinstance(done, (int, float)) and isinstance(total, (int, float)):
            return int(done), int(total)
    return None


def describe_summary(summary: Any) -> tuple[str, str]:
    """(short text, details) for people: the first line of ``ImportSummary.text()``, then all of it."""
    full = summary.text() if hasattr(summary, "text") else str(summary)
    first, _, _ = full.partition("\n")
    skipped = list(getattr(summary, "skipped", []) or [])
    lines = [full]
    if skipped:
        lines.append("")
        lines.append("skipped games:")
        for item in skipped[:500]:
            path, game = item if isinstance(item, tuple) else (None, item)
            where = f"{Path(path).name}:{getattr(game, 'line', '?')}" if path is not None else ""
            lines.append(f"  {where} {getattr(game, 'reason', game)}".rstrip())
        if len(skipped) > 500:
            lines.append(f"  … and {len(skipped) - 500} more (see the report file)")
    return first[:1].upper() + first[1:] + ".", "\n".join(lines)
