"""Typing a move: SAN or UCI (``e4``, ``Nf3``, ``nf3``, ``e7e8q``), completed from the legal moves; Enter plays it."""

from __future__ import annotations

import chess
from PySide6.QtCore import QEvent, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

#: Keys that walk the move list: while the box is empty they stay the window's, not the cursor's.
NAVIGATION_KEYS = frozenset({Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End})


def legal_names(board: chess.Board) -> list[str]:
    """Every legal move as SAN, then as UCI: what the box completes."""
    moves = list(board.legal_moves)
    return sorted(board.san(m) for m in moves) + sorted(m.uci() for m in moves)


def typed_move(board: chess.Board, text: str) -> chess.Move | None:
    """The legal move ``text`` names in SAN or UCI, or None.

    Lower-case piece letters are accepted (``nf3``) when they name no pawn move (``bxc3`` stays the pawn);
    ``0-0`` and check marks are read as python-chess reads them.
    """
    text = text.strip()
    if not text:
        return None
    for candidate in (text, text[0].upper() + text[1:]):
        try:
            return board.parse_san(candidate)
        except ValueError:
            pass
    try:
        move = chess.Move.from_uci(text.lower())
    except ValueError:
        return None
    return move if move in board.legal_moves else None


class MoveEntry(QLineEdit):
    """One line for a typed move, with the legal moves as completions."""

    move_entered = Signal(str)  # the text, when Enter is pressed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Type a move: e4, Nf3, e7e8q")
        self.setToolTip("Type a move in SAN or UCI and press Enter; the list offers the legal ones.")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.names = QStringListModel(self)
        completer = QCompleter(self.names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.returnPressed.connect(self._entered)
        self._position: str | None = None  # the FEN whose moves are offered

    def set_board(self, board: chess.Board | None) -> None:
        """Complete from ``board``'s legal moves (None: nothing to complete)."""
        key = board.fen() if board is not None else None
        if key == self._position:
            return  # the same position: the list is already right (refreshes come often)
        self._position = key
        self.names.setStringList(legal_names(board) if board is not None else [])

    def _entered(self) -> None:
        completer = self.completer()
        popup = completer.popup() if completer is not None else None
        if popup is not None and popup.isVisible():
            popup.hide()
        self.move_entered.emit(self.text())

    def event(self, event: QEvent) -> bool:
        # An empty box leaves the arrow keys to the window's shortcuts (walking the moves).
        if (event.type() == QEvent.Type.ShortcutOverride and not self.text() and isinstance(event, QKeyEvent)
                and event.key() in NAVIGATION_KEYS and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            event.ignore()
            return False
        return super().event(event)
