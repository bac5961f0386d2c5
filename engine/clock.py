"""Chess clocks as plain data and arithmetic: time controls, the running clock, the flag rule.

No Qt and no wall time here: :class:`GameClock` reads time only through the ``now`` function it is
given (``time.monotonic`` by default, so a changed system clock changes nothing), so tests drive it
with a number they set. The window puts a timer on top that only repaints and asks :meth:`flagged`.

How a family uses it, decided here once:

- Each side has its own :class:`TimeControl` (minutes + increment per move), so a parent can give a
  child more time. The increment is added after each move (Fischer), and the clock stored with a
  move is the mover's time left after it, increment included (as lichess writes ``[%clk]``).
- A new game's clock runs from the start: White's time from the moment the game begins.
- Pause stops both clocks; a move played while paused starts them again.
- A takeback puts both clocks back as they were at the position returned to.
- A game resumed after kibitz was closed (or crashed) starts paused, with each side's time as after
  their last move: the time the side to move had been thinking is given back.

>>> now = [0.0]
>>> clock = GameClock.start({chess.WHITE: TimeControl(300, 2), chess.BLACK: TimeControl(600, 0)},
...                         turn=chess.WHITE, now=lambda: now[0])
>>> now[0] = 10.0
>>> clock.press()          # White moved after 10 s: 290 s left, plus the 2 s increment
292.0
>>> clock.remaining(chess.BLACK)
600.0
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import chess

Now = Callable[[], float]

#: The PGN tag of a game's time control (``"300+2"``), and kibitz's own tags when the sides differ.
TIME_CONTROL_TAG: Final = "TimeControl"
SIDE_TAGS: Final = {chess.WHITE: "WhiteTimeControl", chess.BLACK: "BlackTimeControl"}
_CONTROL: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*\+\s*(\d+(?:\.\d+)?)\s*$|^\s*(\d+(?:\.\d+)?)\s*$")
_CLK: Final = re.compile(r"\[%clk\s+(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*\]")


@dataclass(frozen=True, slots=True)
class TimeControl:
    """A side's time: ``base`` seconds at the start and ``increment`` seconds added after each move."""

    base: float
    increment: float = 0.0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.increment < 0:
            raise ValueError(f"a time control needs time: {self.base} s + {self.increment} s")

    @classmethod
    def parse(cls, text: str) -> TimeControl | None:
        """``"300+2"`` or ``"600"`` (PGN's TimeControl); None for ``"-"``, ``"?"``, ``"40/9000"`` and the like."""
        match = _CONTROL.match(text or "")
        if match is None:
            return None
        base = float(match.group(1) or match.group(3))
        increment = float(match.group(2) or 0)
        return cls(base, increment) if base > 0 else None

    def tag(self) -> str:
        """The PGN TimeControl value, ``"300+2"``."""
        return f"{_number(self.base)}+{_number(self.increment)}"

    def words(self) -> str:
        """``"5 min + 2 s"``."""
        minutes = self.base / 60
        text = f"{_number(minutes)} min" if minutes >= 1 else f"{_number(self.base)} s"
        return text + (f" + {_number(self.increment)} s" if self.increment else "")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


Controls = Mapping[chess.Color, TimeControl]


def controls_to_tags(controls: Controls | None) -> dict[str, str]:
    """The tags that record the game's time controls (none for a game without clocks)."""
    if not controls:
        return {}
    white, black = controls[chess.WHITE], controls[chess.BLACK]
    if white == black:
        return {TIME_CONTROL_TAG: white.tag()}
    return {TIME_CONTROL_TAG: "-", SIDE_TAGS[chess.WHITE]: white.tag(), SIDE_TAGS[chess.BLACK]: black.tag()}


def controls_from_tags(tags: Mapping[str, str]) -> dict[chess.Color, TimeControl] | None:
    """The time controls a game's tags give, or None when the game has no (readable) clock."""
    common = TimeControl.parse(tags.get(TIME_CONTROL_TAG, ""))
    controls = {}
    for color, tag in SIDE_TAGS.items():
        control = TimeControl.parse(tags.get(tag, "")) or common
        if control is None:
            return None
        controls[color] = control
    return controls


