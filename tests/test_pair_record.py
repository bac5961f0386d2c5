"""The pair's record: head-to-head by month and a performance rating by month, from stored games only."""

from __future__ import annotations

import json
from pathlib import Path

import chess

from kibitz.engine.pair_record import Results, head_to_head, month_of, performance, strength_trend
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.report import render_report
from kibitz.engine.store import Store

DATA = Path(__file__).parent / "data"


def _game(store: Store, white: int, black: int, date: str, result: str) -> None:
    game = store.start_game(white, black)
    board = chess.Board()
    for ply, san in enumerate(("e4", "e5")):
        move = board.push_san(san)
        store.add_move(game, ply, move.uci(), san)
    store.finish_game(game, result, "test")
    with store.transaction() as db:  # played in another month
        db.execute("UPDATE games SET date = ? WHERE id = ?", (date, game))


def test_head_to_head_and_the_childs_strength_rising_against_the_parent(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        dad, son = store.add_player("Dad"), store.add_player("Son")
        store.set_player_level(dad.id, 1600)
        store.set_player_level(son.id, 1000)
        for date, white, black, result in (
                ("2026.01.03", dad, son, "1-0"), ("2026.01.10", son, dad, "0-1"), ("2026.01.17", dad, son, "1-0"),
                ("2026.02.02", son, dad, "1/2-1/2"), ("2026.02.09", dad, son, "1-0"),
                ("2026.03.01", son, dad, "1-0"), ("2026.03.08", dad, son, "0-1"), ("2026.03.15", dad, son, "1/2-1/2"),
                ("????.??.??", dad, son, "0-1")):  # no date: cannot be placed in time
            _game(store, white.id, black.id, date, result)
        unfinished = store.start_game(dad.id, son.id)
        assert unfinished
        (record,) = head_to_head(store, son.id)
        assert record.opponent == "Dad"
        assert record.total == Results(wins=2, draws=2, losses=4)
        assert record.by_month == (("2026-01", Results(0, 0, 3)), ("2026-02", Results(0, 1, 1)),
                                   ("2026-03", Results(2, 1, 0)))
        trend = strength_trend(store, son.id)
        assert [(p.month, p.games, p.opponents) for p in trend] == [("2026-01", 3, 1600), ("2026-02", 2, 1600),
                                                                     ("2026-03", 3, 1600)]
        assert [p.performance for p in trend] == [1200, 1400, 1867]  # 1600-400, 1600-200, 1600+267
        assert head_to_head(store, dad.id)[0].total == Results(wins=4, draws=2, losses=2)
        assert strength_trend(store, dad.id)[0].performance == 1400  # against the son's level 1000, all won


def test_imported_games_use_the_ratings_in_their_tags(tmp_path: Path) -> None:
    games = [g for g in read_games(DATA / "saubhi65-clock-40.pgn.xz") if isinstance(g, PgnGame)]
    with Store.open(tmp_path) as store:
        store.import_games(games)
        saubhi = store.add_player("Saubhi65")
        trend = strength_trend(store, saubhi.id)
        assert sum(p.games for p in trend) == sum(g.result != "*" for g in games)
        month = trend[0].month.replace("-", ".") + "%"
        tags = [json.loads(t) for (t,) in store.query("SELECT tags FROM games WHERE date LIKE ?", (month,))]
        mine = [t for t in tags if t.get("Result") in ("1-0", "0-1", "1/2-1/2")]
        opponents = [int(t["BlackElo"] if t["White"] == "Saubhi65" else t["WhiteElo"]) for t in mine]
        assert trend[0].opponents == round(sum(opponents) / len(opponents))
        assert head_to_head(store, saubhi.id) == []  # the opponents are not players here


def test_the_rule_and_the_month() -> None:
    assert performance(1500, wins=5, draws=0, losses=0) == 1900  # a clean sweep: 400 above the opponents
    assert performance(1500, wins=1, draws=2, losses=1) == 1500
    assert (month_of("2024.05.17"), month_of("2024.??.??"), month_of("????.??.??")) == ("2024-05", None, None)


def test_the_report_shows_the_record(tmp_path: Path) -> None:
    from kibitz.engine.player_profile import player_profile

    with Store.open(tmp_path) as store:
        dad, son = store.add_player("Dad"), store.add_player("Son")
        store.set_player_level(dad.id, 1500)
        _game(store, dad.id, son.id, "2026.01.03", "0-1")
        html = render_report(player_profile(store, store.player(son.id)))
    assert "Against Dad: 1 games, 1 won, 0 drawn, 0 lost" in html
    assert '<table id="strength">' in html and "<td>2026-01</td><td>1</td><td>1500</td><td>1900</td>" in html
