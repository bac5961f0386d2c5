"""Clocks: the pure model (driven by a number the test sets, no wall time), [%clk] in and out, and
the store keeping each move's clock through a crash, an import and an export."""

from __future__ import annotations

import io
import lzma
from pathlib import Path

import chess
import pytest

from kibitz.engine.clock import (GameClock, TimeControl, clock_text, clocks_at, controls_from_tags, controls_to_tags,
                                 flag_result, format_clk, parse_clk)
from kibitz.engine.pgn import Chunk, PgnGame, _parse_with_visitor, read_games
from kibitz.engine.store import Store

DATA = Path(__file__).parent / "data"
FIVE_PLUS_TWO = TimeControl(300, 2)


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def handicap_clock(now: FakeTime) -> GameClock:
    """Dad has 5 minutes + 2 s, his son 10 minutes + 5 s."""
    return GameClock.start({chess.WHITE: FIVE_PLUS_TWO, chess.BLACK: TimeControl(600, 5)}, now=now)


def test_the_side_to_move_runs_down_and_the_increment_follows_the_move() -> None:
    now = FakeTime()
    clock = handicap_clock(now)
    now.now += 12.5
    assert clock.remaining(chess.WHITE) == pytest.approx(287.5)
    assert clock.remaining(chess.BLACK) == 600
    assert clock.press() == pytest.approx(289.5)  # 287.5 left + 2 s
    now.now += 30
    assert clock.remaining(chess.WHITE) == pytest.approx(289.5)  # White's clock stopped
    assert clock.press() == pytest.approx(575)  # 570 + 5
    assert clock.turn == chess.WHITE


def test_pause_stops_both_clocks_and_a_move_starts_them_again() -> None:
    now = FakeTime()
    clock = handicap_clock(now)
    now.now += 10
    clock.pause()
    now.now += 1000  # dinner
    assert not clock.running and clock.remaining(chess.WHITE) == pytest.approx(290)
    assert clock.flagged() is None
    assert clock.press() == pytest.approx(292)
    assert clock.running
    now.now += 5
    assert clock.remaining(chess.BLACK) == pytest.approx(595)


def test_the_flag_falls_for_the_side_to_move_only() -> None:
    now = FakeTime()
    clock = handicap_clock(now)
    now.now += 299.9
    assert clock.flagged() is None
    now.now += 0.2
    assert clock.flagged() == chess.WHITE
    assert clock.remaining(chess.WHITE) == 0.0
    assert clock.remaining(chess.BLACK) == 600


def test_a_takeback_puts_the_clocks_back_as_they_were_at_that_ply() -> None:
    controls = {chess.WHITE: FIVE_PLUS_TWO, chess.BLACK: FIVE_PLUS_TWO}
    stored = [295.0, 290.0, 280.0, None, 250.0]
    assert clocks_at(controls, chess.WHITE, stored, 0) == {chess.WHITE: 300, chess.BLACK: 300}
    assert clocks_at(controls, chess.WHITE, stored, 2) == {chess.WHITE: 295, chess.BLACK: 290}
    assert clocks_at(controls, chess.WHITE, stored, 5) == {chess.WHITE: 250, chess.BLACK: 290}
    now = FakeTime()
    clock = GameClock.start(controls, now=now)
    now.now += 40
    clock.set(clocks_at(controls, chess.WHITE, stored, 2), chess.WHITE)
    assert clock.remaining(chess.WHITE) == 295 and clock.running
    # Black to move first (a game from a position): the first stored clock is Black's.
    assert clocks_at(controls, chess.BLACK, [299.0], 1) == {chess.WHITE: 300, chess.BLACK: 299}


def test_flag_fall_is_a_draw_when_the_opponent_cannot_checkmate() -> None:
    lone_king = chess.Board("8/8/8/4k3/8/8/3QK3/8 b - - 0 1")  # Black flags; White has a queen
    assert flag_result(lone_king, chess.BLACK) == "1-0"
    assert flag_result(lone_king, chess.WHITE) == "1/2-1/2"  # Black has a bare king: cannot mate
    knight = chess.Board("8/8/8/4k3/8/5n2/3QK3/8 w - - 0 1")
    assert flag_result(knight, chess.WHITE) == "1/2-1/2"  # king and knight cannot force... or mate at all
    pawn = chess.Board("8/8/8/4k3/4p3/8/3QK3/8 w - - 0 1")
    assert flag_result(pawn, chess.WHITE) == "0-1"  # a pawn can promote: mate is possible


def test_time_controls_as_tags_and_clock_comments() -> None:
    assert TimeControl.parse("300+2") == FIVE_PLUS_TWO
    assert TimeControl.parse("600") == TimeControl(600, 0)
    assert TimeControl.parse("-") is None and TimeControl.parse("40/9000:300") is None
    even = {chess.WHITE: FIVE_PLUS_TWO, chess.BLACK: FIVE_PLUS_TWO}
    assert controls_to_tags(even) == {"TimeControl": "300+2"}
    handicap = {chess.WHITE: FIVE_PLUS_TWO, chess.BLACK: TimeControl(600, 5)}
    assert controls_from_tags(controls_to_tags(handicap)) == handicap
    assert controls_from_tags({"TimeControl": "-"}) is None and controls_to_tags(None) == {}
    assert parse_clk("[%clk 0:04:58.9]") == pytest.approx(298.9)
    assert parse_clk("good move [%eval 0.3] [%clk 1:02:03]") == 3723
    assert parse_clk("no clock here") is None
    for seconds in (298.0, 298.9, 3723.0, 5.3, 0.0):
        assert parse_clk(format_clk(seconds)) == pytest.approx(seconds)
    assert format_clk(298.0) == "[%clk 0:04:58]"
    assert (clock_text(298.96), clock_text(3723), clock_text(9.47), clock_text(-1)) == ("4:58", "1:02:03", "0:09.4",
                                                                                          "0:00.0")
    assert FIVE_PLUS_TWO.words() == "5 min + 2 s"


