"""The main window: wires the features (play, library, importing, training, insight) and holds their pages.

Everything is handed in (store, settings, predictor factory, dialogs, training command), so tests
build the same window on a temporary store with fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import chess
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QMainWindow, QTabWidget

from kibitz.gui.actions import add_action
from kibitz.engine.analysis import find_engine
from kibitz.engine.prior_outputs import upkeep as keep_prior_outputs
from kibitz.gui.dialogs import Dialogs
from kibitz.gui.engine_service import EngineService, Locator
from kibitz.gui.importing.feature import ImportingFeature
from kibitz.gui.insight.feature import LEARN_TIME_BUDGET_S, LEARN_WALL_LIMIT_S, InsightFeature
from kibitz.gui.library.feature import LibraryFeature
from kibitz.gui.play.feature import PlayFeature
from kibitz.gui.play.predictions import PredictionService, PredictorFactory, StoreOpener, default_predictor_factory
from kibitz.gui.play.session import ABANDONED
from kibitz.gui.prior_upkeep import PriorUpkeep, UpkeepFunction
from kibitz.gui.protocols import StoreLike
from kibitz.gui.settings import AppSettings
from kibitz.gui.tasks import Tasks
from kibitz.gui.training.feature import TrainingFeature
from kibitz.gui.training.runner import INSTALL_HINT, CommandFactory, TrainingRunner, default_command

BOARD_TAB, GAMES_TAB, PLAYERS_TAB = range(3)
MESSAGE_MS = 6000


class MainWindow(QMainWindow):
    """Tabs for the board, the games and the players; menus filled by the features."""

    def __init__(
        self,
        store: StoreLike,
        settings: AppSettings,
        *,
        predictor_factory: PredictorFactory = default_predictor_factory,
        open_store: StoreOpener | None = None,
        dialogs: Dialogs | None = None,
        training_command: CommandFactory = default_command,
        engine_locator: Locator = find_engine,
        prior_upkeep: UpkeepFunction | None = keep_prior_outputs,
    ) -> None:
        super().__init__()
        self.setWindowTitle("kibitz")
        self.store = store
        self.settings = settings
        self.dialogs = dialogs or Dialogs(self)
        if self.dialogs.parent is None:
            self.dialogs.parent = self
        self.pool = QThreadPool(self)
        self.tasks = Tasks(self.pool, self)
        notify: Callable[[str], None] = lambda text: self.statusBar().showMessage(text, MESSAGE_MS)
        self.predictions = PredictionService(predictor_factory, open_store, self.pool, self)
        self.play = PlayFeature(store, settings, self.dialogs, self.predictions, notify, self)
        self.importing = ImportingFeature(store, open_store, self.dialogs, self.tasks, self.play, notify, self)
        self.training = TrainingFeature(TrainingRunner(training_command, self, home=store.home), self.dialogs,
                                        self.play, self.statusBar(), notify, self)
        self.library = LibraryFeature(store, self.dialogs, self.play, notify, self, open_store=open_store,
                                      pool=self.pool)
        self.insight = InsightFeature(store, settings, self.pool, self,  # type: ignore[arg-type]
                                      lambda: self.play.session.game_id if self.play.session else None, self,
                                      open_store=open_store,  # type: ignore[arg-type]
                                      engine=EngineService(settings, store.home, self, locator=engine_locator),
                                      position=lambda: (self.play.shown_board(), dict(self.play.players)))
        # The prior's outputs of finished and imported games, kept for retrains (needs a connection of its own).
        self.upkeep = PriorUpkeep(open_store, prior_upkeep, self) if open_store and prior_upkeep else None
        self.play.set_guesses(self.insight.guesses)
        self.play.set_hints(self.insight.hints)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.play.view, "Board")
        self.tabs.addTab(self.library.games_view, "Games")
        self.tabs.addTab(self.library.players_view, "Players")
        self.setCentralWidget(self.tabs)
        self._build_menus()
        self._wire()
        geometry = settings.window_geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(900, 640)
        self.play.refresh()

    def _build_menus(self) -> None:
        game_menu = self.menuBar().addMenu("&Game")
        self.play.fill_game_menu(self, game_menu)
        game_menu.addSeparator()
        add_action(self, game_menu, "&Quit", self.close, "Ctrl+Q")
        self.importing.fill_file_menu(self, self.menuBar().addMenu("&File"))
        view = self.menuBar().addMenu("&View")
        add_action(self, view, "&Board", lambda: self.tabs.setCurrentIndex(BOARD_TAB), "Ctrl+1")
        add_action(self, view, "&Games", lambda: self.tabs.setCurrentIndex(GAMES_TAB), "Ctrl+2")
        add_action(self, view, "&Players", lambda: self.tabs.setCurrentIndex(PLAYERS_TAB), "Ctrl+3")
        view.addSeparator()
        self.play.fill_view_menu(self, view)
        self.training.fill_menu(self, self.menuBar().addMenu("&Training"))
        self.insight.fill_menu(self, self.menuBar().addMenu("&Insight"))
        if not self.training.available:
            self.insight.learning_unavailable(INSTALL_HINT + ".")

    def _wire(self) -> None:
        self.tabs.currentChanged.connect(self._tab_changed)
        self.library.open_requested.connect(lambda: self.tabs.setCurrentIndex(BOARD_TAB))
        self.library.games_requested.connect(lambda: self.tabs.setCurrentIndex(GAMES_TAB))
        self.library.export_requested.connect(lambda ids: self.importing.export_ids(ids, "kibitz-games.pgn"))
        self.library.players_changed.connect(self.play.reload_models)
        self.importing.games_imported.connect(self.library.mark_stale)
        upkeep = self.upkeep
        if upkeep is not None:  # an import may bring games of any player
            self.importing.games_imported.connect(lambda: upkeep.request(None))
        self.training.models_changed.connect(self.play.reload_models)
        self.play.game_finished.connect(self._game_finished)
        self.library.games_view.review_requested.connect(self.insight.review)
        self.library.players_view.insight_requested.connect(self.insight.show_player)
        self.library.players_view.retrain_requested.connect(lambda pid: self.training.start(self.store.player(pid).name))
        self.insight.learn_requested.connect(
            lambda names: self.training.learn(names, LEARN_TIME_BUDGET_S, LEARN_WALL_LIMIT_S))
        self.insight.model_reverted.connect(self.play.reload_models)

    def _game_finished(self, outcome: str) -> None:
        """A game played here ended: its review opens; the models learn (setting) or a retrain is offered."""
        session = self.play.session
        if session is None:
            return
        names = [session.seats[c].name for c in (chess.WHITE, chess.BLACK) if self.play.players.get(c)]
        self.play.reload_models()  # the players' books count this game from now on
        if self.upkeep is not None:
            self.upkeep.request(p.id for p in self.play.players.values() if p is not None)
        if not self.insight.after_game(session.game_id, names):
            self.training.offer_after_game(outcome, names)

    def _tab_changed(self, index: int) -> None:
        self.play.set_active(index == BOARD_TAB)
        if index == PLAYERS_TAB:
            self.library.reload_players(self.library.players_view.current_id)

    # ------------------------------------------------------------------------------ start --
    def startup(self) -> None:
        """Offer to resume an unfinished game, else ask for a new one."""
        records = list(self.store.unfinished_games())

        def abandon(record: Any) -> None:
            self.store.finish_game(record.id, "*", ABANDONED)

        record = self.dialogs.choose_resume(records, abandon=abandon) if records else None
        if record is not None:
            self.play.open_game(record.id)
            self.statusBar().showMessage("Game resumed.", MESSAGE_MS)
        else:
            self.play.new_game()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """The board keys, also when no shortcut fired (e.g. the window is not the active one)."""
        keys: dict[int, Callable[[], Any]] = {
            Qt.Key.Key_F: self.play.flip,
            Qt.Key.Key_Left: lambda: self.play.step(-1),
            Qt.Key.Key_Right: lambda: self.play.step(1),
            Qt.Key.Key_Home: lambda: self.play.show_ply(0),
            Qt.Key.Key_End: lambda: self.play.show_ply(None),
        }
        handler = keys.get(event.key())
        if (handler is not None and self.tabs.currentIndex() == BOARD_TAB
                and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)):
            handler()
            event.accept()
            return
        super().keyPressEvent(event)

    # -------------------------------------------------------------------------- teardown --
    def shutdown(self) -> None:
        """Stop background work: kill training, wait for workers (no thread outlives the window)."""
        if self.tasks.closed:
            return
        self.tasks.closed = True
        self.training.shutdown()
        self.insight.shutdown()
        self.predictions.shutdown()
        if self.upkeep is not None:
            self.upkeep.shutdown()
        self.pool.waitForDone(30000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.window_geometry = self.saveGeometry()
        self.shutdown()
        super().closeEvent(event)



