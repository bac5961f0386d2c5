"""The Training menu and the status bar's progress while a retrain runs; a plain summary at the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import chess
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMenu, QProgressBar, QStatusBar, QWidget

from kibitz.engine.models import learning_status_of
from kibitz.engine.player_games import LearningStatus
from kibitz.gui.actions import add_action
from kibitz.gui.dialogs import Dialogs, plain_label
from kibitz.gui.play.feature import PlayFeature
from kibitz.gui.training.runner import INSTALL_HINT, TrainingRunner

#: The training's stage names, in words for the status bar.
STAGES = {
    "fit the player's rating": "Fitting their rating",
    "prior over the player's games": "Reading the games",
    "fine-tune": "Learning",
    "export and judge": "Checking the new model",
    "prior cache": "Reading the games",
    "train": "Learning",
}


def progress_text(event: dict[str, Any]) -> str:
    """``"Learning Alice's moves: 3 of 10"`` from a progress event (raw figures stay in the log).

    >>> progress_text({"stage": "fine-tune", "player": "Alice", "done": 3, "total": 10})
    'Learning (Alice): 3 of 10'
    >>> progress_text({"stage": "fit the player's rating", "player": "Alice", "done": 0, "total": 1})
    'Fitting their rating (Alice)…'
    """
    stage = STAGES.get(str(event.get("stage") or ""), str(event.get("stage") or "Training").capitalize())
    who = f" ({event['player']})" if event.get("player") else ""
    done, total = int(event.get("done") or 0), int(event.get("total") or 0)
    return f"{stage}{who}: {done:,} of {total:,}" if total > 1 else f"{stage}{who}…"


def summary_text(ok: bool, message: str, models: list[dict[str, Any]]) -> str:
    """Who got a new model and who did not, and why, in plain sentences (the first line stands alone)."""
    if not models:
        return message or ("Training finished." if ok else "Training failed.")
    installed = [str(m.get("player")) for m in models if m.get("installed")]
    lines = []
    if len(models) == 1:
        lines.append(str(models[0].get("message") or f"{models[0].get('player')}: done"))
    else:
        lines.append(f"New model for {' and '.join(installed)}." if installed else
                     "No new model: " + ", ".join(str(m.get("player")) for m in models) + " keep the models they have.")
        for model in models:
            player, said = str(model.get("player") or ""), str(model.get("message") or "")
            lines.append(f"• {said}" if said.startswith(player) else f"• {player}: {said or 'done'}")
    return "\n".join(lines)


class TrainingFeature(QObject):
    """Starts ``kibitz-train`` for the window's data folder and shows how far it is."""

    models_changed = Signal()  # a retrain finished: the predictors should be opened again

    def __init__(self, runner: TrainingRunner, dialogs: Dialogs, play: PlayFeature, status_bar: QStatusBar,
                 notify: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.available = runner.available  # without the training extra, say so instead of failing later
        self.dialogs = dialogs
        self.play = play
        self.notify = notify
        self.closed = False
        self.quiet = False
        self.wall_limit = QTimer(self)  # ends a background learning run that takes too long
        self.wall_limit.setSingleShot(True)
        self.wall_limit.timeout.connect(self._out_of_time)
        self.label: QLabel = plain_label()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.hide()
        status_bar.addPermanentWidget(self.label)
        status_bar.addPermanentWidget(self.bar)
        runner.progressed.connect(self._progressed)
        runner.finished.connect(self._finished)
        play.game_changed.connect(self.refresh)  # the window decides what follows a finished game

    def fill_menu(self, window: QWidget, menu: QMenu) -> None:
        add_action(window, menu, "&Retrain all players", lambda: self.start(None))
        self.retrain_white = add_action(window, menu, "Retrain White's player", lambda: self._retrain(chess.WHITE))
        self.retrain_black = add_action(window, menu, "Retrain Black's player", lambda: self._retrain(chess.BLACK))
        self.cancel_action = add_action(window, menu, "&Cancel training", self.runner.cancel)
        self.cancel_action.setEnabled(False)
        self.refresh()

    def refresh(self) -> None:
        if not hasattr(self, "retrain_white"):
            return
        for color, action in ((chess.WHITE, self.retrain_white), (chess.BLACK, self.retrain_black)):
            player = self.play.players.get(color)
            name = "White" if color == chess.WHITE else "Black"
            action.setText(f"Retrain {player.name}" if player else f"Retrain {name}'s player")
            action.setEnabled(player is not None)

    def _retrain(self, color: chess.Color) -> None:
        player = self.play.players.get(color)
        if player is not None:
            self.start(player.name)

    def start(self, player: str | None) -> None:
        if not self.available:
            self.dialogs.inform("Training", INSTALL_HINT + ".")
            return
        if not self.runner.start(player):
            self.notify("Training is already running.")
            return
        self._started(f"Retraining {player}…" if player else "Retraining…", quiet=False)

    def statuses(self, players: list[str]) -> list[LearningStatus]:
        """Where each named player is in the learning loop (their book already counts every game)."""
        store = self.play.store
        found = [store.find_player(name) for name in players]
        return [learning_status_of(store, p) for p in found if p is not None]  # type: ignore[arg-type]

    def learn(self, players: list[str], time_budget_s: float, wall_limit_s: float) -> None:
        """Learning after a game (the setting allows it). The players' books counted the game at
        once; the network retrains now, unasked, for the players it is due for (enough new games
        for a judgement: :func:`kibitz.engine.player_games.learning_status`), each bounded to
        ``time_budget_s`` of fine-tuning, the whole run killed after ``wall_limit_s``. A new model
        is installed only when it is better on games neither model learned from; a killed run
        changes nothing. The status bar says what happens and why."""
        if self.closed or not players:
            return
        if not self.available:  # the setting was made with the extra installed: say it stays until it is back
            self._show_notice(f"The books learned the game; the networks wait: {INSTALL_HINT[0].lower()}{INSTALL_HINT[1:]}.")
            return
        statuses = self.statuses(players)
        self.notify("; ".join(s.text for s in statuses))
        players = [s.name for s in statuses if s.adapter_due]
        if not players:
            return
        if not self.runner.start(players[0], more_players=players[1:], time_budget_s=time_budget_s):
            self.notify("Training is already running; this game is learned from at the next retrain.")
            return
        self._started(f"Learning from the game ({', '.join(players)})…", quiet=True)
        self.wall_limit.start(int(wall_limit_s * 1000))

    def _started(self, text: str, *, quiet: bool) -> None:
        self.quiet = quiet  # background learning ends with a status-bar line, not a dialog
        self.cancel_action.setEnabled(True)
        self.label.setText(text)
        self.label.setToolTip("")
        self.bar.setRange(0, 0)
        self.bar.show()

    def offer_after_game(self, outcome: str, players: list[str]) -> None:
        """Without learning after every game: the books know the game already; a retrain of the
        network is offered only when it is due for one of the players (and training is installed)."""
        if self.closed or self.runner.running or not self.available:
            return
        statuses = self.statuses(players)
        texts = "\n".join(s.text for s in statuses)
        if not any(s.adapter_due for s in statuses):
            self.notify("; ".join(s.text for s in statuses))
            return
        if self.dialogs.confirm("Game over", f"{outcome}.\n\n{texts}\n\n"
                                "Retrain the players' networks now, so they learn from these games?"):
            self.start(None)

    def _progressed(self, event: dict[str, Any]) -> None:
        done, total = int(event.get("done") or 0), int(event.get("total") or 0)
        if total > 1:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)
        self.label.setText(progress_text(event))

    def _out_of_time(self) -> None:
        if self.runner.running:
            self.notify("Learning from the game took too long and was stopped; no half-trained model was installed.")
            self.runner.cancel()

    def _finished(self, ok: bool, message: str) -> None:
        self.wall_limit.stop()
        self.cancel_action.setEnabled(False)
        self.bar.hide()
        self.label.setText("")
        if self.closed:
            return
        if ok:
            self.models_changed.emit()
        text = summary_text(ok, message, list(self.runner.models))
        self.notify(text.splitlines()[0] if text else "")
        if not self.quiet:
            self.dialogs.inform("Training", text)
        elif not ok:  # unasked learning failed: say so until the next run, not for a few seconds
            self._show_notice(text)

    def _show_notice(self, text: str) -> None:
        """A lasting line in the status bar (the whole text in its tooltip)."""
        self.label.setText(text.splitlines()[0] if text else "")
        self.label.setToolTip(text)

    def shutdown(self) -> None:
        self.closed = True
        self.runner.shutdown()
