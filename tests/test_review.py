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
    # The live predictor (what the overlay shows on the player's turns) gives the same probabilities
    # and top choices; its book is the player's, so only the player's moves are compared.
    predictor = open_predictor(player, store, without_games=frozenset({game_id}))
    board = chess.Board()
    colour = chess.WHITE if record.white_id == player.id else chess.BLACK
    for move_review, uci in zip(review.moves[:20], record.moves):
        legal, probs = predictor.probabilities()
        move = chess.Move.from_uci(uci)
        assert move_review.colour == board.turn
        if board.turn != colour:
            predictor.push(move)
            board.push(move)
            continue
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


def test_a_reviewed_game_is_not_predicted_by_its_own_moves(store) -> None:
    """The live book counts every stored game; the review leaves the reviewed game out of it."""
    son, dad = store.add_player("Son"), store.add_player("Dad")
    board, game_id = chess.Board(), store.start_game(son.id, dad.id)
    for ply, san in enumerate("a3 e5 h3".split()):
        move = board.parse_san(san)
        store.add_move(game_id, ply, move.uci(), san)
        board.push(move)
    store.finish_game(game_id, "1-0", "resignation")
    live = open_predictor(son, store)
    live.reset(chess.Board())
    assert dict((p.san, p.probability) for p in live.top_moves(20)).get("a3", 0.0) > 0.3  # the book knows it
    first = review_game(store, game_id).moves[0]
    assert first.san == "a3" and first.probability < 0.01 and first.rank > 1  # as before the game was played