def test_clk_comments_are_read_on_the_fast_path_and_the_visitor_path() -> None:
    fast = b'[White "A"]\n[Black "B"]\n\n1. e4 {[%clk 0:05:00]} e5 {[%clk 0:04:59.5]} (1... c5 {[%clk 0:01:00]}) ' \
           b'2. Nf3 1-0\n'
    game = next(read_games(io.BytesIO(fast)))
    assert isinstance(game, PgnGame)
    assert game.clocks == (300.0, 299.5, None)
    # What the fast path gives up on goes to python-chess's visitor: the clocks come out the same.
    visited = _parse_with_visitor(Chunk(1, fast.decode()))
    assert isinstance(visited, PgnGame) and visited.clocks == game.clocks
    plain = next(read_games(io.BytesIO(b'[White "A"]\n[Black "B"]\n\n1. e4 e5 1-0\n')))
    assert isinstance(plain, PgnGame) and plain.clocks == ()


def test_clocks_survive_import_then_export_then_import(tmp_path: Path) -> None:
    games = [g for g in read_games(DATA / "saubhi65-clock-40.pgn.xz") if isinstance(g, PgnGame)]
    with lzma.open(DATA / "saubhi65-clock-40.pgn.xz", "rt", encoding="utf-8") as handle:
        original = handle.read()
    assert sum(len(g.clocks) for g in games) == original.count("[%clk")
    with Store.open(tmp_path / "a") as store:
        store.import_games(games)
        first = store.game_ids()[0]
        assert store.clocks(first)[:4] == [298.0, 298.9, 297.4, 298.3]  # 1. e4 {[%clk 0:04:58]} e6 {0:04:58.9}
        out = tmp_path / "out.pgn"
        store.export_pgn(store.game_ids(), out)
    exported = out.read_text(encoding="utf-8")
    assert exported.count("[%clk") == original.count("[%clk")
    assert "{ [%clk 0:04:58] } 1... e6 { [%clk 0:04:58.9] }" in exported
    again = [g for g in read_games(out) if isinstance(g, PgnGame)]
    assert [g.clocks for g in again] == [g.clocks for g in games]
    assert [g.key for g in again] == [g.key for g in games]  # the same games: no duplicates


def test_a_move_and_its_clock_are_stored_together_and_a_takeback_removes_both(tmp_path: Path) -> None:
    with Store.open(tmp_path / "home") as store:
        a, b = store.add_player("Dad"), store.add_player("Son")
        game = store.start_game(a.id, b.id, tags=controls_to_tags({chess.WHITE: FIVE_PLUS_TWO,
                                                                    chess.BLACK: TimeControl(600, 5)}))
        store.add_move(game, 0, "e2e4", "e4", 297.25)
        store.add_move(game, 1, "e7e5", "e5", 601.0)
        store.add_move(game, 2, "g1f3", "Nf3")
        assert store.clocks(game) == [297.25, 601.0, None]
        store.truncate_moves(game, 1)
        assert store.clocks(game) == [297.25]
        tags = store.tags(game)
    with Store.open(tmp_path / "home") as reopened:  # as after a restart
        assert reopened.clocks(game) == [297.25]
        assert controls_from_tags(tags) == controls_from_tags(reopened.tags(game))
        assert controls_from_tags(reopened.tags(game)) == {chess.WHITE: FIVE_PLUS_TWO, chess.BLACK: TimeControl(600, 5)}


CHILD = """
import sys, time
from pathlib import Path
import chess
from kibitz.engine.clock import TimeControl, controls_to_tags
from kibitz.engine.store import Store
store = Store.open(Path(sys.argv[1]))
a, b = store.add_player("Dad"), store.add_player("Son")
game = store.start_game(a.id, b.id, tags=controls_to_tags({chess.WHITE: TimeControl(300, 2),
                                                           chess.BLACK: TimeControl(600, 5)}))
for ply, uci in enumerate(["e2e4", "e7e5", "g1f3", "b8c6"]):
    store.add_move(game, ply, uci, uci, 300.0 - ply)
    print(ply, flush=True)
time.sleep(60)  # the parent kills us here, mid-game
"""


def test_moves_and_their_clocks_survive_a_kill_mid_game(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert [child.stdout.readline().strip() for _ in range(4)] == ["0", "1", "2", "3"]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    with Store.open(tmp_path) as store:
        [game] = store.unfinished_games()
        assert game.moves == ("e2e4", "e7e5", "g1f3", "b8c6")
        assert store.clocks(game.id) == [300.0, 299.0, 298.0, 297.0]
        assert controls_from_tags(store.tags(game.id)) == {chess.WHITE: FIVE_PLUS_TWO, chess.BLACK: TimeControl(600, 5)}
