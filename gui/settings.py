"""User settings kept in QSettings (handed in, so tests use a temporary file)."""

from __future__ import annotations

from enum import Enum

import chess
from PySide6.QtCore import QByteArray, QSettings


class OverlayMode(str, Enum):
    """Whose predicted moves are drawn on the board."""

    ALL = "all"  # on every turn
    OPPONENT = "opponent"  # hidden on the turns of the player the board faces
    OFF = "off"


def overlay_visible(mode: OverlayMode, turn: chess.Color, facing: chess.Color) -> bool:
    """Whether the side to move's arrows are drawn, for a board facing ``facing``.

    >>> overlay_visible(OverlayMode.OPPONENT, chess.BLACK, chess.WHITE)
    True
    """
    if mode is OverlayMode.OFF:
        return False
    if mode is OverlayMode.OPPONENT:
        return turn != facing
    return True


class AppSettings:
    """Typed access to the few settings kibitz remembers."""

    def __init__(self, qsettings: QSettings) -> None:
        self.q = qsettings

    @property
    def overlay_mode(self) -> OverlayMode:
        try:
            return OverlayMode(str(self.q.value("overlay/mode", OverlayMode.ALL.value)))
        except ValueError:
            return OverlayMode.ALL

    @overlay_mode.setter
    def overlay_mode(self, mode: OverlayMode) -> None:
        self.q.setValue("overlay/mode", mode.value)
        self.q.sync()

    @property
    def auto_orient(self) -> bool:
        return str(self.q.value("board/auto_orient", "true")).lower() in ("true", "1")

    @auto_orient.setter
    def auto_orient(self, value: bool) -> None:
        self.q.setValue("board/auto_orient", "true" if value else "false")
        self.q.sync()

    @property
    def window_geometry(self) -> QByteArray | None:
        value = self.q.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self.q.setValue("window/geometry", value)

    @property
    def guess_mode(self) -> bool:
        """Guess the move: the watching player's first drag is a guess, not a move."""
        return str(self.q.value("insight/guess_mode", "false")).lower() in ("true", "1")

    @guess_mode.setter
    def guess_mode(self, value: bool) -> None:
        self.q.setValue("insight/guess_mode", "true" if value else "false")
        self.q.sync()

    @property
    def learn_after_game(self) -> bool:
        """Fine-tune both players' models in the background after every finished game, unasked."""
        return str(self.q.value("insight/learn_after_game", "false")).lower() in ("true", "1")

    @learn_after_game.setter
    def learn_after_game(self, value: bool) -> None:
        self.q.setValue("insight/learn_after_game", "true" if value else "false")
        self.q.sync()
