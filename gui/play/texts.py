"""What the board page says in words: names, status, the move shown, what was played there."""

from __future__ import annotations

from collections.abc import Sequence

import chess

from kibitz.engine.predictor import Prediction
from kibitz.gui.play.session import GameSession

COLOR_NAMES = {chess.WHITE: "White", chess.BLACK: "Black"}
NO_GAME = "No game open: Game → New game (Ctrl+N), or open one from the Games tab."


def seat_text(session: GameSession | None, color: chess.Color, shown: chess.Board, view_ply: int | None) -> str:
    """``"Alice (White) ●"``: the dot marks the side to move in the position shown."""
    if session is None:
        return COLOR_NAMES[color]
    marker = " ●" if shown.turn == color and not (session.is_over and view_ply is None) else ""
    return f"{session.seats[color].name} ({COLOR_NAMES[color]}){marker}"


def status_text(session: GameSession | None, view_ply: int | None) -> str:
    """The game's state; while walking back, first whose move it is in the position shown, so the
    status line and the "Likely moves for …" panel name the same player."""
    if session is None:
        return NO_GAME
    game = _game_text(session)
    if view_ply is None:
        return game
    shown = session.board_at(view_ply)
    here = f"Showing {move_name(session, view_ply)}"
    if not shown.is_game_over():
        here += f": {session.seats[shown.turn].name} to move ({COLOR_NAMES[shown.turn]})"
        if shown.is_check():
            here += " — check"
    return f"{here}\nIn the game (End): {game}"


def _game_text(session: GameSession) -> str:
    """The state of the game itself: over, or who is to move at its last position."""
    if session.is_over:
        return f"Game over: {session.outcome_text()}" if session.result != "*" else session.outcome_text()
    text = f"{session.seat_to_move().name} to move ({COLOR_NAMES[session.turn]})"
    if session.board.is_check():
        text += " — check"
    if session.clock_paused:
        text += " — clocks paused"
    return text


def move_name(session: GameSession, ply: int) -> str:
    """``"7…Rb8"`` for the position after ``ply`` plies, ``"the start"`` for 0."""
    if ply == 0:
        return "the start"
    root = session.board.root()
    index = ply - 1 + (1 if root.turn == chess.BLACK else 0)  # half-moves since White's first
    return f"{root.fullmove_number + index // 2}{'.' if index % 2 == 0 else '…'}{session.sans[ply - 1]}"


def played_next(session: GameSession | None, view_ply: int | None, predictions: Sequence[Prediction]) -> str:
    """What was played next from the position shown, against what the model expected."""
    if session is None or view_ply is None:
        return ""
    move = session.board.move_stack[view_ply]
    san = session.sans[view_ply]
    for rank, prediction in enumerate(predictions, 1):
        if prediction.move == move:
            return f"Played: {san} (expected #{rank}, {prediction.probability:.0%})"
    return f"Played: {san} (not in the model's top {len(predictions)})" if predictions else f"Played: {san}"
