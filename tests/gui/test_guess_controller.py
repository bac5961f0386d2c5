"""Guess-the-move scoring through the controller the play feature consults."""

from __future__ import annotations

from typing import Any

import chess

from kibitz.engine.guess import Tally, game_tally, pair_tally
from kibitz.gui.guess import GuessController
from kibitz.gui.overlay import Shape, brush_for


def test_a_guess_is_scored_against_the_model_after_the_real_move(qtbot: Any, store: Any) -> None:
    dad, son = store.add_player("Dad"), store.add_player("Son")
    game = store.start_game(dad.id, son.id)
    guesses = GuessController(store)
    board = chess.Board()
    assert not guesses.waiting_for_guess(game, 0)
    guesses.set_enabled(True)
    assert guesses.waiting_for_guess(game, 0)
    # Son guesses Dad's first move; the model's first choice was d4.
    e4, d4 = chess.Move.from_uci("e2e4"), chess.Move.from_uci("d2d4")
    assert not guesses.guess(board, game, chess.Move.from_uci("e2e5"), d4, (son.id, "Son"), dad.id)
    assert guesses.guess(board, game, e4, d4, (son.id, "Son"), dad.id)
    assert not guesses.waiting_for_guess(game, 0)  # the arrows may be revealed now
    assert [(s.orig, s.dest, s.brush.name) for s in guesses.shapes(game, 0)] == [(chess.E2, chess.E4, "guess")]
    # Over the model's own arrow for that move, the guess takes its place and names its percentage.
    predicted = [Shape(chess.E2, chess.E4, brush_for(0, 0.5), "50%"),
                 Shape(chess.D2, chess.D4, brush_for(1, 0.2), "20%")]
    merged = [(s.orig, s.dest, s.label) for s in guesses.shapes(game, 0, predicted)]
    assert merged == [(chess.D2, chess.D4, "20%"), (chess.E2, chess.E4, "guess · 50%")]
    with qtbot.waitSignal(guesses.scored) as scored:
        result = guesses.resolve(board, game, e4)
    assert result is not None and result.points == (1, 0)
    assert scored.args[0].startswith("e4 was played: Son right, the model wrong. This game: Son 1 of 1")
    assert "all games: Son 1 of 1, the model 0 of 1" in scored.args[0]
    board.push(e4)
    assert guesses.waiting_for_guess(game, 1) and guesses.shapes(game, 0) == []
    # Dad guesses Son's reply wrongly, the model rightly; then it is taken back.
    c5, e5 = chess.Move.from_uci("c7c5"), chess.Move.from_uci("e7e5")
    guesses.guess(board, game, e5, c5, (dad.id, "Dad"), son.id)
    guesses.resolve(board, game, c5)
    assert game_tally(store, game, dad.id) == Tally(1, 0, 1)
    guesses.taken_back(game, 1)
    assert game_tally(store, game, dad.id) == Tally() and pair_tally(store, son.id, dad.id) == Tally(1, 1, 0)
    # A real move with no guess pending scores nothing.
    assert guesses.resolve(board, game, c5) is None
