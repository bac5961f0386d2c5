"""Test doubles and input helpers for the GUI tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chess
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from kibitz.gui.board_view import BoardView
from kibitz.gui.dialogs import Dialogs, NameMapping, NewGameChoice


@dataclass(frozen=True)
class FakeStatus:
    kind: str = "base"
    description: str = "fake model for tests"
    rating: int | None = None  # the player's rating for the prior (None: the fake has none)


@dataclass(frozen=True)
class FakePrediction:
    move: chess.Move
    san: str
    probability: float


# Fixed predictions: first choices by UCI for some positions, otherwise legal moves in UCI order.
OPENING_CHOICES = {
    chess.STARTING_BOARD_FEN: [("e2e4", 0.5), ("d2d4", 0.25), ("g1f3", 0.15), ("c2c4", 0.05), ("b1c3", 0.03)],
}


class FakePredictor:
    """Implements the GamePredictor protocol with fixed, inspectable answers."""

    def __init__(self, player: Any = None, *, status: FakeStatus | None = None) -> None:
        self.player = player
        self.status = status or FakeStatus()
        self.board = chess.Board()
        self.pushes: list[str] = []
        self.resets = 0
        self.game: tuple[chess.Color, int | None] | None = None  # what pairing told it

    def set_game(self, colour: chess.Color, opponent_rating: int | None) -> None:
        self.game = (colour, opponent_rating)

    def reset(self, board: chess.Board | None = None) -> None:
        self.resets += 1
        self.board = board.copy() if board is not None else chess.Board()
        self.pushes = [m.uci() for m in self.board.move_stack]

    def push(self, move: chess.Move) -> None:
        self.board.push(move)
        self.pushes.append(move.uci())

    def top_moves(self, k: int = 5) -> list[FakePrediction]:
        choices = OPENING_CHOICES.get(self.board.board_fen())
        if choices is None:
            legal = sorted(self.board.legal_moves, key=lambda m: m.uci())
            choices = [(m.uci(), 0.5 ** (i + 1)) for i, m in enumerate(legal)]
        return [FakePrediction(chess.Move.from_uci(u), self.board.san(chess.Move.from_uci(u)), p)
                for u, p in choices[:k]]


class FakePredictorFactory:
    """Hands out FakePredictors and remembers them."""

    def __init__(self) -> None:
        self.made: list[FakePredictor] = []

    def __call__(self, player: Any, store: Any) -> FakePredictor:
        predictor = FakePredictor(player)
        self.made.append(predictor)
        return predictor


@dataclass
class ScriptedDialogs(Dialogs):
    """Answers every question from attributes and records what was asked."""

    new_game_choice: NewGameChoice | None = NewGameChoice("Alice", "Bob", None)
    promotion: chess.PieceType | None = chess.QUEEN
    resume: Callable[[Sequence[Any]], Any] = field(default=lambda records: records[0])
    confirm_answer: bool = False
    pgn_files: list[Path] = field(default_factory=list)
    mappings: Callable[[Sequence[tuple[str, int]], Sequence[tuple[int, str]]], list[NameMapping] | None] = (
        field(default=lambda names, players: []))
    save_path: Path | None = None
    text_answer: str | None = None
    item_answer: int | None = None
    asked: list[tuple[str, str]] = field(default_factory=list)
    informed: list[tuple[str, str, str]] = field(default_factory=list)
    parent: Any = None

    def choose_promotion(self, color: chess.Color) -> chess.PieceType | None:
        self.asked.append(("promotion", "white" if color else "black"))
        return self.promotion

    def new_game(self, names: Sequence[str], white: str = "", black: str = "", *,
                 levels: Any = None) -> NewGameChoice | None:
        self.asked.append(("new_game", ",".join(names)))
        return self.new_game_choice

    def choose_resume(self, records: Sequence[Any], *, abandon: Any = None) -> Any:
        self.asked.append(("resume", str(len(records))))
        return self.resume(records)

    def confirm(self, title: str, text: str) -> bool:
        self.asked.append((title, text))
        return self.confirm_answer

    def inform(self, title: str, text: str, details: str = "") -> None:
        self.informed.append((title, text, details))

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        self.asked.append((title, label))
        return self.text_answer

    def choose_item(self, title: str, label: str, items: Sequence[str]) -> int | None:
        self.asked.append((title, label))
        return self.item_answer

    def open_pgn_files(self) -> list[Path]:
        return list(self.pgn_files)

    def save_pgn_path(self, suggested: str) -> Path | None:
        return self.save_path

    def map_import_names(self, names: Sequence[tuple[str, int]],
                         players: Sequence[tuple[int, str]]) -> list[NameMapping] | None:
        self.asked.append(("map_names", ",".join(n for n, _ in names)))
        return self.mappings(names, players)


def _point(view: BoardView, square: int) -> QPoint:
    return view.square_center(square).toPoint()


def click_square(qtbot: Any, view: BoardView, square: int) -> None:
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_point(view, square))


def click_move(qtbot: Any, view: BoardView, uci: str) -> None:
    move = chess.Move.from_uci(uci)
    click_square(qtbot, view, move.from_square)
    click_square(qtbot, view, move.to_square)


def _send(view: BoardView, kind: QEvent.Type, pos: QPointF, button: Qt.MouseButton,
          buttons: Qt.MouseButton) -> None:
    event = QMouseEvent(kind, pos, view.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, event)


def drag_move(view: BoardView, uci: str, *, to: QPointF | None = None) -> None:
    """Press on the origin, move with the button held (several steps), release on the target."""
    move = chess.Move.from_uci(uci)
    start = view.square_center(move.from_square)
    end = to if to is not None else view.square_center(move.to_square)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _send(view, QEvent.Type.MouseButtonPress, start, left, left)
    for step in range(1, 6):
        t = step / 5
        point = QPointF(start.x() + (end.x() - start.x()) * t, start.y() + (end.y() - start.y()) * t)
        _send(view, QEvent.Type.MouseMove, point, none, left)
    _send(view, QEvent.Type.MouseButtonRelease, end, left, none)
