"""Reviewing a game against the served models: figures agree with the live predictor, and it is fast."""

from __future__ import annotations


import chess
import numpy as np

from insight_data import store_with_games
from kibitz.engine.predictor import open_predictor
from kibitz.engine.review import review_game


def test_review_agrees_with_the_live_predictor(store) -> None:
    player = store_with_games(store, 3)
    game_id = store.games_of_player(player.id)[0].id
    review = review_game(store, game_id)
    record = store.game(game_id)
    assert len(review.moves) == len(record.moves)
    assert review.models[chess.WHITE] and review.models[chess.BLACK]
    # The live predictor (what the overlay shows) gives the same probabilities and top choices.
    predictor = open_predictor(player, store)
    board = chess.Board()
    for move_review, uci in zip(review.moves[:20], record.moves):
        legal, probs = predictor.probabilities()
        move = chess.Move.from_uci(uci)
        assert move_review.colour == board.turn
        assert abs(move_review.probability - probs[legal.index(move)]) < 1e-4
        assert move_review.top_san == board.san(legal[int(np.argmax(probs))])
        assert move_review.rank == 1 + int((probs > probs[legal.index(move)] + 1e-6).sum())
        predictor.push(move)
        board.push(move)


def test_surprising_moves_are_the_least_likely_and_in_game_order(store) -> None:
    player = store_with_games(store, 1)
    review = review_game(store, store.games_of_player(player.id)[0].id)
    surprising = review.surprising(4)
    assert [m.ply for m in surprising] == sorted(m.ply for m in surprising)
    threshold = max(m.probability for m in surprising)
    unforced = [m for m in review.moves if m.legal > 1]
    assert sum(m.probability < threshold for m in unforced) <= 3
    for colour in (chess.WHITE, chess.BLACK):
        assert 0 < review.predictability(colour) < 1
        assert 0 <= review.top1(colour) <= 1


def test_a_long_game_is_reviewed_ply_by_ply(store) -> None:
    """Every ply of a 200-ply game gets a review (its speed: bench/insight_bench.py)."""
    board = chess.Board()
    white = store.add_player("Parent")
    black = store.add_player("Child")
    game_id = store.start_game(white.id, black.id)
    rng = np.random.default_rng(1)
    ply = 0
    while ply < 200 and not board.is_game_over():
        moves = list(board.legal_moves)
        move = moves[int(rng.integers(len(moves)))]
        store.add_move(game_id, ply, move.uci(), board.san(move))
        board.push(move)
        ply += 1
    review = review_game(store, game_id)
    assert [m.ply for m in review.moves] == list(range(ply))
