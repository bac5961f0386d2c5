"""The games list's model: all rows in memory, sorted and filtered in Python with precomputed keys.

A ``QSortFilterProxyModel`` asks ``data()`` for every comparison (about 1.6 million calls to sort
50,000 games, seconds in Python); sorting a list of row indices by a precomputed key takes tens of
milliseconds. ``bench/library_bench.py`` measures both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from kibitz.engine.library import GameRow
from kibitz.engine.store import name_key

COLUMNS = ("White", "Black", "Date", "Result", "Event", "Source", "Moves", "Opening")
SOURCES = {"app": "played here", "pgn": "imported"}
RESULT_FILTERS = ("any result", "White won", "Black won", "draw", "unfinished")
_RESULT_OF = {"White won": "1-0", "Black won": "0-1", "draw": "1/2-1/2", "unfinished": "*"}
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class GameFilter:
    """What the list shows: every field empty shows every game.

    ``player`` matches White or Black (as the store compares names), as recorded in the game or as
    the linked player is called now (renamed, or known by an alias); ``text`` any of those names,
    the event, the date and the opening; dates are PGN dates ("2024.05.01"), compared as text, so "2024" works.
    """

    text: str = ""
    player: str = ""
    player_id: int | None = None
    result: str = RESULT_FILTERS[0]
    date_from: str = ""
    date_to: str = ""

    def matcher(self) -> Callable[[GameRow, str, str], bool]:
        text, player = self.text.casefold().strip(), name_key(self.player)
        result = _RESULT_OF.get(self.result)
        date_from, date_to = self.date_from.strip(), self.date_to.strip()
        date_to_end = date_to + "\uffff"  # "2024" takes in all of 2024
        pid = self.player_id

        def accepts(row: GameRow, haystack: str, names: str) -> bool:
            return ((not text or text in haystack)
                    and (not player or player in names)
                    and (pid is None or pid in (row.white_id, row.black_id))
                    and (result is None or row.result == result)
                    and (not date_from or row.date >= date_from)
                    and (not date_to or row.date <= date_to_end))
        return accepts


def _plies_text(plies: int) -> str:
    return str((plies + 1) // 2)


_SORT_KEYS: tuple[Callable[[GameRow], Any], ...] = (
    lambda r: name_key(r.white), lambda r: name_key(r.black), lambda r: r.date, lambda r: r.result,
    lambda r: r.event.casefold(), lambda r: r.source, lambda r: r.plies, lambda r: (r.eco or "\uffff", r.opening))


class GamesModel(QAbstractTableModel):
    """The games, sorted by one column and filtered; ``game_id(row)`` maps a shown row to its game."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[GameRow] = []
        self._haystacks: list[str] = []
        self._names: list[str] = []  # each row's names, name_key'd: as recorded and as the players are called now
        self._shown: list[int] = []  # indices into _rows, in display order
        self._filter = GameFilter()
        self._sort: tuple[int, Qt.SortOrder] = (2, Qt.SortOrder.DescendingOrder)

    # -- filling ------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[GameRow], player_names: Mapping[int, Sequence[str]] | None = None) -> None:
        """The games, and the names of each linked player (``player_names[id]``: name and aliases)."""
        known = player_names or {}
        self.beginResetModel()
        self._rows = list(rows)
        self._names = ["\t".join(name_key(n) for n in (r.white, r.black, *known.get(r.white_id or -1, ()),
                                                         *known.get(r.black_id or -1, ()))) for r in self._rows]
        self._haystacks = [f"{r.white}\t{r.black}\t{r.event}\t{r.date}\t{r.eco} {r.opening}".casefold() + "\t" + names
                           for r, names in zip(self._rows, self._names)]
        self._shown = self._order(self._matching())
        self.endResetModel()

    def set_filter(self, game_filter: GameFilter) -> None:
        self._filter = game_filter
        self.beginResetModel()
        self._shown = self._order(self._matching())
        self.endResetModel()

    def _matching(self) -> list[int]:
        accepts = self._filter.matcher()
        rows, haystacks, names = self._rows, self._haystacks, self._names
        return [i for i in range(len(rows)) if accepts(rows[i], haystacks[i], names[i])]

    def _order(self, indices: list[int]) -> list[int]:
        column, order = self._sort
        key, rows = _SORT_KEYS[column], self._rows
        # Ties keep the newest game first: the rows arrive newest first and the sort is stable.
        return sorted(indices, key=lambda i: key(rows[i]), reverse=order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._shown = self._order(self._shown)
        self.layoutChanged.emit()

    # -- reading ------------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return len(self._rows)

    def game_id(self, row: int) -> int:
        return self._rows[self._shown[row]].id

    def game_row(self, row: int) -> GameRow:
        return self._rows[self._shown[row]]

    def row_of(self, game_id: int) -> int | None:
        for row, index in enumerate(self._shown):
            if self._rows[index].id == game_id:
                return row
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[self._shown[index.row()]]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.white, row.black, row.date, row.result, row.event, SOURCES.get(row.source, row.source),
                    _plies_text(row.plies), f"{row.eco} {row.opening}" if row.eco else "")[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (0, 1):
                return (row.white, row.black)[column]
            if column == 7 and row.eco:
                return f"{row.eco} {row.opening}"
            if column == 3 and row.termination:
                return row.termination
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 6):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
