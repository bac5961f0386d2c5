"""The library's store operations: list rows, delete games, rename, aliases, merge and delete players."""

from __future__ import annotations

from typing import Any

import pytest

from kibitz.engine import library


def _game(store: Any, white: Any, black: Any, moves: tuple[str, ...] = ("e2e4", "e7e5"), result: str = "1-0") -> int:
    game_id = store.start_game(white.id, black.id)
    sans = {"e2e4": "e4", "e7e5": "e5", "g1f3": "Nf3"}
    for ply, uci in enumerate(moves):
        store.add_move(game_id, ply, uci, sans[uci])
    store.finish_game(game_id, result, "test")
    return int(game_id)


def test_rows_count_plies_and_deleting_many(store: Any) -> None:
    alice, bob = store.add_player("Alice"), store.add_player("Bob")
    first = _game(store, alice, bob, ("e2e4", "e7e5", "g1f3"))
    second = _game(store, bob, alice, ())
    rows = {row.id: row for row in library.game_rows(store)}
    assert rows[first].plies == 3 and rows[second].plies == 0
    assert (rows[first].white, rows[first].black, rows[first].result, rows[first].source) == ("Alice", "Bob", "1-0", "app")
    assert library.delete_games(store, [first, second]) == 2
    assert library.game_rows(store) == [] and store.sans(first) == ()


def test_rename_keeps_the_old_name_as_alias_and_games_as_recorded(store: Any) -> None:
    alice, bob = store.add_player("Alice"), store.add_player("Bob")
    game = _game(store, alice, bob)
    library.rename_player(store, alice.id, "  Alice   Smith ")
    renamed = store.player(alice.id)
    assert renamed.name == "Alice Smith" and "Alice" in renamed.aliases
    assert store.find_player("alice smith").id == alice.id and store.find_player("ALICE").id == alice.id
    assert store.game(game).white == "Alice" and store.game(game).white_id == alice.id  # as recorded
    with pytest.raises(ValueError):
        library.rename_player(store, alice.id, "bob")  # the store's rule: case and spacing ignored


def test_aliases_link_and_unlink_games(store: Any) -> None:
    from kibitz.engine.pgn import read_games
    import io

    carla = store.add_player("Carla")
    pgn = b'[White "CarlaB"]\n[Black "Dan"]\n[Result "1-0"]\n\n1. e4 e5 1-0\n'
    store.import_games([g for g in read_games(io.BytesIO(pgn))])
    assert store.game_count(carla.id) == 0
    library.set_aliases(store, carla.id, ["carlab", "C. B."])
    assert store.game_count(carla.id) == 1 and set(store.player(carla.id).aliases) == {"carlab", "C. B."}
    library.set_aliases(store, carla.id, ["C. B."])
    assert store.game_count(carla.id) == 0 and store.player(carla.id).aliases == ("C. B.",)


def test_merge_moves_games_names_and_level(store: Any) -> None:
    alice, ali, bob = store.add_player("Alice"), store.add_player("Ali"), store.add_player("Bob")
    store.add_alias(ali.id, "A.")
    store.set_player_level(ali.id, 1700)
    _game(store, alice, bob)
    _game(store, bob, ali)
    library.merge_players(store, keep=alice.id, gone=ali.id)
    merged = store.player(alice.id)
    assert store.game_count(alice.id) == 2 and set(merged.aliases) >= {"Ali", "A."} and merged.level == 1700
    assert store.find_player("A.").id == alice.id
    with pytest.raises(KeyError):
        store.player(ali.id)


def test_deleting_a_player_keeps_their_games(store: Any) -> None:
    alice, bob = store.add_player("Alice"), store.add_player("Bob")
    game = _game(store, alice, bob)
    library.delete_player(store, alice.id)
    record = store.game(game)
    assert record.white == "Alice" and record.white_id is None and record.black_id == bob.id
    assert store.find_player("Alice") is None
    assert "Maia-3 at 1,500" in library.model_summary(store, bob.id)


def test_the_model_summary_says_the_rating_and_where_it_came_from(store: Any, tmp_path: Any) -> None:
    """No level: the default; a level: the starting rating; a retrain's fit: fitted on their games
    (a not-installed retrain fits the rating too, and the base adapter then serves at it)."""
    alice = store.add_player("Alice")
    assert library.model_summary(store, alice.id).startswith("Maia-3 at 1,500 (no personal network yet")
    assert library.model_summary(store, alice.id).endswith(f"Rating 1,500: {library.DEFAULT}.")
    store.set_player_level(alice.id, 1240)
    assert library.model_summary(store, alice.id).startswith("Maia-3 at 1,250 ")
    assert library.model_summary(store, alice.id).endswith(f"Rating 1,250: {library.FROM_LEVEL}.")
    store.record_model(alice.id, tmp_path / "gone", 30, {"installed": False, "rating": 1650, "reason": "not better"})
    summary = library.model_summary(store, alice.id)
    assert summary.startswith("Maia-3 at 1,650 (not better)") and summary.endswith(f"Rating 1,650: {library.FITTED}.")


def test_renaming_and_aliases_drop_invisible_characters(store: Any) -> None:
    alice = store.add_player("Alice")
    with pytest.raises(ValueError, match="invisible"):
        library.rename_player(store, alice.id, "\u200b\u2060")
    library.rename_player(store, alice.id, "Ali\u200bce Smith")
    library.set_aliases(store, alice.id, ["Jose\u0301"])
    player = store.player(alice.id)
    assert player.name == "Alice Smith" and "José" in player.aliases
