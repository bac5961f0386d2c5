"""``kibitz review FILE.pgn [--game N] [--json]``: the models' part always, the engine's when there is one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine_helpers import needs_engine
from kibitz.cli import main
from kibitz.engine.analysis import VERDICTS

GAMES = """[Event "first"]
[White "Dad"]
[Black "Son"]
[BlackElo "1200"]
[Result "1-0"]

1. e4 e5 2. Nf3 f6 3. Nxe5 fxe5 4. Qh5+ Ke7 5. Qxe5+ Kf7 6. Bc4+ d5 7. Bxd5+ Kg6 8. h4 h5
9. Bxb7 Bxb7 10. Qf5+ Kh6 11. d4+ g5 12. Qf7 Qe7 13. hxg5+ Qxg5 14. Rxh5# 1-0

[Event "second"]
[White "Son"]
[Black "Dad"]
[Result "0-1"]

1. f3 e5 2. g4 Qh4# 0-1
"""
KEYS = {"ply", "san", "mover", "probability", "eval_before", "eval_after", "verdict"}


@pytest.fixture
def pgn_file(tmp_path: Path) -> Path:
    path = tmp_path / "games.pgn"
    path.write_text(GAMES, encoding="utf-8")
    return path


@needs_engine
def test_json_has_every_move_with_model_and_engine(pgn_file: Path, capsys: pytest.CaptureFixture[str],
                                                   kibitz_home: Path) -> None:
    assert main(["review", str(pgn_file), "--game", "2", "--json", "--nodes", "20000"]) == 0
    rows = json.loads(capsys.readouterr().out)["moves"]
    assert [r["san"] for r in rows] == ["f3", "e5", "g4", "Qh4#"]
    assert all(set(r) == KEYS for r in rows)
    assert [r["ply"] for r in rows] == [1, 2, 3, 4] and [r["mover"] for r in rows] == ["Son", "Dad"] * 2
    assert all(0 < r["probability"] < 1 for r in rows)
    assert rows[2]["verdict"] == "blunder"  # 2.g4?? lets mate in
    assert rows[2]["eval_after"] == "#-1" and rows[3]["eval_after"] == "0-1"
    assert rows[3]["verdict"] == "best"
    assert all(r["verdict"] in VERDICTS for r in rows)
    assert (kibitz_home / "engine-evals.sqlite3").is_file()  # the evaluations are kept for next time


@needs_engine
def test_text_names_the_mistake(pgn_file: Path, capsys: pytest.CaptureFixture[str], kibitz_home: Path) -> None:
    assert main(["review", str(pgn_file), "--nodes", "20000"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("2... f6"))
    assert "Son" in line and line.rstrip().endswith("mistake")
    assert "Maia-3 at 1,200" in out  # Son's rating tag is his rating for the prior


def test_without_an_engine_it_says_so_and_prints_the_models_part(
        pgn_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        kibitz_home: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("kibitz.engine.analysis.DEBIAN_PATH", tmp_path / "stockfish")
    assert main(["review", str(pgn_file), "--json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)["moves"]
    assert len(rows) == 27 and all(r["verdict"] == "" and r["eval_before"] is None for r in rows)
    assert all(r["probability"] is not None for r in rows)
    assert "No chess engine found" in captured.err


def test_a_game_the_file_does_not_have_is_one_sentence(pgn_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(pgn_file), "--game", "5"]) == 1
    assert capsys.readouterr().err.strip() == f"kibitz review: {pgn_file} has 2 games, so there is no game 5"


def test_the_kibitz_help_lists_review(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "kibitz review FILE.pgn [--game N] [--json]" in capsys.readouterr().out
