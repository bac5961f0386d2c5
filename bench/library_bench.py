"""The games list on a large store: load, sort and filter, against a QSortFilterProxyModel baseline.

    python bench/library_bench.py [--games 50000] [--rounds 3]

Builds a temporary store of ``--games`` games (random names, dates, results, 10-120 plies each),
then times, as the Games tab does them: reading the rows from the store, filling the model,
sorting by a column and filtering. The baseline, in the same run and on the same rows, is the
usual Qt way: a ``QSortFilterProxyModel`` over the unsorted model, sorting and filtering through
``data()`` calls. Also times a ``QTableView`` showing the sorted model. Runs offscreen.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSortFilterProxyModel, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402

FIRST = ["Anna", "Ben", "Carla", "Dan", "Erik", "Fatima", "Goran", "Hanna", "Ivo", "Jun", "Kai", "Lena"]
LAST = ["Meyer", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Torres", "Ueda", "Varga"]


def build_store(home: Path, games: int, seed: int = 1) -> None:
    """``games`` games straight into the store's tables (the importer is benchmarked elsewhere)."""
    from kibitz.engine.store import Store, name_key

    rng = random.Random(seed)
    names = [f"{f} {l}" for f in FIRST for l in LAST]
    with Store.open(home) as store, store.transaction() as db:
        for game_id in range(1, games + 1):
            white, black = rng.sample(names, 2)
            date = f"{rng.randint(2015, 2025)}.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}"
            db.execute("INSERT INTO games (id, white, black, white_key, black_key, event, date, result, source,"
                       " dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pgn', ?, ?)",
                       (game_id, white, black, name_key(white), name_key(black), rng.choice(["Club", "Open", "Blitz"]),
                        date, rng.choice(["1-0", "0-1", "1/2-1/2", "*"]), f"k{game_id}", time.time()))
            plies = rng.randint(10, 120)
            db.executemany("INSERT INTO moves (game_id, ply, uci, san) VALUES (?, ?, 'e2e4', 'e4')",
                           [(game_id, ply) for ply in range(plies)])


def timed(function: Callable[[], object], rounds: int) -> float:
    """Median wall time in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])

    from kibitz.engine import library
    from kibitz.engine.store import Store
    from kibitz.gui.library.model import GameFilter, GamesModel

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        start = time.perf_counter()
        build_store(home, args.games)
        print(f"store of {args.games:,} games built in {time.perf_counter() - start:.1f} s")
        with Store.open(home) as store:
            rows = library.game_rows(store)
            model = GamesModel()
            results: list[tuple[str, float, float | None]] = []
            results.append(("read rows from the store", timed(lambda: library.game_rows(store), args.rounds), None))
            results.append(("fill the model", timed(lambda: model.set_rows(rows), args.rounds), None))

            # Baseline: the proxy over an unsorted, unfiltered model (the same rows).
            base_model = GamesModel()
            base_model.set_rows(rows)
            proxy = QSortFilterProxyModel()
            proxy.setSourceModel(base_model)
            proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            proxy.setFilterKeyColumn(0)

            def ours_sort(column: int) -> Callable[[], None]:
                return lambda: (model.sort(column, Qt.SortOrder.AscendingOrder),
                                model.sort(column, Qt.SortOrder.DescendingOrder))

            def proxy_sort(column: int) -> Callable[[], None]:
                return lambda: (proxy.sort(column, Qt.SortOrder.AscendingOrder),
                                proxy.sort(column, Qt.SortOrder.DescendingOrder))

            for column, name in ((0, "White"), (2, "Date"), (6, "Moves")):
                results.append((f"sort by {name}, both ways", timed(ours_sort(column), args.rounds),
                                timed(proxy_sort(column), args.rounds)))
            proxy.sort(-1)

            def ours_filter(text: str) -> Callable[[], None]:
                return lambda: (model.set_filter(GameFilter(player=text)), model.set_filter(GameFilter()))

            def proxy_filter(text: str) -> Callable[[], None]:
                return lambda: (proxy.setFilterFixedString(text), proxy.setFilterFixedString(""))

            results.append(("filter by a player (White column for the proxy), then clear",
                            timed(ours_filter("anna"), args.rounds), timed(proxy_filter("anna"), args.rounds)))
            results.append(("filter by text in names, event, date, then clear",
                            timed(lambda: (model.set_filter(GameFilter(text="open")), model.set_filter(GameFilter())),
                                  args.rounds), None))
            model.set_filter(GameFilter(player="anna"))
            shown = model.rowCount()
            model.set_filter(GameFilter())

            view = QTableView()
            view.verticalHeader().setDefaultSectionSize(22)
            view.resize(900, 600)

            def show_table() -> None:
                view.setModel(model)
                view.show()
                app.processEvents()

            results.append(("show the list in a QTableView", timed(show_table, 1), None))
            view.close()

        print(f"\n{args.games:,} games; median of {args.rounds} rounds; '{shown:,}' games match the player filter")
        print(f"{'step':62s} {'kibitz':>10s} {'proxy baseline':>15s}")
        for step, ours, baseline in results:
            base = f"{baseline:12.0f} ms" if baseline is not None else f"{'-':>15s}"
            print(f"{step:62s} {ours:7.0f} ms {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
