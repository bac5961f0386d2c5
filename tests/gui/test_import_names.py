"""Importing from the window: the names found in the files, and the who-is-who dialog for thousands of them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox

from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.store import name_key
from kibitz.gui.dialogs import KEEP, NEW, ImportMappingDialog, NameMapping
from kibitz.gui.importing.flow import scan_names

DATA = Path(__file__).resolve().parents[1] / "data"


def _names_as_parsed(path: Path) -> dict[str, int]:
    """The names the importer reads, counted per player as the store would merge them."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for game in read_games(path):
        if isinstance(game, PgnGame):
            for tag in ("White", "Black"):
                name = game.headers.get(tag, "")
                if name_key(name) and name_key(name) != "?":
                    counts[spelling.setdefault(name_key(name), " ".join(name.split()))] += 1
    return dict(counts)


def _scan(*paths: Path) -> dict[str, int]:
    return dict(scan_names(list(paths), lambda progress: None, lambda: False))


def test_the_names_found_are_the_names_the_importer_reads(tmp_path: Path) -> None:
    text = ('[Event "a"]\r\n[White "Réti, Richard"]\r\n[Black "Alekhine"]\r\n[Result "1-0"]\r\n\r\n1. e4 1-0\r\n\r\n'
            '  [White "ALEKHINE"]\n[Black "O\'Neil \\"Tal\\""]\n[Result "0-1"]\n\n1. d4 0-1\n\n'
            '[White "?"]\r[Black "Réti,  Richard"]\r[Result "*"]\r\r1. c4 *\r')
    files = {
        "utf8.pgn": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "cp1252.pgn": text.encode("cp1252"),
        "utf16.pgn": text.encode("utf-16"),
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert _scan(path) == _names_as_parsed(path) == {"Réti, Richard": 2, "Alekhine": 2, 'O\'Neil \\"Tal\\"': 1}, name
    for real in ("masters-100.pgn.xz", "jowen93-200.pgn.xz"):
        assert _scan(DATA / real) == _names_as_parsed(DATA / real), real


def test_the_who_is_who_dialog_builds_no_widget_per_name(qtbot: Any) -> None:
    names = [(f"Player {i:05d}", 20_000 - i) for i in range(15_000)] + [("alice", 3)]
    dialog = ImportMappingDialog(names, [(7, "Alice"), (8, "Bob")])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.findChildren(QComboBox) == []  # a combo box only for the row being edited
    assert dialog.mappings() == [NameMapping("alice", 7)]  # a player's own name is mapped to them
    # Find a name, open its Player cell and pick "New player": the row's editor, then the mapping.
    dialog.name_filter.setText("player 00042")
    assert dialog.model.rowCount() == 1
    cell = dialog.model.index(0, 2)
    dialog.table.edit(cell)
    (combo,) = dialog.findChildren(QComboBox)
    combo.setCurrentIndex(combo.findData(NEW))
    combo.activated.emit(combo.currentIndex())
    dialog.table.closePersistentEditor(cell)
    assert cell.data() == "New player with this name"
    assert dialog.model.choose("Player 00007", 8) and not dialog.model.choose("nobody", 8)
    assert sorted(dialog.mappings(), key=lambda m: m.pgn_name) == [
        NameMapping("Player 00007", 8), NameMapping("Player 00042", NEW), NameMapping("alice", 7)]
    assert dialog.model.choices.count(KEEP) == len(names) - 3
    dialog.name_filter.setText("")
    assert dialog.model.rowCount() == len(names) and dialog.model.index(0, 0).data() == "Player 00000"
