"""User settings kept in QSettings (handed in, so tests use a temporary file)."""

from __future__ import annotations

from enum import Enum
from typing import Any

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


class Flag:
    """A yes/no setting of :class:`AppSettings`, stored as "true"/"false" and written at once."""

    def __init__(self, key: str, default: bool) -> None:
        self.key, self.default = key, default

    def __get__(self, settings: AppSettings | None, owner: type | None = None) -> Any:
        if settings is None:  # looked up on the class
            return self
        return str(settings.q.value(self.key, "true" if self.default else "false")).lower() in ("true", "1")

    def __set__(self, settings: AppSettings, value: bool) -> None:
        settings.q.setValue(self.key, "true" if value else "false")
        settings.q.sync()


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

    auto_orient = Flag("board/auto_orient", True)
    #: Guess the move: the watching player's first drag is a guess, not a move.
    guess_mode = Flag("insight/guess_mode", False)
    #: Fine-tune both players' models in the background after every finished game, unasked.
    learn_after_game = Flag("insight/learn_after_game", False)

    @property
    def last_players(self) -> tuple[str, str]:
        """White's and Black's names in the last game started here ("" when none), kept across restarts."""
        return str(self.q.value("game/last_white", "") or ""), str(self.q.value("game/last_black", "") or "")

    @last_players.setter
    def last_players(self, names: tuple[str, str]) -> None:
        self.q.setValue("game/last_white", names[0])
        self.q.setValue("game/last_black", names[1])
        self.q.sync()

    @property
    def engine_path(self) -> str:
        """The chess engine chosen in Insight → Chess engine… ("": find Stockfish on this computer)."""
        return str(self.q.value("engine/path", "") or "")

    @engine_path.setter
    def engine_path(self, path: str) -> None:
        self.q.setValue("engine/path", path)
        self.q.sync()

    @property
    def window_geometry(self) -> QByteArray | None:
        value = self.q.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self.q.setValue("window/geometry", value)