def parse_clk(comment: str) -> float | None:
    """The seconds in a ``[%clk 0:04:58.3]`` command of a move comment, or None without one."""
    match = _CLK.search(comment)
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def format_clk(seconds: float) -> str:
    """The ``[%clk]`` command for a clock reading: whole seconds as lichess writes them, tenths when there are
    some (chess.com's ``0:02:59.9``), so an imported game's clocks come out as they went in."""
    seconds = max(0.0, seconds)
    whole = int(seconds)
    tenths = int(round((seconds - whole) * 10))
    if tenths == 10:
        whole, tenths = whole + 1, 0
    text = f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    return f"[%clk {text}{f'.{tenths}' if tenths else ''}]"


def clock_text(seconds: float) -> str:
    """How a clock face shows the time: ``"4:59"``, ``"1:02:03"``, tenths under 10 s (``"0:09.4"``)."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        tenths = int(seconds * 10)  # round down: a clock never shows time that is gone
        return f"0:{tenths // 10:02d}.{tenths % 10}"
    whole = int(seconds)
    hours, minutes, secs = whole // 3600, whole // 60 % 60, whole % 60
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clocks_at(controls: Controls, start_turn: chess.Color, clocks: Sequence[float | None],
              ply: int) -> dict[chess.Color, float]:
    """Each side's time at the position after ``ply`` plies: its clock after its last move there, or
    its starting time. ``clocks[i]`` is the mover's clock after ply ``i`` (None where not recorded)."""
    times = {color: control.base for color, control in controls.items()}
    mover = start_turn
    for value in clocks[:ply]:
        if value is not None:
            times[mover] = value
        mover = not mover
    return times


def cannot_checkmate(board: chess.Board, color: chess.Color) -> bool:
    """Whether ``color`` has too little material ever to checkmate (a lone king, or king and one minor piece).

    The FIDE rule for a flag: the side whose time ran out loses, unless the opponent cannot checkmate
    by any series of legal moves; then it is a draw. python-chess's test is the usual reading of it.
    """
    return board.has_insufficient_material(color)


def flag_result(board: chess.Board, flagged: chess.Color) -> str:
    """The result when ``flagged``'s time runs out in ``board``'s position."""
    if cannot_checkmate(board, not flagged):
        return "1/2-1/2"
    return "0-1" if flagged == chess.WHITE else "1-0"


class GameClock:
    """Two sides' clocks; one runs at a time (the side to move's) unless the clock is paused.

    Times are seconds; ``now`` is read on every question, never stored between them except as the
    moment the running side's turn (or the last resume) began.
    """

    def __init__(self, controls: Controls, times: Mapping[chess.Color, float], *, turn: chess.Color,
                 running: bool, now: Now = time.monotonic) -> None:
        self.controls = dict(controls)
        self._times = dict(times)
        self.turn = turn
        self._now = now
        self._since: float | None = now() if running else None  # when the running side's clock last started

    @classmethod
    def start(cls, controls: Controls, *, turn: chess.Color = chess.WHITE, now: Now = time.monotonic) -> GameClock:
        """A new game's clock, running for ``turn`` from now."""
        return cls(controls, {color: control.base for color, control in controls.items()}, turn=turn,
                   running=True, now=now)

    @property
    def running(self) -> bool:
        return self._since is not None

    def remaining(self, color: chess.Color) -> float:
        """``color``'s time left now (never below zero)."""
        left = self._times[color]
        if color == self.turn and self._since is not None:
            left -= self._now() - self._since
        return max(0.0, left)

    def flagged(self) -> chess.Color | None:
        """The side whose time has run out, if any (only the side to move's clock runs down)."""
        return self.turn if self.remaining(self.turn) <= 0 else None

    def after_move(self) -> float:
        """What the mover's clock will read after moving now (time left plus the increment)."""
        return self.remaining(self.turn) + self.controls[self.turn].increment

    def press(self, value: float | None = None) -> float:
        """The side to move has moved: stop their clock (adding the increment), start the other's.

        Returns the mover's clock after the move (what is stored with it): ``value`` if given (read
        with :meth:`after_move` before the move was stored). A move played while paused starts the
        clock again.
        """
        value = self.after_move() if value is None else value
        self._times[self.turn] = value
        self.turn = not self.turn
        self._since = self._now()
        return value

    def pause(self) -> None:
        if self._since is not None:
            self._times[self.turn] = self.remaining(self.turn)
            self._since = None

    def resume(self) -> None:
        if self._since is None:
            self._since = self._now()

    def set(self, times: Mapping[chess.Color, float], turn: chess.Color) -> None:
        """Put the clocks at ``times`` with ``turn`` to move (a takeback); running stays as it was."""
        self._times = dict(times)
        self.turn = turn
        if self._since is not None:
            self._since = self._now()
