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
    if session is None:
        return NO_GAME
    if session.is_over:
        text = f"Game over: {session.outcome_text()}" if session.result != "*" else session.outcome_text()
    else:
        text = f"{session.seat_to_move().name} to move ({COLOR_NAMES[session.turn]})"
        if session.board.is_check():
            text += " — check"
        if session.clock_paused:
            text += " — clocks paused"
    if view_ply is not None:
        text += f"\nShowing {move_name(session, view_ply)} (End: the last move)"
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
