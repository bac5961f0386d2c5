"""The File menu: import PGN files, export games, copy and paste PGN and FEN."""

from __future__ import annotations

import io
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import chess
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from kibitz.gui.actions import add_action
from kibitz.gui.dialogs import Dialogs
from kibitz.gui.importing.flow import apply_mappings, describe_summary, file_problem, run_import, scan_names
from kibitz.gui.play.feature import PlayFeature
from kibitz.gui.protocols import StoreLike
from kibitz.gui.tasks import Cancelled, Progress, Report, Tasks
from kibitz.gui.words import plural

StoreOpener = Callable[[], StoreLike]
EXPORT_BATCH = 500


def export_games(open_store: StoreOpener, game_ids: Sequence[int], path: Path, report: Report,
                 cancelled: Cancelled) -> int:
    """Write the games to ``path`` in batches, reporting each (a worker's own store connection).

    The file appears whole or not at all: batches go to a temporary file that replaces ``path``.
    """
    store = open_store()
    temp = _new_file(path.parent, ".export-", ".pgn")
    part = Path(f"{temp}.part")
    written = 0
    try:
        with temp.open("wb") as out:
            for start in range(0, len(game_ids), EXPORT_BATCH):
                if cancelled():
                    return written
                report(Progress(start, len(game_ids), f"Writing {plural(len(game_ids), 'game')}…"))
                written += store.export_pgn(game_ids[start:start + EXPORT_BATCH], part)
                out.write(part.read_bytes())
        temp.replace(path)
        return written
    finally:
        store.close()
        for leftover in (temp, part):
            leftover.unlink(missing_ok=True)


def _new_file(folder: Path, prefix: str, suffix: str) -> Path:
    """Create an empty file of a new name in ``folder``, with the mode the user's umask gives.

    (``tempfile.mkstemp`` makes it readable by its owner only, and the export kept mode 0600.)
    """
    while True:
        path = folder / f"{prefix}{uuid.uuid4().hex[:12]}{suffix}"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path


