"""Review captions: moves the model gave under 1% read as words, not as markup."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import QThreadPool

from insight_data import store_with_games
from kibitz.engine.review import GameReview, MoveReview
from kibitz.gui.review import ReviewWindow
from label_text import shown_text


def _review(record: Any) -> GameReview:
    """A review of ``record`` in which its third move was a surprise the model gave well under 1%."""
    board = chess.Board()
    moves = []
    for ply, uci in enumerate(record.moves[:6]):
        move = chess.Move.from_uci(uci)
        legal = list(board.legal_moves)
        other = next(m for m in legal if m != move)
        probability = 0.003 if ply == 2 else 0.4
        moves.append(MoveReview(ply, board.turn, board.san(move), probability, 5 if ply == 2 else 1, len(legal),
                                board.san(other) if ply == 2 else board.san(move), 0.6 if ply == 2 else 0.4))
        board.push(move)
    return GameReview(record.id, "Dad <3", record.black, {chess.WHITE: "base", chess.BLACK: "base"}, moves)


def test_a_surprise_under_one_percent_is_captioned_in_words(qtbot: Any, store: Any) -> None:
    player = store_with_games(store, 1)
    record = store.games_of_player(player.id)[0]
    window = ReviewWindow(store, QThreadPool())
    qtbot.addWidget(window)
    window.record = record
    review = _review(record)
    window.show_review(review)  # the most surprising move is shown first
    caption = shown_text(window.caption)
    assert window.shown == 2
    assert "<1%" in caption and "rank 5 of" in caption
    assert "<br>" not in caption and "<span" not in caption and "■ played" in caption
    assert "Dad <3" in shown_text(window.summary)  # a name is data, never markup
    for row in range(window.surprises.count()):  # every "most surprising" entry, clicked
        window.surprises.setCurrentRow(row)
        assert "<span" not in shown_text(window.caption)
