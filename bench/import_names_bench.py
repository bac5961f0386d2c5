"""Importing from the window, the two waits before the games are read: finding the names in the files
("Reading the names…") and showing the who-is-who dialog with them. Each beside its baseline, in one run:

    python bench/import_names_bench.py                       # ../shared/data/masters.pgn.xz (105,678 games)
    python bench/import_names_bench.py FILE.pgn.xz ...

Names: the floor is decompressing the file and nothing else; "before" is the scan as it was (every
line through the game chunker, a text regex per game), kept here to compare; "now" is
``kibitz.gui.importing.flow.scan_names``. Both must find the same names and counts.
Dialog: "before" builds a table widget with a combo box per name (as it was); "now" is
``ImportMappingDialog`` (a model, one editor for the row being edited); each is built, shown and
painted once. Runs offscreen.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = next((folder / "shared" / "data" for folder in Path(__file__).resolve().parents
             if (folder / "shared" / "data").is_dir()), Path("shared") / "data")
_OLD_NAME_TAG = re.compile(r'^\[(White|Black)\s+"((?:[^"\\]|\\.)*)"\]', re.MULTILINE)


def decompress_only(paths: Sequence[Path]) -> int:
    from kibitz.engine.pgn import PgnSource

    size = 0
    for path in paths:
        with PgnSource.open(path) as source:
            for block in source.blocks():
                size += len(block)
    return size


def scan_before(paths: Sequence[Path]) -> list[tuple[str, int]]:
    """The scan as it was: every game chunked and decoded, then a regex over its text."""
    from kibitz.engine.pgn import PgnSource
    from kibitz.engine.store import name_key

    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for path in paths:
        with PgnSource.open(path) as source:
            for chunk in source.chunks():
                for _, name in _OLD_NAME_TAG.findall(chunk.text):
                    key = name_key(name)
                    if key and key != "?":
                        counts[spelling.setdefault(key, " ".join(name.split()))] += 1
    return counts.most_common()


def scan_now(paths: Sequence[Path]) -> list[tuple[str, int]]:
    from kibitz.gui.importing.flow import scan_names

    return scan_names(list(paths), lambda progress: None, lambda: False)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def dialog_before(names: Sequence[tuple[str, int]], players: Sequence[tuple[int, str]]) -> Any:
    """The dialog as it was: a QTableWidget with a combo box (every player in it) in each row."""
    from PySide6.QtWidgets import QComboBox, QTableWidget, QTableWidgetItem

    table = QTableWidget(len(names), 3)
    for row, (name, count) in enumerate(names):
        table.setItem(row, 0, QTableWidgetItem(name))
        table.setItem(row, 1, QTableWidgetItem(str(count)))
        combo = QComboBox()
        combo.addItem("— not a player here —", "keep")
        combo.addItem("New player with this name", "new")
        for pid, pname in players:
            combo.addItem(f"is {pname}", pid)
        table.setCellWidget(row, 2, combo)
    table.resizeColumnsToContents()
    return table


def dialog_now(names: Sequence[tuple[str, int]], players: Sequence[tuple[int, str]]) -> Any:
    from kibitz.gui.dialogs import ImportMappingDialog

    return ImportMappingDialog(names, players)


def shown(make: Callable[[], Any]) -> float:
    """Seconds to build the widget, show it and paint it once."""
    from PySide6.QtWidgets import QApplication

    started = time.perf_counter()
    widget = make()
    widget.resize(620, 480)
    widget.show()
    QApplication.processEvents()
    widget.grab()
    seconds = time.perf_counter() - started
    widget.close()
    widget.deleteLater()
    QApplication.processEvents()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[DATA / "masters.pgn.xz"])
    parser.add_argument("--players", type=int, default=2, help="players in the store (entries of each combo box)")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"files: {', '.join(p.name for p in args.files)}; cpus {os.cpu_count()}, load {load:.1f}")
    floor, size = timed(lambda: decompress_only(args.files))
    before, old_names = timed(lambda: scan_before(args.files))
    now, names = timed(lambda: scan_now(args.files))
    print(f"reading the names ({size / 1e6:.0f} MB of text, {len(names):,} names in "
          f"{sum(c for _, c in names) // 2:,} games' tags):")
    print(f"  decompress only (floor) {floor:6.2f} s | before {before:6.2f} s | now {now:6.2f} s "
          f"| {before / now:4.1f}x faster | same names and counts: {old_names == names}")
    players = [(i + 1, f"Player {i + 1}") for i in range(args.players)]
    print(f"the who-is-who dialog, {len(names):,} names, {len(players)} players: built, shown, painted once:")
    old_dialog = shown(lambda: dialog_before(names, players))
    new_dialog = shown(lambda: dialog_now(names, players))
    print(f"  before (a combo box per name) {old_dialog:6.2f} s | now (a model) {new_dialog:6.2f} s "
          f"| {old_dialog / new_dialog:5.0f}x faster")
    del app


if __name__ == "__main__":
    main()
