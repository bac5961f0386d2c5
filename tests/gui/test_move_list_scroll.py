"""The move list keeps the move shown in sight: the newest row after every move, the last one of an opened game."""

from __future__ import annotations

import io
from typing import Any

import chess

from kibitz.engine import pgn

# 40 moves of a real game (Kasparov - Topalov, Wijk aan Zee 1999).
MOVES = ("e4 d6 d4 Nf6 Nc3 g6 Be3 Bg7 Qd2 c6 f3 b5 Nge2 Nbd7 Bh6 Bxh6 Qxh6 Bb7 a3 e5 O-O-O Qe7 Kb1 a6 Nc1 "
         "O-O-O Nb3 exd4 Rxd4 c5 Rd1 Nb6 g3 Kb8 Na5 Ba8 Bh3 d5 Qf4+ Ka7 Rhe1 d4 Nd5 Nbxd5 exd5 Qd6 Rxd4 cxd4 "
         "Re7+ Kb6 Qxd4+ Kxa5 b4+ Ka4 Qc3 Qxd5 Ra7 Bb7 Rxb7 Qc4 Qxf6 Kxa3 Qxa6+ Kxb4 c3+ Kxc3 Qa1+ Kd2 "
         "Qb2+ Kd1 Bf1 Rd2 Rd7 Rxd7 Bxc4 bxc4 Qxh8 Rd3 Qa8 c3 Qa4+ Ke1 f4 f5 Kc1 Rd2 Qa7").split()


def _in_sight(move_list: Any, ply: int) -> bool:
    row, column = move_list._cell_of(ply)
    rect = move_list.visualRect(move_list.model().index(row, column))
    return move_list.viewport().rect().contains(rect)


def test_the_newest_move_stays_in_sight(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.startup()
    session = window.play.session
    board = chess.Board()
    for ply, san in enumerate(MOVES[:60], 1):
        move = board.parse_san(san)
        board.push(move)
        session.play(move)
        qtbot.waitUntil(lambda p=ply: _in_sight(window.play.move_list, p), timeout=1000)


def test_an_opened_game_shows_its_last_move_in_the_list(qtbot: Any, make_window: Any, store: Any) -> None:
    text = '[White "Kasparov"]\n[Black "Topalov"]\n[Result "1-0"]\n\n' + " ".join(
        (f"{i // 2 + 1}. " if i % 2 == 0 else "") + san for i, san in enumerate(MOVES)) + " 1-0\n"
    games = [g for g in pgn.read_games(io.BytesIO(text.encode())) if isinstance(g, pgn.PgnGame)]
    store.import_games(games)
    game_id = int(store.query("SELECT id FROM games WHERE dedup_key = ?", (games[0].key,))[0][0])
    window = make_window()
    window.tabs.setCurrentIndex(1)  # opened from the Games tab: the board page is hidden meanwhile
    window.library.open_game(game_id)
    assert window.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: _in_sight(window.play.move_list, len(MOVES)), timeout=1000)
