"""The Games and Players pages: open, delete and export games; rename, merge and delete players."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QThreadPool, Signal

from kibitz.engine import library
from kibitz.gui.dialogs import Dialogs
from kibitz.gui.library.model import GamesModel
from kibitz.gui.library.players import PlayerPage, PlayersView
from kibitz.gui.library.view import LibraryView
from kibitz.gui.play.feature import PlayFeature
from kibitz.gui.protocols import StoreLike
from kibitz.gui.words import plural
from kibitz.gui.workers import Worker


NAMING_BATCH = 10_000  # openings named per read of the list (seconds): the window can close in between
QUICK_NAMING = 200  # so few (the games being played) are named before the one read, in a fraction of a second


def _read_rows(open_store: Callable[[], StoreLike],
               report: Callable[[list[library.GameRow]], None]) -> tuple[list[library.GameRow], bool]:
    """The rows, and whether games are left without an opening name. Games not named yet (a store
    from before names were kept) are named here, a batch per read, after the rows are shown once."""
    store = open_store()
    try:
        if library.unnamed_games(store) <= QUICK_NAMING:  # type: ignore[arg-type]
            library.name_openings(store)  # type: ignore[arg-type]
            return library.game_rows(store), False  # type: ignore[arg-type]
        rows = library.game_rows(store)  # type: ignore[arg-type]
        report(rows)
        library.name_openings(store, limit=NAMING_BATCH)  # type: ignore[arg-type]
        return library.game_rows(store), library.unnamed_games(store) > 0  # type: ignore[arg-type]
    finally:
        store.close()


class LibraryFeature(QObject):
    """Reloads lazily: a change marks the list stale, and it is read again when next shown."""

    games_loaded = Signal()  # the list was read again from the store
    open_requested = Signal()  # a game was opened: show the board
    games_requested = Signal()  # a player's games were asked for: show the Games page
    export_requested = Signal(list)  # game ids
    players_changed = Signal()

    def __init__(self, store: StoreLike, dialogs: Dialogs, play: PlayFeature, notify: Callable[[str], None],
                 parent: QObject | None = None, *, open_store: Callable[[], StoreLike] | None = None,
                 pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.open_store = open_store
        self.pool = pool
        self._loading: Worker | None = None
        self.dialogs = dialogs
        self.play = play
        self.notify = notify
        self.model = GamesModel(self)
        self.games_view = LibraryView(self.model)
        self.players_view = PlayersView()
        self._stale = True
        self.games_view.shown.connect(self.reload_if_stale)
        self.games_view.open_requested.connect(self.open_game)
        self.games_view.delete_requested.connect(self.delete_games)
        self.games_view.export_requested.connect(self.export_requested)
        pv = self.players_view
        pv.selected.connect(self.show_player)
        pv.rename_requested.connect(self.rename_player)
        pv.aliases_requested.connect(self.edit_aliases)
        pv.merge_requested.connect(self.merge_player)
        pv.delete_requested.connect(self.delete_player)
        pv.level_changed.connect(self.set_level)
        pv.games_requested.connect(self.show_games_of)
        play.game_changed.connect(self.mark_stale)
        play.game_finished.connect(lambda _text: self.mark_stale())

    # ----------------------------------------------------------------------------- games --
    def mark_stale(self) -> None:
        self._stale = True
        if self.games_view.isVisible():
            self.reload()

    def reload_if_stale(self) -> None:
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """Read the list again: in a worker with its own connection where there is one (50,000 games
        take a second to read; the window stays responsive), else here."""
        self._stale = False
        if self.open_store is None or self.pool is None:
            library.name_openings(self.store)  # type: ignore[arg-type]
            self._loaded(library.game_rows(self.store))  # type: ignore[arg-type]
            return
        if self._loading is not None:
            self._stale = True  # read again once this read is done
            return
        opener = self.open_store
        self.games_view.count.setText("Reading the games…")
        worker = Worker(lambda report: _read_rows(opener, report))
        worker.signals.progressed.connect(self._loaded)
        worker.signals.succeeded.connect(self._read)
        worker.signals.failed.connect(lambda message: self.notify(f"The games could not be read: {message}"))
        worker.signals.finished.connect(self._load_finished)
        self._loading = worker
        self.pool.start(worker)

    def _read(self, result: tuple[list[library.GameRow], bool]) -> None:
        rows, unnamed_left = result
        self._loaded(rows)
        if unnamed_left:
            self._stale = True  # name the next batch: read again when this read is done

    def _loaded(self, rows: list[library.GameRow]) -> None:
        # The players as they are called now: a renamed player's games are found under the new name.
        names = {p.id: (p.name, *p.aliases) for p in self.store.players()}
        self.model.set_rows(rows, names)
        self.games_loaded.emit()

    def _load_finished(self) -> None:
        self._loading = None
        if self._stale:
            self.reload()

    def open_game(self, game_id: int) -> None:
        self.play.open_game(game_id)
        self.open_requested.emit()

    def delete_games(self, game_ids: Sequence[int]) -> None:
        ids = list(game_ids)
        if not ids:
            return
        if len(ids) == 1:
            row = self.model.game_row(self.model.row_of(ids[0]) or 0)
            what = f"the game {row.white} – {row.black} ({row.date})"
        else:
            what = plural(len(ids), "game")
        if not self.dialogs.confirm("Delete games", f"Delete {what}? This cannot be undone "
                                    "(export them first to keep a copy)."):
            return
        count = library.delete_games(self.store, ids)  # type: ignore[arg-type]
        self.play.close_game(set(ids))
        self.reload()
        self.notify(f"Deleted {plural(count, 'game')}.")

    # --------------------------------------------------------------------------- players --
    def reload_players(self, current: int | None = None) -> None:
        players = sorted(self.store.players(), key=lambda p: p.name.casefold())
        self.players_view.set_players([(p.id, p.name) for p in players], current)

    def page(self, player_id: int) -> PlayerPage:
        player = self.store.player(player_id)
        rows = self.store.query("SELECT result, white_id = ? FROM games WHERE white_id = ? OR black_id = ?",
                                (player_id, player_id, player_id))
        wins = sum(1 for result, white in rows if result == ("1-0" if white else "0-1"))
        draws = sum(1 for result, _ in rows if result == "1/2-1/2")
        losses = sum(1 for result, white in rows if result == ("0-1" if white else "1-0"))
        unfinished = len(rows) - wins - draws - losses  # "*" (in progress, abandoned) or no result read
        return PlayerPage(player.id, player.name, tuple(player.aliases), getattr(player, "level", None), len(rows),
                          wins, draws, losses, library.model_summary(self.store, player_id),  # type: ignore[arg-type]
                          unfinished)

    def show_player(self, player_id: int) -> None:
        self.players_view.show_page(self.page(player_id))

    def _edited(self, player_id: int | None) -> None:
        self.reload_players(player_id)
        self.mark_stale()
        self.players_changed.emit()

    def rename_player(self, player_id: int) -> None:
        player = self.store.player(player_id)
        name = self.dialogs.ask_text("Rename player", "New name (the old one stays as an alias):", player.name)
        if name is None or name.strip() == player.name:
            return
        try:
            library.rename_player(self.store, player_id, name)  # type: ignore[arg-type]
        except ValueError as error:
            self.dialogs.inform("Rename player", str(error).capitalize() + ".")
            return
        self._edited(player_id)

    def edit_aliases(self, player_id: int) -> None:
        player = self.store.player(player_id)
        text = self.dialogs.ask_text("Aliases", f"Other spellings of {player.name} in PGN files, separated by "
                                     "commas (games under them become theirs):", ", ".join(player.aliases))
        if text is None:
            return
        try:
            library.set_aliases(self.store, player_id, [a for a in text.split(",") if a.strip()])  # type: ignore[arg-type]
        except ValueError as error:
            self.dialogs.inform("Aliases", str(error).capitalize() + ".")
            return
        self._edited(player_id)

    def merge_player(self, player_id: int) -> None:
        player = self.store.player(player_id)
        others = [p for p in sorted(self.store.players(), key=lambda p: p.name.casefold()) if p.id != player_id]
        if not others:
            self.dialogs.inform("Merge players", "There is no other player to merge with.")
            return
        index = self.dialogs.choose_item("Merge players", f"{player.name} is the same person as:",
                                         [p.name for p in others])
        if index is None:
            return
        keep = others[index]
        if not self.dialogs.confirm("Merge players", f"Merge {player.name} into {keep.name}? {player.name}'s "
                                    f"games and names become {keep.name}'s, and {player.name} is removed."):
            return
        library.merge_players(self.store, keep=keep.id, gone=player_id)  # type: ignore[arg-type]
        self._edited(keep.id)

    def delete_player(self, player_id: int) -> None:
        player = self.store.player(player_id)
        count = self.store.game_count(player_id)
        if not self.dialogs.confirm("Delete player", f"Delete {player.name}? Their {plural(count, 'game')} stay, "
                                    "with the names as recorded, and their models are no longer used."):
            return
        library.delete_player(self.store, player_id)  # type: ignore[arg-type]
        self._edited(None)

    def set_level(self, player_id: int, level: int | None) -> None:
        self.store.set_player_level(player_id, level)
        self.show_player(player_id)
        self.players_changed.emit()

    def show_games_of(self, player_id: int) -> None:
        self.games_view.show_player(player_id, self.store.player(player_id).name)
        self.games_requested.emit()
