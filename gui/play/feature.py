"""Playing a game and walking through any stored one: session, board, side panel, predictions.

The feature owns the session and the position shown; the window only places its page and menus.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import chess
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from kibitz.engine.eco import opening_of
from kibitz.gui.actions import add_action
from kibitz.gui.dialogs import Dialogs, NewGameChoice
from kibitz.gui.guess import GuessController
from kibitz.gui.overlay import MAX_ARROWS, compute_shapes
from kibitz.gui.play.predictions import PredictionService
from kibitz.gui.play.move_entry import typed_move
from kibitz.gui.play.session import GameSession
from kibitz.gui.play.texts import NO_GAME, played_next, seat_text, status_text
from kibitz.gui.play.view import PlayView, connect_button
from kibitz.gui.protocols import GameRecordLike, PlayerLike, StoreLike
from kibitz.gui.settings import AppSettings, OverlayMode, overlay_visible
from kibitz.gui.words import plural

HintsLike = Any  # gui.insight.hints.HintController: changed, said, shapes(board)

Notify = Callable[[str], None]
CLOCK_TICK_MS = 100  # the clocks repaint (and the flag is looked for) ten times a second


class PlayFeature(QObject):
    """The board page and the Game and View menus' actions."""

    game_changed = Signal()  # another game was opened, started or deleted
    game_finished = Signal(str)  # the end in words, after a game played here ended

    def __init__(self, store: StoreLike, settings: AppSettings, dialogs: Dialogs, predictions: PredictionService,
                 notify: Notify, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.dialogs = dialogs
        self.predictions = predictions
        self.notify = notify
        self.view = PlayView()
        self.board = self.view.board
        self.move_list = self.view.move_list
        self.prediction_panel = self.view.prediction_panel
        self.status_label = self.view.status_label
        self.bottom_name, self.top_name = self.view.bottom_name, self.view.top_name
        self.takeback_button, self.draw_button = self.view.takeback_button, self.view.draw_button
        self.resign_button, self.flip_button = self.view.resign_button, self.view.flip_button
        self.session: GameSession | None = None
        self.players: dict[chess.Color, PlayerLike | None] = {chess.WHITE: None, chess.BLACK: None}
        self.view_ply: int | None = None  # None: the live position; else plies shown while walking back
        self.guesses: GuessController | None = None  # guess the move, when the window gives one
        self.hints: HintsLike | None = None  # the engine's hints, when the window gives them
        self.board.move_attempted.connect(self._move_attempted)
        self.move_list.ply_clicked.connect(self.show_ply)
        predictions.predictions_changed.connect(self.refresh_overlay)
        predictions.hold_while_predicting(self.board)
        for button, slot in ((self.takeback_button, self.takeback), (self.flip_button, self.flip),
                             (self.draw_button, self.offer_draw), (self.resign_button, self.resign),
                             (self.view.play_on_button, self.play_on), (self.view.pause_button, self.toggle_pause)):
            connect_button(button, slot)
        self.move_entry = self.view.move_entry
        self.move_entry.move_entered.connect(self.play_typed)
        # A thin timer over the session's clock model: it repaints and asks whether a flag fell.
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(CLOCK_TICK_MS)
        self.clock_timer.timeout.connect(self._tick)

    def set_guesses(self, guesses: GuessController) -> None:
        """Consult ``guesses`` on every live move: in guess mode the watching player's drag is a guess."""
        self.guesses = guesses
        guesses.changed.connect(self.refresh_overlay)
        guesses.scored.connect(self.notify)

    def set_hints(self, hints: HintsLike) -> None:
        """Draw ``hints``' shapes over the position shown (they drop themselves when it changes)."""
        self.hints = hints
        hints.changed.connect(self.refresh_overlay)
        hints.said.connect(self.notify)

    # ----------------------------------------------------------------------------- menus --
    def fill_game_menu(self, window: QWidget, menu: QMenu) -> None:
        self.new_game_action = add_action(window, menu, "&New game…", self.new_game, QKeySequence.StandardKey.New)
        self.takeback_action = add_action(window, menu, "&Takeback", self.takeback, QKeySequence.StandardKey.Undo)
        self.draw_action = add_action(window, menu, "Offer &draw…", self.offer_draw)
        self.resign_action = add_action(window, menu, "&Resign…", self.resign)
        self.abandon_action = add_action(window, menu, "&Abandon this game…", self.abandon)
        self.play_on_action = add_action(window, menu, "&Play on from here…", self.play_on)
        self.pause_action = add_action(window, menu, "Pause &clocks", self.toggle_pause, "Ctrl+P")

    def fill_view_menu(self, window: QWidget, menu: QMenu) -> None:
        self.flip_action = add_action(window, menu, "&Flip board", self.flip, "F")
        self.nav_actions = [
            add_action(window, menu, "Previous move", lambda: self.step(-1), Qt.Key.Key_Left),
            add_action(window, menu, "Next move", lambda: self.step(1), Qt.Key.Key_Right),
            add_action(window, menu, "First position", lambda: self.show_ply(0), Qt.Key.Key_Home),
            add_action(window, menu, "Last position", lambda: self.show_ply(None), Qt.Key.Key_End),
            self.flip_action,
        ]
        menu.addSeparator()
        self.auto_orient_action = QAction("Turn the board to the player to move", window)
        self.auto_orient_action.setCheckable(True)
        self.auto_orient_action.setChecked(self.settings.auto_orient)
        self.auto_orient_action.toggled.connect(self._set_auto_orient)
        menu.addAction(self.auto_orient_action)
        menu.addSeparator()
        self.overlay_actions: dict[OverlayMode, QAction] = {}
        group = QActionGroup(window)
        for mode, text in ((OverlayMode.ALL, "Show predicted moves for both players"),
                           (OverlayMode.OPPONENT, "Show predicted moves for the opponent only"),
                           (OverlayMode.OFF, "Hide predicted moves")):
            action = QAction(text, window, checkable=True)
            action.setChecked(self.settings.overlay_mode is mode)
            action.triggered.connect(lambda _=False, m=mode: self.set_overlay_mode(m))
            group.addAction(action)
            menu.addAction(action)
            self.overlay_actions[mode] = action
        self.overlay_actions[OverlayMode.OPPONENT].setToolTip(
            "Arrows are drawn only on the turns of the player at the top of the board; "
            "the board then stays where you turn it (F).")

    def set_active(self, active: bool) -> None:
        """Board keys (arrows, Home, End, F) only while the board page is shown: elsewhere they edit."""
        for action in self.nav_actions:
            action.setEnabled(active)

    # ------------------------------------------------------------------------------ games --
    @property
    def in_progress(self) -> bool:
        return self.session is not None and not self.session.is_over

    def new_game(self, *, board: chess.Board | None = None) -> bool:
        """Ask for two players (and start from ``board``'s position if given); False if cancelled."""
        session = self.session
        if (board is None and session is not None and not session.is_over and session.ply > 0
                and not self.dialogs.confirm("New game", f"The game {session.seats[chess.WHITE].name} – "
                                             f"{session.seats[chess.BLACK].name} is not finished. It stays in "
                                             "the Games tab to go on with later.\n\nStart a new game?")):
            return False
        players = self.store.players()
        names = [p.name for p in players]
        # The two who last played here, also after a restart - never the names of an opened (imported)
        # game, which Enter would make players of. A player deleted since is not offered.
        white, black = (self._player_now_called(name) for name in self.settings.last_players)
        levels = {p.name: getattr(p, "level", None) for p in players}
        choice = self.dialogs.new_game(names, white, black, levels=levels)
        if choice is None:
            return False
        return self.start(choice, board=board)

    def _player_now_called(self, name: str) -> str:
        """The player's name today (renamed, or ``name`` an alias), "" when nobody is called ``name``."""
        player = self.store.find_player(name) if name.strip() else None
        return player.name if player is not None else ""

    def start(self, choice: NewGameChoice, *, board: chess.Board | None = None) -> bool:
        try:
            white = self._player(choice.white, choice.white_level)
            black = self._player(choice.black, choice.black_level)
        except ValueError as error:
            self.dialogs.inform("New game", str(error))
            return False
        if self.session is not None and not self.session.is_over and self.session.ply == 0:
            self.store.delete_game(self.session.game_id)  # an empty game is not worth keeping
        self.settings.last_players = (white.name, black.name)
        session = GameSession.start(self.store, white, black, event=choice.event, board=board,
                                    controls=choice.controls, promotion_chooser=self.dialogs.choose_promotion)
        self._attach(session, {chess.WHITE: white, chess.BLACK: black})
        return True

    def _player(self, name: str, level: int | None) -> PlayerLike:
        found = self.store.find_player(name)
        player = found if found is not None else self.store.add_player(name)
        if level is not None and getattr(player, "level", None) != level:
            self.store.set_player_level(player.id, level)
            player = self.store.player(player.id)
        return player  # type: ignore[no-any-return]

    def open_game(self, game_id: int, ply: int | None = None) -> None:
        """Show a stored game: go on with an unfinished one, walk through any other."""
        record: GameRecordLike = self.store.game(game_id)
        by_id = {p.id: p for p in self.store.players()}
        session = GameSession.open(self.store, record, promotion_chooser=self.dialogs.choose_promotion)
        self._attach(session, {chess.WHITE: by_id.get(record.white_id) if record.white_id is not None else None,
                               chess.BLACK: by_id.get(record.black_id) if record.black_id is not None else None})
        if ply is not None:
            self.show_ply(ply)

    def close_game(self, game_ids: set[int]) -> None:
        """The games were deleted: if one of them is on the board, nothing is open any more."""
        if self.session is not None and self.session.game_id in game_ids:
            self._attach(None, {chess.WHITE: None, chess.BLACK: None})

    def play_on(self) -> None:
        """A new game from the position on the board, between the same players or others."""
        if self.session is None:
            return
        self.new_game(board=self.shown_board())

    def abandon(self) -> None:
        session = self.session
        if session is None or session.is_over:
            return
        if self.dialogs.confirm("Abandon game", "Stop this game for good? It stays in the Games tab as "
                                "unfinished and is no longer offered when kibitz starts."):
            session.abandon()

    def _attach(self, session: GameSession | None, players: dict[chess.Color, PlayerLike | None]) -> None:
        if self.session is not None:
            self.session.move_played.disconnect(self._position_changed)
            self.session.position_reset.disconnect(self._position_reset)
            self.session.game_finished.disconnect(self._game_finished)
            self.session.clock_changed.disconnect(self.refresh)
            self.session.deleteLater()
        self.session = session
        self.players = players
        self.view_ply = None
        if session is not None:
            session.setParent(self)
            session.move_played.connect(self._position_changed)
            session.position_reset.connect(self._position_reset)
            session.game_finished.connect(self._game_finished)
            session.clock_changed.connect(self.refresh)
            self.predictions.load(players, self.shown_board(), self.seat_names())
        self.refresh()
        self.game_changed.emit()

    def play_typed(self, text: str) -> None:
        """A move typed in SAN or UCI: played as if made on the board (Enter in the move box)."""
        board = self.shown_board()
        move = typed_move(board, text)
        if move is None:
            self.notify(f"“{text.strip()}” is not a legal move here." if text.strip() else "Type a move first.")
            return
        self.move_entry.clear()
        self._move_attempted(move.from_square, move.to_square, move.promotion)

    def _move_attempted(self, from_square: int, to_square: int, promotion: int | None = None) -> None:
        session = self.session
        if session is None:
            self.notify(NO_GAME)
            if self.new_game():
                self._move_attempted(from_square, to_square, promotion)
            return
        if self.view_ply is not None or session.is_over:
            self._move_elsewhere(from_square, to_square, promotion)
            return
        if self._waiting_for_guess():
            self._guess(from_square, to_square)
            return
        try:
            played = session.attempt_move(from_square, to_square, promotion)
        except (sqlite3.Error, OSError) as error:  # a full disk, a vanished folder...
            played = None
            self.dialogs.inform("Move not saved", "The move could not be saved, so it was not played "
                                f"(nothing else is lost): {error}. Free some disk space and play it again.")
        if played is None:
            self.refresh()  # refused, cancelled or not saved: put the piece back

    def _move_elsewhere(self, from_square: int, to_square: int, promotion: int | None = None) -> None:
        """A move on a position that is not the live one: take back to it, or play on in a new game."""
        session = self.session
        assert session is not None
        shown = self.shown_board()
        if not session.is_over:
            undo = session.ply - len(shown.move_stack)
            if self.dialogs.confirm("Take back?", f"This is an earlier position. Take back the last "
                                    f"{plural(undo, 'move')} and play from here?"):
                session.takeback(undo)
                self._move_attempted(from_square, to_square, promotion)
                return
        elif self.dialogs.confirm("Play on?", ("This game is over." if session.result != "*" else
                                               "This game is stored for looking at.")
                                  + " Play on from this position in a new game?"):
            if self.new_game(board=shown):
                self._move_attempted(from_square, to_square, promotion)
                return
        self.refresh()

    def _position_changed(self, move: chess.Move | None = None) -> None:
        session = self.session
        if self.guesses is not None and session is not None and move is not None:
            before = session.board.copy()
            before.pop()
            self.guesses.resolve(before, session.game_id, move)
        self.refresh()

    def _position_reset(self) -> None:
        self.view_ply = None
        if self.guesses is not None and self.session is not None:
            self.guesses.taken_back(self.session.game_id, self.session.ply)
        self.refresh()

    # ------------------------------------------------------------------------ guess mode --
    def _waiting_for_guess(self) -> bool:
        """Guess mode, the live position of a game in progress, and no guess made here yet."""
        session = self.session
        return (self.guesses is not None and session is not None and self.view_ply is None
                and not session.is_over and self.guesses.waiting_for_guess(session.game_id, session.ply))

    def _guess(self, from_square: int, to_square: int) -> None:
        """The watching player's guess at the mover's move: drawn, never played."""
        session = self.session
        assert session is not None and self.guesses is not None
        board = session.board
        promotes = board.piece_type_at(from_square) == chess.PAWN and chess.square_rank(to_square) in (0, 7)
        move = chess.Move(from_square, to_square, chess.QUEEN if promotes else None)
        top = next(iter(self.predictions.predictions()), None)  # the model's first choice here
        watcher, mover = self.players.get(not board.turn), self.players.get(board.turn)
        guesser = (watcher.id if watcher else None, session.seats[not board.turn].name)
        if self.guesses.guess(board, session.game_id, move, top.move if top else None, guesser,
                              mover.id if mover else None):
            self.notify(f"{guesser[1]} guesses {board.san(move)}; now {session.seats[board.turn].name} moves.")
        self.refresh()

    def _game_finished(self, result: str, termination: str) -> None:
        self.refresh()
        session = self.session
        if session is not None and result != "*":
            text = session.outcome_text()
            self.notify(f"Game over: {text}.")
            QTimer.singleShot(0, lambda: self.game_finished.emit(text))

    def toggle_pause(self) -> None:
        """Pause both clocks, or start them again (a move played while paused starts them too)."""
        session = self.session
        if session is None or session.clock is None or session.is_over:
            return
        if session.clock_paused:
            session.resume_clock()
        else:
            session.pause_clock()
            self.notify("Clocks paused: Start clocks, or a move, sets them going again.")

    def _tick(self) -> None:
        session = self.session
        if session is None or session.check_time():  # a flag fell: game_finished refreshes everything
            return
        self._show_clocks(self.shown_board())

    def _show_clocks(self, board: chess.Board) -> None:
        """The clocks at the position shown: running down at the live position, as recorded when walking back."""
        session = self.session
        times = session.clock_times(self.view_ply) if session is not None else None
        top = chess.WHITE if self.board.is_flipped() else chess.BLACK
        live = session is not None and self.view_ply is None and not session.is_over and not session.clock_paused
        relayout = False
        for color, label in ((top, self.view.top_clock), (not top, self.view.bottom_clock)):
            if times is None:
                relayout |= not label.isHidden()
                label.hide()
                continue
            relayout |= label.isHidden()
            label.show_time(times[color], running=live and board.turn == color)
        if relayout:
            self.view.board_frame.relayout()
        # The timer runs while a clock does, even while an earlier position is looked at: a flag still falls.
        running = (session is not None and session.clock is not None and session.clock.running
                   and not session.is_over)
        if running and not self.clock_timer.isActive():
            self.clock_timer.start()
        elif not running and self.clock_timer.isActive():
            self.clock_timer.stop()

    def takeback(self) -> None:
        if self.session is not None and self.session.takeback(1) == 0:
            self.notify("Nothing to take back." if not self.session.is_over else "The game is over.")

    def resign(self) -> None:
        if self.session is None or self.session.is_over:
            return
        seat = self.session.seat_to_move()
        if self.dialogs.confirm("Resign", f"{seat.name}, do you resign?"):
            self.session.resign()

    def offer_draw(self) -> None:
        if self.session is None or self.session.is_over:
            return
        mover = self.session.seat_to_move()
        other = self.session.seats[not self.session.turn]
        if self.dialogs.confirm("Draw offer", f"{mover.name} offers a draw.\n{other.name}, do you accept?"):
            self.session.agree_draw()

    # ------------------------------------------------------------------------ the view --
    def flip(self) -> None:
        """Turn the board; with auto-turn on, this turns it off (else the next move would undo it)."""
        if self._auto_orient_now():
            self.auto_orient_action.setChecked(False)
            self.notify("The board no longer turns to the player to move (View menu).")
        self.board.set_flipped(not self.board.is_flipped())
        self.refresh()

    def _set_auto_orient(self, value: bool) -> None:
        self.settings.auto_orient = value
        self.refresh()

    def set_overlay_mode(self, mode: OverlayMode) -> None:
        self.settings.overlay_mode = mode
        self.overlay_actions[mode].setChecked(True)
        self.refresh()

    def _auto_orient_applies(self) -> bool:
        return self.settings.overlay_mode is not OverlayMode.OPPONENT

    def _auto_orient_now(self) -> bool:
        return (self.settings.auto_orient and self._auto_orient_applies()
                and self.session is not None and self.view_ply is None and not self.session.is_over)

    def step(self, delta: int) -> None:
        if self.session is None:
            return
        current = self.session.ply if self.view_ply is None else self.view_ply
        self.show_ply(max(0, current + delta))

    def show_ply(self, ply: int | None) -> None:
        """Show the position after ``ply`` plies (None or the last ply: the live position)."""
        if self.session is None:
            return
        self.view_ply = None if ply is None or ply >= self.session.ply else max(0, ply)
        self.refresh()

    def shown_ply(self) -> int:
        assert self.session is not None
        return self.session.ply if self.view_ply is None else self.view_ply

    def shown_board(self) -> chess.Board:
        if self.session is None:
            return chess.Board()
        return self.session.board if self.view_ply is None else self.session.board_at(self.view_ply)

    def facing(self) -> chess.Color:
        """The colour at the bottom of the board."""
        return chess.BLACK if self.board.is_flipped() else chess.WHITE

    def refresh(self) -> None:
        """Bring every widget in line with the session (cheap; called after anything changes)."""
        session = self.session
        board = self.shown_board()
        if self._auto_orient_now():
            assert session is not None
            self.board.set_flipped(session.turn == chess.BLACK)
        last = board.move_stack[-1] if board.move_stack else None
        check = board.king(board.turn) if board.is_check() else None
        self.board.set_position(board.piece_map(), self._destinations(board),
                                last_move=(last.from_square, last.to_square) if last else None, check=check)
        top = chess.WHITE if self.board.is_flipped() else chess.BLACK
        self.top_name.setText(seat_text(session, top, board, self.view_ply))
        self.bottom_name.setText(seat_text(session, not top, board, self.view_ply))
        self.status_label.setText(status_text(session, self.view_ply))
        self._show_clocks(board)
        opening = opening_of(board) if session is not None else None
        self.view.opening_label.setText(opening.text() if opening is not None else "")
        self.view.opening_label.setVisible(opening is not None)
        self.move_entry.set_board(board if session is not None and not board.is_game_over() else None)
        if session is not None:
            self.move_list.set_moves(session.sans, black_first=session.board.root().turn == chess.BLACK,
                                     current=self.shown_ply(),
                                     result=session.result if session.result != "*" else "")
        else:
            self.move_list.set_moves([])
        in_progress = self.in_progress
        can_take_back = in_progress and session is not None and session.ply > 0
        self.takeback_button.setEnabled(can_take_back)
        can_play_on = session is not None and (session.is_over or self.view_ply is not None)
        self.view.play_on_button.setEnabled(can_play_on)
        for widget in (self.resign_button, self.draw_button):
            widget.setEnabled(in_progress)
        has_clock = in_progress and session is not None and session.clock is not None
        self.view.pause_button.setEnabled(has_clock)
        self.view.pause_button.setVisible(session is not None and session.clock is not None)  # only timed games
        paused = has_clock and session is not None and session.clock_paused
        self.view.pause_button.setText("Start clocks" if paused else "Pause clocks")
        if hasattr(self, "takeback_action"):
            self.takeback_action.setEnabled(can_take_back)
            for action in (self.resign_action, self.draw_action, self.abandon_action):
                action.setEnabled(in_progress)
            self.play_on_action.setEnabled(can_play_on)
            self.pause_action.setEnabled(has_clock)
        if hasattr(self, "auto_orient_action"):
            self.auto_orient_action.setEnabled(self._auto_orient_applies())
        if session is not None:
            over = session.is_over and self.view_ply is None
            self.predictions.show(board, over=over)
        self.refresh_overlay()

    def _destinations(self, board: chess.Board) -> dict[int, set[int]]:
        """Every legal move of the position shown: a move anywhere is answered, never ignored."""
        dests: dict[int, set[int]] = {}
        for move in board.legal_moves:
            dests.setdefault(move.from_square, set()).add(move.to_square)
        return dests

    def overlay_shown(self) -> bool:
        session = self.session
        return (session is not None and not (session.is_over and self.view_ply is None)
                and overlay_visible(self.settings.overlay_mode, self.shown_board().turn, self.facing()))

    def refresh_overlay(self) -> None:
        session = self.session
        if session is None:
            self.board.set_shapes([])
            self.prediction_panel.show_message("No game open", "Start one with Game → New game, or open a "
                                               "game from the Games tab to walk through it.")
            return
        board = self.shown_board()
        predictions = list(self.predictions.predictions())
        mode = self.settings.overlay_mode
        shown = self.overlay_shown()
        waiting = self._waiting_for_guess()  # the arrows wait for the watching player's guess
        shapes = compute_shapes(((p.move, p.probability) for p in predictions), limit=MAX_ARROWS) \
            if shown and not waiting else []
        if self.guesses is not None and self.view_ply is None:
            shapes = self.guesses.shapes(session.game_id, session.ply, shapes)
        if self.hints is not None:
            shapes = [*shapes, *self.hints.shapes(board)]
        self.board.set_shapes(shapes)
        name = session.seats[board.turn].name
        description = self.predictions.description(board.turn)
        ratings = self.predictions.ratings(board.turn)
        played = played_next(session, self.view_ply, predictions)
        if session.is_over and self.view_ply is None:  # nobody moves here: no "Likely moves for …"
            self.prediction_panel.show_message(
                "Game over" if session.result != "*" else "The last position of this game",
                f"{session.outcome_text()}. Walk back through the moves (←) to see what the model expected.")
        elif waiting:
            watcher = session.seats[not board.turn].name
            self.prediction_panel.show_predictions(name, [], description, ratings=ratings, note=(
                f"Guess the move: {watcher}, drag the move you expect {name} to play (it is not played); "
                "the model's guess shows after yours."))
        elif mode is OverlayMode.OFF:
            self.prediction_panel.show_predictions(name, [], description, ratings=ratings,
                                                   note="Predicted moves hidden (View menu).")
        elif not shown:
            self.prediction_panel.show_predictions(name, [], description, ratings=ratings,
                                                   note="Hidden on your own turn (View menu).")
        else:
            self.prediction_panel.show_predictions(name, predictions, description, note=played, ratings=ratings)

    def seat_names(self) -> dict[chess.Color, str]:
        """Each side's name in the game open ({} with none)."""
        session = self.session
        return {c: session.seats[c].name for c in (chess.WHITE, chess.BLACK)} if session is not None else {}

    def reload_models(self) -> None:
        """Players or models changed (a retrain, a new level): read the players again, reopen predictors."""
        players: dict[chess.Color, PlayerLike | None] = {}
        for color, player in self.players.items():
            try:
                players[color] = self.store.player(player.id) if player is not None else None
            except KeyError:  # deleted meanwhile
                players[color] = None
        self.players = players
        if self.session is not None:
            self.predictions.load(players, self.shown_board(), self.seat_names())
        self.refresh()
