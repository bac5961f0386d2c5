"""The main window: board, players, predictions, move list; menus for games, import and training."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import chess
from PySide6.QtCore import QEvent, QObject, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QMainWindow,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kibitz.gui.board_frame import BoardFrame
from kibitz.gui.board_view import BoardView
from kibitz.gui.dialogs import Dialogs, plain_label
from kibitz.gui.import_flow import (
    apply_mappings,
    describe_summary,
    progress_fraction,
    run_import,
    scan_names,
)
from kibitz.gui.overlay import MAX_ARROWS, compute_shapes
from kibitz.gui.panels import MoveListPanel, PredictionPanel, player_label
from kibitz.gui.predictions import PredictionService, PredictorFactory, StoreOpener, default_predictor_factory
from kibitz.gui.protocols import GameRecordLike, PlayerLike, StoreLike
from kibitz.gui.session import GameSession
from kibitz.gui.settings import AppSettings, OverlayMode, overlay_visible
from kibitz.gui.training_runner import CommandFactory, TrainingRunner, default_command
from kibitz.gui.workers import Worker

log = logging.getLogger(__name__)

COLOR_NAMES = {chess.WHITE: "White", chess.BLACK: "Black"}
SIDE_PANEL_WIDTH = 270
SIDE_PANEL_MIN_WIDTH = 190
BOARD_SIDE_ROOM = 16  # px the board frame may be wider than the board, each side


class MainWindow(QMainWindow):
    """Everything is handed in: the store, settings, how to open predictors and ask the user."""

    def __init__(
        self,
        store: StoreLike,
        settings: AppSettings,
        *,
        predictor_factory: PredictorFactory = default_predictor_factory,
        open_store: StoreOpener | None = None,
        dialogs: Dialogs | None = None,
        training_command: CommandFactory = default_command,
    ) -> None:
        super().__init__()
        self.setWindowTitle("kibitz")
        self.store = store
        self.settings = settings
        self.open_store = open_store
        self.dialogs = dialogs or Dialogs(self)
        if self.dialogs.parent is None:
            self.dialogs.parent = self
        self.pool = QThreadPool(self)
        self.predictions = PredictionService(predictor_factory, open_store, self.pool, self)
        self.predictions.predictions_changed.connect(self.refresh_overlay)
        self.training = TrainingRunner(training_command, self)
        self.training.progressed.connect(self._training_progressed)
        self.training.finished.connect(self._training_finished)
        self.session: GameSession | None = None
        self.players: dict[chess.Color, PlayerLike | None] = {chess.WHITE: None, chess.BLACK: None}
        self.view_ply: int | None = None  # None: the live position; else plies shown while browsing
        self._workers: list[Worker] = []
        self._closed = False
        self._build_ui()
        self._build_menus()
        geometry = settings.window_geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(900, 640)
        self.refresh()

    # ------------------------------------------------------------------------------ layout --
    def _build_ui(self) -> None:
        self.board = BoardView()
        self.board.move_attempted.connect(self._move_attempted)
        self.top_name = player_label()
        self.bottom_name = player_label()
        self.board_frame = BoardFrame(self.board, self.top_name, self.bottom_name)

        self.status_label = plain_label()
        self.status_label.setWordWrap(True)
        self.prediction_panel = PredictionPanel()
        self.move_list = MoveListPanel()
        self.move_list.ply_clicked.connect(self.show_ply)
        self.takeback_button = self._button("Takeback", self.takeback)
        self.resign_button = self._button("Resign", self.resign)
        self.draw_button = self._button("Offer draw", self.offer_draw)
        self.flip_button = self._button("Flip", self.flip)
        buttons = QGridLayout()
        for index, button in enumerate((self.takeback_button, self.flip_button, self.draw_button,
                                        self.resign_button)):
            buttons.addWidget(button, index // 2, index % 2)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.status_label)
        right.addWidget(self.prediction_panel)
        right.addWidget(self.move_list, 1)
        right.addLayout(buttons)
        self.side = QWidget()
        self.side.setLayout(right)
        self.side.setFixedWidth(SIDE_PANEL_WIDTH)
        self.side.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

        central = QWidget()
        self.central_layout = QHBoxLayout(central)
        self.central_layout.addStretch(0)
        self.central_layout.addWidget(self.board_frame, 1)
        self.central_layout.addWidget(self.side)
        self.central_layout.addStretch(0)
        central.installEventFilter(self)
        self.setCentralWidget(central)

        self.training_label = plain_label()
        self.training_bar = QProgressBar()
        self.training_bar.setMaximumWidth(160)
        self.training_bar.hide()
        self.statusBar().addPermanentWidget(self.training_label)
        self.statusBar().addPermanentWidget(self.training_bar)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.centralWidget() and event.type() == QEvent.Type.Resize:
            self._fit_side_panel()
        return super().eventFilter(watched, event)

    def _fit_side_panel(self) -> None:
        """Give the board all the width its height allows, the side panel the rest (190-270 px).

        In a small window the board would otherwise shrink to make room for a full-width panel;
        in a wide one, board and panel stay together in the middle instead of drifting apart.
        """
        central = self.centralWidget()
        margins = self.central_layout.contentsMargins()
        inner_w = central.width() - margins.left() - margins.right() - 3 * self.central_layout.spacing()
        inner_h = central.height() - margins.top() - margins.bottom()
        board = max(self.board_frame.minimumWidth(), inner_h - self.board_frame.labels_height())
        width = max(SIDE_PANEL_MIN_WIDTH, min(SIDE_PANEL_WIDTH, inner_w - board))
        if self.side.minimumWidth() != width or self.side.maximumWidth() != width:
            self.side.setFixedWidth(width)
        self.board_frame.setMaximumWidth(board + 2 * BOARD_SIDE_ROOM)

    def _button(self, text: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda _=False: slot())
        return button

    def _action(self, menu: Any, text: str, slot: Callable[[], Any], shortcut: str | QKeySequence | None = None,
                ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        game = self.menuBar().addMenu("&Game")
        self._action(game, "&New game…", self.new_game, QKeySequence.StandardKey.New)
        self.takeback_action = self._action(game, "&Takeback", self.takeback, QKeySequence.StandardKey.Undo)
        self.draw_action = self._action(game, "Offer &draw…", self.offer_draw)
        self.resign_action = self._action(game, "&Resign…", self.resign)
        game.addSeparator()
        self._action(game, "&Quit", self.close, "Ctrl+Q")
        file = self.menuBar().addMenu("&File")
        self._action(file, "&Import PGN…", self.import_pgn)
        self.export_action = self._action(file, "&Export this game as PGN…", self.export_game)
        self._action(file, "Export &all games as PGN…", self.export_all)
        view = self.menuBar().addMenu("&View")
        self._action(view, "&Flip board", self.flip, "F")
        self._action(view, "Previous move", lambda: self.step(-1), Qt.Key.Key_Left)
        self._action(view, "Next move", lambda: self.step(1), Qt.Key.Key_Right)
        self._action(view, "First position", lambda: self.show_ply(0), Qt.Key.Key_Home)
        self._action(view, "Current position", lambda: self.show_ply(None), Qt.Key.Key_End)
        view.addSeparator()
        self.auto_orient_action = QAction("Turn the board to the player to move", self)
        self.auto_orient_action.setCheckable(True)
        self.auto_orient_action.setChecked(self.settings.auto_orient)
        self.auto_orient_action.toggled.connect(self._set_auto_orient)
        view.addAction(self.auto_orient_action)
        view.addSeparator()
        self.overlay_actions: dict[OverlayMode, QAction] = {}
        group = QActionGroup(self)
        for mode, text in ((OverlayMode.ALL, "Show predicted moves for both players"),
                           (OverlayMode.OPPONENT, "Show predicted moves for the opponent only"),
                           (OverlayMode.OFF, "Hide predicted moves")):
            action = QAction(text, self, checkable=True)
            action.setChecked(self.settings.overlay_mode is mode)
            action.triggered.connect(lambda _=False, m=mode: self.set_overlay_mode(m))
            group.addAction(action)
            view.addAction(action)
            self.overlay_actions[mode] = action
        self.overlay_actions[OverlayMode.OPPONENT].setToolTip(
            "Arrows are drawn only on the turns of the player at the top of the board; "
            "the board then stays where you turn it (F).")
        training = self.menuBar().addMenu("&Training")
        self._action(training, "&Retrain all players", lambda: self.start_training(None))
        self.retrain_white = self._action(training, "Retrain White's player",
                                          lambda: self._retrain_color(chess.WHITE))
        self.retrain_black = self._action(training, "Retrain Black's player",
                                          lambda: self._retrain_color(chess.BLACK))
        self.cancel_training_action = self._action(training, "&Cancel training", self.training.cancel)
        self.cancel_training_action.setEnabled(False)

    # ------------------------------------------------------------------------------ games --
    def startup(self) -> None:
        """Offer to resume an unfinished game, else ask for a new one."""
        if not self.offer_resume():
            self.new_game()

    def offer_resume(self) -> bool:
        records = list(self.store.unfinished_games())
        if not records:
            return False
        record = self.dialogs.choose_resume(records)
        if record is None:
            return False
        self.resume(record)
        return True

    def resume(self, record: GameRecordLike) -> None:
        by_id = {p.id: p for p in self.store.players()}
        session = GameSession.resume(self.store, record, promotion_chooser=self.dialogs.choose_promotion)
        self._attach(session, {chess.WHITE: by_id.get(record.white_id) if record.white_id is not None else None,
                               chess.BLACK: by_id.get(record.black_id) if record.black_id is not None else None})
        self.statusBar().showMessage("Game resumed.", 4000)

    def _player(self, name: str) -> PlayerLike:
        found = self.store.find_player(name)
        return found if found is not None else self.store.add_player(name)

    def new_game(self) -> bool:
        names = [p.name for p in self.store.players()]
        last = {c: (p.name if p is not None else "") for c, p in self.players.items()}
        choice = self.dialogs.new_game(names, last[chess.WHITE], last[chess.BLACK])
        if choice is None:
            return False
        white, black = self._player(choice.white), self._player(choice.black)
        if self.session is not None and not self.session.is_over and self.session.ply == 0:
            self.store.delete_game(self.session.game_id)  # an empty game is not worth keeping
        session = GameSession.start(self.store, white, black, event=choice.event,
                                    promotion_chooser=self.dialogs.choose_promotion)
        self._attach(session, {chess.WHITE: white, chess.BLACK: black})
        return True

    def _attach(self, session: GameSession, players: dict[chess.Color, PlayerLike | None]) -> None:
        if self.session is not None:
            self.session.move_played.disconnect(self._move_played)
            self.session.position_reset.disconnect(self._position_reset)
            self.session.game_finished.disconnect(self._game_finished)
            self.session.deleteLater()
        session.setParent(self)
        self.session = session
        self.players = players
        self.view_ply = None
        session.move_played.connect(self._move_played)
        session.position_reset.connect(self._position_reset)
        session.game_finished.connect(self._game_finished)
        self.predictions.load(players, session.board)
        self.predictions.set_over(session.is_over)
        self.refresh()

    def _move_attempted(self, from_square: int, to_square: int) -> None:
        if self.session is None or self.view_ply is not None:
            return
        try:
            played = self.session.attempt_move(from_square, to_square)
        except (sqlite3.Error, OSError) as error:  # a full disk, a vanished folder...
            played = None
            self.dialogs.inform("Move not saved", "The move could not be saved, so it was not played "
                                f"(nothing else is lost): {error}. Free some disk space and play it again.")
        if played is None:
            self.refresh()  # refused, cancelled or not saved: put the piece back

    def _move_played(self, move: chess.Move) -> None:
        assert self.session is not None
        self.predictions.push(move, self.session.board)
        self.refresh()

    def _position_reset(self) -> None:
        assert self.session is not None
        self.view_ply = None
        self.predictions.reset(self.session.board, over=self.session.is_over)
        self.refresh()

    def _game_finished(self, result: str, termination: str) -> None:
        self.predictions.set_over(True)
        self.refresh()
        QTimer.singleShot(0, lambda: self._after_game(result, termination))

    def _after_game(self, result: str, termination: str) -> None:
        if self._closed or self.training.running:
            return
        if self.dialogs.confirm("Game over", f"{result} ({termination}).\n\n"
                                "Retrain the players' models now, so they learn from this game?"):
            self.start_training(None)

    def takeback(self) -> None:
        if self.session is not None and self.session.takeback(1) == 0:
            self.statusBar().showMessage("Nothing to take back." if not self.session.is_over
                                         else "The game is over.", 3000)

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
        self.board.set_flipped(not self.board.is_flipped())
        self.refresh()

    def _set_auto_orient(self, value: bool) -> None:
        self.settings.auto_orient = value
        self.refresh()

    def set_overlay_mode(self, mode: OverlayMode) -> None:
        self.settings.overlay_mode = mode
        self.overlay_actions[mode].setChecked(True)
        self.refresh()

    def _auto_orient_now(self) -> bool:
        return (self.settings.auto_orient and self.settings.overlay_mode is not OverlayMode.OPPONENT
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

    def shown_board(self) -> chess.Board:
        if self.session is None:
            return chess.Board()
        return self.session.board if self.view_ply is None else self.session.board_at(self.view_ply)

    def refresh(self) -> None:
        """Bring every widget in line with the session (cheap; called after anything changes)."""
        session = self.session
        board = self.shown_board()
        live = session is not None and self.view_ply is None
        if self._auto_orient_now():
            assert session is not None
            self.board.set_flipped(session.turn == chess.BLACK)
        last = board.move_stack[-1] if board.move_stack else None
        check = board.king(board.turn) if board.is_check() else None
        self.board.set_position(board.piece_map(), session.legal_destinations() if live and session else {},
                                last_move=(last.from_square, last.to_square) if last else None, check=check)
        top = chess.WHITE if self.board.is_flipped() else chess.BLACK
        self.top_name.setText(self._seat_text(top))
        self.bottom_name.setText(self._seat_text(not top))
        self.status_label.setText(self._status_text())
        if session is not None:
            self.move_list.set_moves(session.sans, black_first=session.board.root().turn == chess.BLACK,
                                     current=session.ply if self.view_ply is None else self.view_ply)
        else:
            self.move_list.set_moves([])
        in_progress = session is not None and not session.is_over
        for widget in (self.takeback_button, self.takeback_action):
            widget.setEnabled(in_progress and session is not None and session.ply > 0)
        for widget in (self.resign_button, self.resign_action, self.draw_button, self.draw_action):
            widget.setEnabled(in_progress)
        self.export_action.setEnabled(session is not None)
        for color, action in ((chess.WHITE, self.retrain_white), (chess.BLACK, self.retrain_black)):
            player = self.players.get(color)
            action.setText(f"Retrain {player.name}" if player else f"Retrain {COLOR_NAMES[color]}'s player")
            action.setEnabled(player is not None)
        self.refresh_overlay()

    def _seat_text(self, color: chess.Color) -> str:
        if self.session is None:
            return COLOR_NAMES[color]
        marker = " ●" if self.session.turn == color and not self.session.is_over else ""
        return f"{self.session.seats[color].name} ({COLOR_NAMES[color]}){marker}"

    def _status_text(self) -> str:
        session = self.session
        if session is None:
            return "No game. Game → New game to start one."
        if session.is_over:
            return f"Game over: {session.result} ({session.termination})"
        text = f"{session.seat_to_move().name} to move ({COLOR_NAMES[session.turn]})"
        if session.board.is_check():
            text += " — check"
        if self.view_ply is not None:
            text += f"\nShowing the position after {self.view_ply} plies (End returns)"
        return text

    def facing(self) -> chess.Color:
        """The colour at the bottom of the board."""
        return chess.BLACK if self.board.is_flipped() else chess.WHITE

    def overlay_shown(self) -> bool:
        session = self.session
        return (session is not None and self.view_ply is None and not session.is_over
                and overlay_visible(self.settings.overlay_mode, session.turn, self.facing()))

    def refresh_overlay(self) -> None:
        session = self.session
        if session is None:
            self.board.set_shapes([])
            self.prediction_panel.show_predictions("—", [], "")
            return
        predictions = list(self.predictions.predictions())
        mode = self.settings.overlay_mode
        hidden_for_mover = mode is OverlayMode.OPPONENT and not overlay_visible(mode, session.turn, self.facing())
        if self.overlay_shown():
            self.board.set_shapes(compute_shapes(((p.move, p.probability) for p in predictions),
                                                 limit=MAX_ARROWS))
        else:
            self.board.set_shapes([])
        name = session.seat_to_move().name
        description = self.predictions.description(session.turn)
        if hidden_for_mover:
            self.prediction_panel.show_predictions(name, [], description,
                                                   note="Hidden on your own turn (View menu).")
        elif session.is_over:
            self.prediction_panel.show_predictions(name, [], description, note="The game is over.")
        else:
            note = "Arrows hidden (View menu)." if mode is OverlayMode.OFF else ""
            self.prediction_panel.show_predictions(name, predictions, description, note=note)

    # --------------------------------------------------------------------------- export --
    def export_game(self) -> None:
        if self.session is None:
            return
        white, black = (self.session.seats[c].name for c in (chess.WHITE, chess.BLACK))
        path = self.dialogs.save_pgn_path(_safe_file_name(f"{white}-{black}.pgn"))
        if path is not None:
            count = self.store.export_pgn([self.session.game_id], path)
            self.statusBar().showMessage(f"{count} game written to {path}", 5000)

    def export_all(self) -> None:
        game_ids = getattr(self.store, "game_ids", None)
        if callable(game_ids):
            ids: list[int] = list(game_ids())
        else:  # the contract's minimum: every player's games
            ids = sorted({r.id for p in self.store.players() for r in self.store.games_of_player(p.id)})
        if not ids:
            self.dialogs.inform("Export", "There are no games to export yet.")
            return
        path = self.dialogs.save_pgn_path("kibitz-games.pgn")
        if path is not None:
            count = self.store.export_pgn(sorted(ids), path)
            self.statusBar().showMessage(f"{count} games written to {path}", 5000)

    # --------------------------------------------------------------------------- import --
    def _run_in_background(self, title: str, label: str,
                           function: Callable[[Callable[[Any], None], Callable[[], bool]], Any],
                           on_done: Callable[[Any], None]) -> Worker:
        """Run ``function(report, cancelled)`` in the pool behind a cancellable progress dialog."""
        cancel = threading.Event()
        dialog = QProgressDialog(label, "Cancel", 0, 0, self)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(cancel.set)
        worker = Worker(lambda report: function(report, cancel.is_set))

        def progressed(value: Any) -> None:
            fraction = progress_fraction(value)
            if fraction is not None and fraction[1] > 0:
                dialog.setMaximum(1000)
                dialog.setValue(min(999, int(1000 * fraction[0] / fraction[1])))

        def finished() -> None:
            dialog.reset()
            dialog.deleteLater()
            if worker in self._workers:
                self._workers.remove(worker)

        worker.signals.progressed.connect(progressed)
        worker.signals.succeeded.connect(lambda result: None if self._closed else on_done(result))
        worker.signals.failed.connect(
            lambda message: None if self._closed else self.dialogs.inform(title, f"{title} failed: {message}"))
        worker.signals.finished.connect(finished)
        self._workers.append(worker)
        self.pool.start(worker)
        return worker

    def import_pgn(self, paths: Sequence[Path] | None = None) -> None:
        files = list(paths) if paths is not None else self.dialogs.open_pgn_files()
        if not files:
            return
        if self.open_store is None:
            self.dialogs.inform("Import PGN", "Importing needs a store that can be opened again.")
            return
        self._run_in_background("Import PGN", "Reading the names in the files…",
                                lambda report, cancelled: scan_names(files, report, cancelled),
                                lambda names: self._map_and_import(files, names))

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
        self.import_worker = self._run_in_background(
            "Import PGN", "Importing games…",
            lambda report, cancelled: run_import(opener, files, report, cancelled),
            self._import_done)

    def _import_done(self, summary: Any) -> None:
        self.last_import_summary = summary
        text, details = describe_summary(summary)
        self.dialogs.inform("Import finished", text, details)

    # ------------------------------------------------------------------------- training --
    def _retrain_color(self, color: chess.Color) -> None:
        player = self.players.get(color)
        if player is not None:
            self.start_training(player.name)

    def start_training(self, player: str | None) -> None:
        if not self.training.start(player):
            self.statusBar().showMessage("Training is already running.", 3000)
            return
        self.cancel_training_action.setEnabled(True)
        self.training_label.setText(f"Training {player}…" if player else "Training…")
        self.training_bar.setRange(0, 0)
        self.training_bar.show()

    def _training_progressed(self, event: dict[str, Any]) -> None:
        done, total = int(event.get("done") or 0), int(event.get("total") or 0)
        if total > 0:
            self.training_bar.setRange(0, total)
            self.training_bar.setValue(min(done, total))
        who = event.get("player")
        stage = event.get("stage") or "training"
        self.training_label.setText(f"{stage}{f' ({who})' if who else ''}: {event.get('message') or ''}".strip())

    def _training_finished(self, ok: bool, message: str) -> None:
        self.cancel_training_action.setEnabled(False)
        self.training_bar.hide()
        self.training_label.setText("")
        if self._closed:
            return
        if ok and self.session is not None:
            self.predictions.load(self.players, self.session.board)  # the new models, no restart
            self.predictions.set_over(self.session.is_over)
        self.statusBar().showMessage(message.splitlines()[0] if message else "", 8000)
        self.dialogs.inform("Training", message or ("Training finished." if ok else "Training failed."))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """The board keys, also when no shortcut fired (e.g. the window is not the active one)."""
        keys: dict[int, Callable[[], Any]] = {
            Qt.Key.Key_F: self.flip,
            Qt.Key.Key_Left: lambda: self.step(-1),
            Qt.Key.Key_Right: lambda: self.step(1),
            Qt.Key.Key_Home: lambda: self.show_ply(0),
            Qt.Key.Key_End: lambda: self.show_ply(None),
        }
        handler = keys.get(event.key())
        if handler is not None and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                                         Qt.KeyboardModifier.KeypadModifier):
            handler()
            event.accept()
            return
        super().keyPressEvent(event)

    # -------------------------------------------------------------------------- teardown --
    def shutdown(self) -> None:
        """Stop background work: kill training, wait for workers (no thread outlives the window)."""
        if self._closed:
            return
        self._closed = True
        self.training.shutdown()
        self.pool.waitForDone(30000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.window_geometry = self.saveGeometry()
        self.shutdown()
        super().closeEvent(event)


def _safe_file_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_. " else "_" for c in name)
