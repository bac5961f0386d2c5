"""One date order everywhere: an unknown date (or part) counts as the earliest, in the store, the
games list, the PGN path and the learning loop's list of a player's games."""

from __future__ import annotations

from pathlib import Path

from kibitz.engine import models, pgn
from kibitz.engine.library import game_rows
from kibitz.engine.store import Store
from kibitz.training.player_games import player_games_from_files

DATES = ["2021.05.01", "????.??.??", "2021.??.??", "2020.12.31"]
ORDER = ["????.??.??", "2020.12.31", "2021.??.??", "2021.05.01"]  # oldest first


def _pgn(tmp_path: Path) -> Path:
    games = [f'[White "Ann"]\n[Black "Bob"]\n[Date "{date}"]\n[Result "1-0"]\n\n1. e4 e5 2. {second} 1-0\n'
             for date, second in zip(DATES, ["Nf3", "Nc3", "d4", "c4"])]
    path = tmp_path / "ann.pgn"
    path.write_text("\n".join(games), encoding="utf-8")
    return path


def test_unknown_dates_are_the_earliest_everywhere(tmp_path: Path) -> None:
    path = _pgn(tmp_path)
    with Store.open(tmp_path / "home") as store:
        store.import_games(g for g in pgn.read_games(path) if isinstance(g, pgn.PgnGame))
        ann = store.add_player("Ann")
        assert [g.date for g in store.games_of_player(ann.id)] == ORDER
        assert [store.game(i).date for i in models.player_game_ids(store, ann.id)] == ORDER
        assert [row.date for row in game_rows(store)] == ORDER[::-1]  # the games list: newest first
        assert [date for _, _, date in player_games_from_files("Ann", [path], home=store.home)] == ORDER
