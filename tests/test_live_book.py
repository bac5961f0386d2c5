"""Learning from the first game: the player's book counts a finished game at once, so the next
game's predictions know it - before any network has been trained."""

from __future__ import annotations

from pathlib import Path

import chess

from kibitz.engine import models
from kibitz.engine.book import OwnMoves
from kibitz.engine.predictor import open_predictor
from kibitz.engine.store import Store


def _play(store: Store, white: int, black: int, sans: str) -> int:
    board = chess.Board()
    game_id = store.start_game(white, black)
    for ply, san in enumerate(sans.split()):
        move = board.parse_san(san)
        store.add_move(game_id, ply, move.uci(), san)
        board.push(move)
    store.finish_game(game_id, "1-0", "resignation")
    return game_id


def _p(predictor, san: str) -> float:
    predictor.reset(chess.Board())
    return next((p.probability for p in predictor.top_moves(20) if p.san == san), 0.0)


def test_one_finished_game_changes_the_next_games_predictions(kibitz_home: Path) -> None:
    with Store.open(kibitz_home) as store:
        son, dad = store.add_player("Son"), store.add_player("Dad")
        assert _p(open_predictor(son, store), "a3") < 0.01  # nobody opens a3 by default
        _play(store, son.id, dad.id, "a3 e5 h3")
        after = open_predictor(son, store)  # what the app opens for the next game
        assert _p(after, "a3") > 0.3  # (2 * p + 1) / (2 + 1) at the default strength
        assert "Son's openings from their 1 game" in after.status.description
        _play(store, son.id, dad.id, "a3 d5 h3")
        second = open_predictor(son, store)
        second.reset(chess.Board())
        assert second.top_moves(1)[0].san == "a3"  # twice is a habit: now his first choice
        assert _p(open_predictor(dad, store), "a3") < 0.01  # Dad's book counts his own moves only


def test_the_count_table_follows_the_store_exactly(kibitz_home: Path) -> None:
    with Store.open(kibitz_home) as store:
        son, dad = store.add_player("Son"), store.add_player("Dad")
        first = _play(store, son.id, dad.id, "e4 e5 Nf3")
        _play(store, dad.id, son.id, "d4 d5 c4 e6")
        table, ids = models.own_moves(store, son.id)
        expected = OwnMoves.of([(chess.Board(), [chess.Move.from_uci(u) for u in store.game(i).moves],
                                 chess.WHITE if store.game(i).white_id == son.id else chess.BLACK) for i in ids])
        assert table.games == 2 and sorted(zip(table.game, table.key, table.move)) == \
            sorted(zip(expected.game, expected.key, expected.move))
        store.delete_game(first)  # a deleted game is no longer counted
        table, ids = models.own_moves(store, son.id)
        assert table.games == 1 and len(table.key) == 2  # ...d5 and ...e6
        without = models.served_book(store, son, models.load_model_info(models.base_model_dir()), without=set(ids))
        assert without is None  # a figure on that game: the book knows nothing else
