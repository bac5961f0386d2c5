"""Insight: reviewing games against the models and the engine, a page per player, guess the move,
learning after every game, hints and where the opponent will go wrong. The window places the menu
and forwards the library's requests; the windows opened here belong to the main window (closed
with it). Without a chess engine its actions are greyed and the menu says how to get one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import chess
from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from kibitz.engine.store import GameRecord, Player, Store
from kibitz.gui.dialogs import place_on_screen
from kibitz.gui.engine_service import EngineService
from kibitz.gui.guess import GuessController
from kibitz.gui.insight.anticipation_view import AnticipationWindow
from kibitz.gui.insight.hints import HintController
from kibitz.gui.insight.page import InsightPage
from kibitz.gui.review import ReviewWindow
from kibitz.gui.settings import AppSettings

#: The position on the main board (with its moves), and the players by colour (None: no player).
Position = Callable[[], tuple[chess.Board, dict[chess.Color, Any]]]

#: Seconds of fine-tuning per player when learning after a game: the models improve a little after
#: every game without the machine training for minutes (a kill or a worse result changes nothing).
LEARN_TIME_BUDGET_S = 60.0
#: The whole background run (both players: reading their games, training, judging) is stopped after
#: this; a stopped run leaves the served models as they were.
LEARN_WALL_LIMIT_S = 900.0
PAGE_SIZE = QSize(1100, 860)  # a player page, where the screen has room for it


class InsightFeature(QObject):
    learn_requested = Signal(list)  # player names whose models should learn from the game just finished
    model_reverted = Signal()  # a player's served model changed: predictors should be opened again

    def __init__(self, store: Store, settings: AppSettings, pool: QThreadPool, window: QWidget,
                 current_game: Callable[[], int | None], parent: QObject | None = None, *,
                 open_store: Callable[[], Store] | None = None, engine: EngineService | None = None,
                 position: Position | None = None) -> None:
        super().__init__(parent)
        # No engine unless given one: the main window gives the real one (tests choose theirs).
        self.engine = engine or EngineService(settings, None, self, locator=lambda _path: None)
        self.position = position
        self.hints = HintController(self.engine, self)
        self.anticipations: list[AnticipationWindow] = []
        self.store = store
        self.open_store = open_store
        self.settings = settings
        self.pool = pool
        self.window = window
        self.current_game = current_game
        self.guesses = GuessController(store, self)
        self.guesses.set_enabled(settings.guess_mode)
        self.reviews: list[ReviewWindow] = []
        self.pages: dict[int, InsightPage] = {}

    def fill_menu(self, window: QWidget, menu: QMenu) -> None:
        self.review_action = QAction("&Review this game against the models", window)
        self.review_action.triggered.connect(self.review_current)
        menu.addAction(self.review_action)
        menu.addSeparator()
        self.guess_action = self._toggle(window, menu, "&Guess the move (the watching player guesses first)",
                                         self.settings.guess_mode, self.set_guess_mode)
        self.learn_action = self._toggle(window, menu, "&Learn after every game (both players, in the background)",
                                         self.settings.learn_after_game, self.set_learning)
        menu.addSeparator()
        self.hint_action = QAction("&Hint: the piece to move (again: the move)", window)
        self.hint_action.setShortcut("Ctrl+H")
        self.hint_action.triggered.connect(self.hint)
        self.anticipate_action = QAction("&Where will the opponent go wrong? (this position)", window)
        self.anticipate_action.setShortcut("Ctrl+K")
        self.anticipate_action.triggered.connect(self.anticipate_current)
        self.engine_action = QAction("Chess &engine…", window)
        self.engine_action.triggered.connect(self.choose_engine)
        self.no_engine_action = QAction("", window)
        self.no_engine_action.setEnabled(False)  # a line of text: how to get an engine
        for action in (self.hint_action, self.anticipate_action, self.no_engine_action, self.engine_action):
            menu.addAction(action)
        self.engine.availability_changed.connect(lambda _available: self.update_engine_actions())
        self.update_engine_actions()

    def update_engine_actions(self) -> None:
        """Engine features greyed without an engine, and one line on how to get one."""
        available = self.engine.available
        for action in (self.hint_action, self.anticipate_action):
            action.setEnabled(available)
            action.setToolTip("" if available else self.engine.missing_text())
        self.no_engine_action.setText(self.engine.missing_text())
        self.no_engine_action.setVisible(not available)

    def choose_engine(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Choose a UCI chess engine (Stockfish)",
                                              self.settings.engine_path or "/usr/games")
        if path:
            self.engine.set_path(path)

    def hint(self) -> None:
        if self.position is not None:
            self.hints.request(self.position()[0])

    def anticipate_current(self) -> AnticipationWindow | None:
        """Where the opponent (the player not to move) will go wrong, in the main board's position."""
        if self.position is None:
            return None
        board, players = self.position()
        opponent = players.get(not board.turn)
        name = opponent.name if opponent is not None else ("Black" if board.turn == chess.WHITE else "White")
        return self.anticipate(board, opponent, name)

    def anticipate(self, board: chess.Board, opponent: Player | None, name: str) -> AnticipationWindow:
        window = AnticipationWindow(self.store, self.engine, open_store=self.open_store)
        self._own_window(window)
        window.destroyed.connect(lambda *_: self.anticipations.remove(window) if window in self.anticipations else None)
        self.anticipations.append(window)
        window.show()
        window.analyse(board, opponent, name)
        return window

    def _anticipate_stored(self, board: chess.Board, record: GameRecord) -> AnticipationWindow:
        """From a review: the opponent is the other player of that game (the base model if unknown)."""
        opponent_id, name = ((record.black_id, record.black) if board.turn == chess.WHITE
                             else (record.white_id, record.white))
        opponent = self.store.player(opponent_id) if opponent_id is not None else None
        return self.anticipate(board, opponent, name)

    def shutdown(self) -> None:
        """The window closes: stop the engine's work and the engine."""
        self.engine.close()

    @staticmethod
    def _toggle(window: QWidget, menu: QMenu, text: str, checked: bool, slot: Callable[[bool], None]) -> QAction:
        action = QAction(text, window, checkable=True)
        action.setChecked(checked)
        action.toggled.connect(slot)
        menu.addAction(action)
        return action

    def set_guess_mode(self, on: bool) -> None:
        self.settings.guess_mode = on
        self.guesses.set_enabled(on)

    def set_learning(self, on: bool) -> None:
        self.settings.learn_after_game = on

    def learning_unavailable(self, why: str) -> None:
        """Learning cannot run here (no training extra): the menu item says why and cannot be turned on."""
        self.learn_action.setEnabled(False)
        self.learn_action.setText(self.learn_action.text() + " — needs the training extra")
        self.learn_action.setToolTip(why)
        self.learn_action.setStatusTip(why)

    def _own_window(self, widget: QWidget) -> None:
        widget.setParent(self.window, Qt.WindowType.Window)  # a window of its own, closed with the main one
        widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def review(self, game_id: int) -> ReviewWindow:
        """Open a review of a stored game (computed in the background)."""
        review = ReviewWindow(self.store, self.pool, open_store=self.open_store, engine=self.engine)
        review.anticipation_requested.connect(self._anticipate_stored)
        self._own_window(review)
        review.destroyed.connect(lambda *_: self.reviews.remove(review) if review in self.reviews else None)
        self.reviews.append(review)
        review.show()
        place_on_screen(review, self.window, review.size())  # once shown, its frame is known
        review.open_game(game_id)
        return review

    def review_current(self) -> ReviewWindow | None:
        game_id = self.current_game()
        return self.review(game_id) if game_id is not None else None

    def show_player(self, player_id: int) -> InsightPage:
        """Open (or raise) the page of what the models know about a player."""
        page = self.pages.get(player_id)
        opened = page is None
        if page is None:
            page = InsightPage(self.store, self.pool, open_store=self.open_store, engine=self.engine)
            self._own_window(page)
            page.model_reverted.connect(lambda _player: self.model_reverted.emit())
            page.destroyed.connect(lambda *_: self.pages.pop(player_id, None))
            self.pages[player_id] = page
        page.show()
        if opened:  # where the screen has room; a page already open stays where it was put
            place_on_screen(page, self.window, PAGE_SIZE)
        page.raise_()
        page.load(self.store.player(player_id))
        return page

    def after_game(self, game_id: int, players: list[str]) -> bool:
        """A game was finished: show its review; with learning on, ask for both models to learn.

        Returns whether learning was requested (else the host may offer a retrain as before).
        """
        self.review(game_id)
        if self.settings.learn_after_game and players:
            self.learn_requested.emit(players)
            return True
        return False
