"""The engine: evaluations, lichess's verdicts, the cache, and finding (or not finding) Stockfish."""

from __future__ import annotations

import stat
from pathlib import Path

import chess
import pytest

from engine_helpers import TEST_LIMIT, board_after, engine, needs_engine  # noqa: F401 (fixture)
from kibitz.engine.analysis import Engine, EngineError, Evaluation, find_engine, judge_moves, verdict
from kibitz.engine.eval_cache import EvalCache

MATE_IN_ONE = "6k1/5ppp/8/8/8/8/5PPP/R5K1 w - - 0 1"  # Ra8#


@needs_engine
def test_a_mate_in_one_is_seen_and_the_mating_move_is_best(engine: Engine) -> None:
    board = chess.Board(MATE_IN_ONE)
    evaluation = engine.evaluate(board, TEST_LIMIT)
    assert evaluation.mate == 1 and evaluation.best == chess.Move.from_uci("a1a8")
    assert evaluation.text() == "#1" and evaluation.win_probability(chess.WHITE) > 0.97
    (judged,) = judge_moves(engine, board, [chess.Move.from_uci("a1a8")], TEST_LIMIT)
    assert judged.verdict == "best" and judged.after.text() == "1-0" and judged.san == "Ra8#"


@needs_engine
def test_hanging_the_queen_is_a_blunder_and_the_engine_names_the_better_move(engine: Engine) -> None:
    # After 1.e4 e5 2.Qg4 d5 White plays 3.Qd7+?? Bxd7: the queen for nothing.
    start, moves = board_after("e4 e5 Qg4 d5 Qd7+ Bxd7")
    judged = judge_moves(engine, start, moves, TEST_LIMIT)
    queen_loss = judged[4]
    assert queen_loss.san == "Qd7+" and queen_loss.mover == chess.WHITE
    assert queen_loss.verdict == "blunder"
    assert queen_loss.after.pawns(chess.WHITE) < -5 and queen_loss.best_san != "Qd7+"
    assert judged[5].verdict in ("best", "good")  # taking the queen (with any piece) costs nothing
    assert [j.after for j in judged[:-1]] == [j.before for j in judged[1:]]  # one search per position


def test_verdicts_follow_lichess_thresholds() -> None:
    assert verdict(Evaluation(cp=30), Evaluation(cp=10), chess.WHITE) == "good"
    assert verdict(Evaluation(cp=0), Evaluation(cp=-60), chess.WHITE) == "inaccuracy"  # drop 0.11
    assert verdict(Evaluation(cp=0), Evaluation(cp=-120), chess.WHITE) == "mistake"  # drop 0.22
    assert verdict(Evaluation(cp=0), Evaluation(cp=-200), chess.WHITE) == "blunder"  # drop 0.35
    assert verdict(Evaluation(cp=0), Evaluation(cp=200), chess.BLACK) == "blunder"  # Black's view
    assert verdict(Evaluation(cp=900), Evaluation(cp=750), chess.WHITE) == "good"  # still winning
    assert verdict(Evaluation(cp=-800), Evaluation(mate=-2), chess.WHITE) == "mistake"  # mate let in, lost anyway
    assert verdict(Evaluation(mate=3), Evaluation(cp=1200), chess.WHITE) == "inaccuracy"  # mate let go
    assert verdict(Evaluation(mate=3), Evaluation(mate=5), chess.WHITE) == "good"  # a slower mate
    assert verdict(Evaluation(cp=0), Evaluation(cp=-500), chess.WHITE, best=True) == "best"


def test_evaluations_read_as_people_and_the_json_contract_write_them() -> None:
    assert Evaluation(cp=-120).text() == "-1.20" and Evaluation(cp=-120).to_json() == -1.2
    assert Evaluation(mate=-2).text() == "#-2" and Evaluation(mate=-2).to_json() == "#-2"
    assert Evaluation.mated(chess.BLACK).text() == "1-0"
    assert Evaluation(cp=5000).pawns(chess.BLACK) == -10.0  # capped like lichess


@needs_engine
def test_the_cache_answers_a_position_searched_before(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path / "evals.sqlite3")
    assert find_engine() is not None
    with Engine.open(find_engine(), cache=cache) as engine:  # type: ignore[arg-type]
        board = chess.Board(MATE_IN_ONE)
        first = engine.evaluate(board, TEST_LIMIT)
        assert len(cache) == 1
        assert engine.evaluate(board, TEST_LIMIT) == first
    reopened = EvalCache(tmp_path / "evals.sqlite3")
    assert reopened.get(board, engine.name, "nodes=20000") == first
    assert reopened.get(board, engine.name, "nodes=99") is None  # another budget is another figure


def test_a_configured_path_that_is_no_engine_is_refused(tmp_path: Path) -> None:
    assert find_engine(tmp_path / "missing") is None
    script = tmp_path / "not-an-engine"
    script.write_text("#!/bin/sh\necho hello\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    assert find_engine(script) == script
    with pytest.raises(EngineError, match="could not be started as a UCI chess engine"):
        Engine.open(script)


def test_no_engine_on_the_path_and_none_in_usr_games_is_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("kibitz.engine.analysis.DEBIAN_PATH", tmp_path / "stockfish")
    assert find_engine() is None


@needs_engine
def test_the_engine_yields_the_cpu_to_the_app(engine: Engine) -> None:
    import os

    if not hasattr(os, "getpriority"):
        pytest.skip("no process priorities here")
    assert os.getpriority(os.PRIO_PROCESS, engine.pid) > os.getpriority(os.PRIO_PROCESS, 0)