class ImportingFeature(QObject):
    """Import and export run in workers with their own store connections; the board goes on meanwhile."""

    games_imported = Signal()  # the store has new games (the library reloads)

    def __init__(self, store: StoreLike, open_store: StoreOpener | None, dialogs: Dialogs, tasks: Tasks,
                 play: PlayFeature, notify: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.open_store = open_store
        self.dialogs = dialogs
        self.tasks = tasks
        self.play = play
        self.notify = notify

    def fill_file_menu(self, window: QWidget, menu: QMenu) -> None:
        add_action(window, menu, "&Import PGN…", self.import_pgn, "Ctrl+O")
        self.export_action = add_action(window, menu, "&Export this game as PGN…", self.export_game)
        add_action(window, menu, "Export &all games as PGN…", self.export_all)
        menu.addSeparator()
        add_action(window, menu, "&Copy game as PGN", self.copy_pgn, "Ctrl+Shift+C")
        add_action(window, menu, "Copy position as &FEN", self.copy_fen, "Ctrl+Alt+C")
        add_action(window, menu, "&Paste PGN or FEN", self.paste, QKeySequence.StandardKey.Paste)

    # --------------------------------------------------------------------------- export --
    def export_game(self) -> None:
        session = self.play.session
        if session is None:
            self.dialogs.inform("Export", "No game is open.")
            return
        white, black = (session.seats[c].name for c in (chess.WHITE, chess.BLACK))
        path = self.dialogs.save_pgn_path(_safe_file_name(f"{white}-{black}.pgn"))
        if path is not None:
            count = self.store.export_pgn([session.game_id], path)
            self.notify(f"{plural(count, 'game')} written to {path}")

    def export_all(self) -> None:
        ids = self.store.game_ids()
        if not ids:
            self.dialogs.inform("Export", "There are no games to export yet.")
            return
        self.export_ids(ids, "kibitz-games.pgn")

    def export_ids(self, ids: Sequence[int], suggested: str) -> None:
        path = self.dialogs.save_pgn_path(suggested)
        if path is None:
            return
        if self.open_store is None:  # no second connection: write here (tests with a store double)
            count = self.store.export_pgn(ids, path)
            self.notify(f"{plural(count, 'game')} written to {path}")
            return
        opener = self.open_store
        self.tasks.run("Export PGN", f"Writing {plural(len(ids), 'game')}…",
                       lambda report, cancelled: export_games(opener, list(ids), path, report, cancelled),
                       lambda count: self.dialogs.inform("Export finished",
                                                         f"{plural(count, 'game')} written to {path}."),
                       lambda message: self.dialogs.inform("Export", f"Export failed: {message}"))

    # --------------------------------------------------------------------------- import --
    def import_pgn(self, paths: Sequence[Path] | None = None) -> None:
        files = list(paths) if paths is not None else self.dialogs.open_pgn_files()
        if not files:
            return
        problems = [problem for problem in map(file_problem, files) if problem]
        if problems:
            self.dialogs.inform("Import PGN", "\n".join(problems))
            files = [f for f in files if file_problem(f) is None]
            if not files:
                return
        if self.open_store is None:
            self.dialogs.inform("Import PGN", "Importing needs a store that can be opened again.")
            return
        self.tasks.run("Import PGN", "Reading the names in the files…",
                       lambda report, cancelled: scan_names(files, report, cancelled),
                       lambda names: self._map_and_import(files, names), self._failed)

    def _failed(self, message: str) -> None:
        self.dialogs.inform("Import PGN", f"Import failed: {message}")

    def _map_and_import(self, files: list[Path], names: list[tuple[str, int]]) -> None:
        players = [(p.id, p.name) for p in self.store.players()]
        mappings = self.dialogs.map_import_names(names, players) if names else []
        if mappings is None:
            return
        problems = apply_mappings(self.store, mappings)
        if problems:
            self.dialogs.inform("Import PGN", "Some names could not be mapped:\n" + "\n".join(problems))
        opener = self.open_store
        assert opener is not None
        self.tasks.run("Import PGN", "Importing games…",
                       lambda report, cancelled: run_import(opener, files, report, cancelled),
                       self._import_done, self._failed)

    def _import_done(self, summary: Any) -> None:
        self.games_imported.emit()
        text, details = describe_summary(summary)
        self.dialogs.inform("Import finished", text, details)

    # ------------------------------------------------------------------------ clipboard --
    def copy_pgn(self) -> None:
        session = self.play.session
        if session is None:
            self.notify("No game is open to copy.")
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "game.pgn"
            self.store.export_pgn([session.game_id], path)
            QApplication.clipboard().setText(path.read_text(encoding="utf-8"))
        self.notify("The game is on the clipboard as PGN.")

    def copy_fen(self) -> None:
        QApplication.clipboard().setText(self.play.shown_board().fen())
        self.notify("The position is on the clipboard as FEN.")

    def paste(self, text: str | None = None) -> None:
        """A FEN starts a game from that position; PGN text is imported and its first game opened."""
        text = (QApplication.clipboard().text() if text is None else text).strip()
        if not text:
            self.notify("The clipboard is empty.")
            return
        try:
            board = chess.Board(text)
        except ValueError:
            board = None
        if board is not None:
            if board.is_valid():
                self.play.new_game(board=board)
            else:
                self.dialogs.inform("Paste", "That FEN is not a legal position.")
            return
        self._paste_pgn(text)

    def _paste_pgn(self, text: str) -> None:
        from kibitz.engine.pgn import PgnGame, read_games

        parsed = list(read_games(io.BytesIO(text.encode("utf-8"))))
        games = [g for g in parsed if isinstance(g, PgnGame)]
        if not games:
            reason = parsed[0].reason if parsed else "no games found"  # type: ignore[union-attr]
            self.dialogs.inform("Paste", f"The clipboard holds no FEN and no PGN game that could be read "
                                f"({reason}).")
            return
        imported, duplicates = self.store.import_games(games)  # type: ignore[attr-defined]
        rows = self.store.query("SELECT id FROM games WHERE dedup_key = ?", (games[0].key,))
        self.games_imported.emit()
        self.notify(f"Pasted {plural(imported, 'game')}" + (f" ({duplicates:,} already here)" if duplicates else ""))
        if rows:
            self.play.open_game(int(rows[0][0]))


def _safe_file_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_. " else "_" for c in name)
