"""The opening tree: the seed's father opening 1.e4 and son answering with the Sicilian, counted."""

from __future__ import annotations

import chess

from kibitz.engine.openings import opening_tree
from kibitz.engine.predictor import open_predictor


def _game(store, white, black, sans: str, result: str) -> None:
    game = store.start_game(white.id, black.id)
    board = chess.Board()
    for ply, san in enumerate(sans.split()):
        move = board.parse_san(san)
        store.add_move(game, ply, move.uci(), san)
        board.push(move)
    store.finish_game(game, result, "test")


def test_first_moves_and_replies_with_counts_scores_and_the_models_view(store) -> None:
    dad, son = store.add_player("Dad"), store.add_player("Son")
    _game(store, dad, son, "e4 c5 Nf3 d6", "1-0")
    _game(store, dad, son, "e4 c5 Nf3 Nc6", "0-1")
    _game(store, dad, son, "e4 e5", "1/2-1/2")
    _game(store, son, dad, "d4 d5", "1-0")
    records = store.games_of_player(son.id)
    as_black = opening_tree(records, son.id, chess.BLACK, open_predictor(son, store), min_games=1)
    (e4,) = as_black.children  # the opponent's first move
    assert (e4.san, e4.games, e4.model_probability) == ("e4", 3, None)  # not the son's move: no model figure
    assert [(c.san, c.games, c.score) for c in e4.children] == [("c5", 2, 0.5), ("e5", 1, 0.5)]
    c5 = e4.children[0]
    assert 0 < c5.model_probability < 1 and e4.model_top  # the model's favourites where the son moves
    assert [(c.san, c.games) for c in c5.children] == [("Nf3", 2)]
    as_white = opening_tree(records, son.id, chess.WHITE, open_predictor(son, store), min_games=1)
    assert [(c.san, c.games, c.score) for c in as_white.children] == [("d4", 1, 1.0)]
    # Branches played fewer than twice are left out by default.
    assert [c.san for c in opening_tree(records, son.id, chess.BLACK, open_predictor(son, store)).children[0]
            .children] == ["c5"]


def test_the_tree_names_each_position_by_the_opening_table_and_the_report_shows_it(store) -> None:
    from kibitz.engine.report import _tree

    dad, son = store.add_player("Dad"), store.add_player("Son")
    _game(store, dad, son, "e4 c5 Nf3 d6", "1-0")
    _game(store, dad, son, "Nf3 d6 e4 c5", "0-1")  # the same position by another road
    tree = opening_tree(store.games_of_player(son.id), son.id, chess.BLACK, open_predictor(son, store), min_games=1)
    by_san = {c.san: c for c in tree.children}
    assert by_san["e4"].opening.text() == "B00 King's Pawn Game"
    assert by_san["e4"].children[0].opening.name == "Sicilian Defense"
    after_e4_c5_nf3_d6 = by_san["e4"].children[0].children[0].children[0]
    after_nf3_d6_e4_c5 = by_san["Nf3"].children[0].children[0].children[0]
    assert after_e4_c5_nf3_d6.opening == after_nf3_d6_e4_c5.opening is not None  # transposition named alike
    html = _tree(tree, chess.Board())
    assert '<i class="opening">B20 Sicilian Defense</i>' in html
