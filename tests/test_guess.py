"""Guess-the-move scoring: points per round, running score per game and per pair, takebacks."""

from __future__ import annotations

from kibitz.engine.guess import Guess, Tally, forget_from, game_tally, pair_tally, record_guess, tallies_of


def test_points_and_running_scores(store) -> None:
    dad, son = store.add_player("Dad"), store.add_player("Son")
    first = store.start_game(dad.id, son.id)
    second = store.start_game(son.id, dad.id)
    # Son watches Dad's first move: both name 1.e4.
    record_guess(store, Guess(first, 0, son.id, "e2e4", "e2e4", "e2e4"))
    # Dad watches Son's reply: Dad says e5, the model says e5, Son plays the Sicilian.
    record_guess(store, Guess(first, 1, dad.id, "e7e5", "e7e5", "c7c5"))
    # Son watches Dad's second move: only Son is right.
    record_guess(store, Guess(first, 2, son.id, "g1f3", "b1c3", "g1f3"))
    # In the second game, Son is White; Dad guesses Son's first move right, the model had none.
    record_guess(store, Guess(second, 0, dad.id, "e2e4", "", "e2e4"))
    assert Guess(first, 2, son.id, "g1f3", "b1c3", "g1f3").points == (1, 0)
    assert game_tally(store, first, son.id) == Tally(2, 2, 1)
    assert game_tally(store, first, dad.id) == Tally(1, 0, 0)
    assert pair_tally(store, dad.id, son.id) == Tally(2, 1, 0)
    assert pair_tally(store, son.id, dad.id) == Tally(2, 2, 1)
    assert game_tally(store, first, son.id).text("Son") == "Son 2 of 2, the model 1 of 2"
    assert tallies_of(store, son.id) == {dad.id: Tally(2, 2, 1)}
    assert tallies_of(store, dad.id) == {son.id: Tally(2, 1, 0)}
    # A takeback to ply 2 forgets the guess at ply 2; guessing again there replaces it.
    forget_from(store, first, 2)
    assert game_tally(store, first, son.id) == Tally(1, 1, 1)
    record_guess(store, Guess(first, 1, dad.id, "c7c5", "e7e5", "c7c5"))
    assert game_tally(store, first, dad.id) == Tally(1, 1, 0)
    # Deleting a game deletes its guesses.
    store.delete_game(first)
    assert pair_tally(store, son.id, dad.id) == Tally()
