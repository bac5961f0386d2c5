"""``kibitz-train`` on a store it cannot use, or with an empty name: one clear message, and with
``--progress json`` still the ``finished`` event the app waits for (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from kibitz.engine.store import SCHEMA_VERSION, Store  # noqa: E402
from kibitz.training.cli import main as train_main  # noqa: E402


def newer_store(home: Path) -> Path:
    import sqlite3

    Store.open(home).close()
    db = sqlite3.connect(home / "kibitz.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    return home


def damaged_store(home: Path) -> Path:
    home.mkdir()
    (home / "kibitz.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)
    return home


def a_file(home: Path) -> Path:
    home.write_text("")
    return home


@pytest.mark.parametrize("make, words", [(newer_store, "newer kibitz"), (damaged_store, "damaged"),
                                         (a_file, "is a file")])
def test_an_unusable_store_still_ends_with_the_finished_event(tmp_path: Path, make, words: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    home = make(tmp_path / "home")
    assert train_main(["--progress", "json", "--home", str(home)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    last = json.loads(lines[-1])
    assert last["event"] == "finished" and last["ok"] is False
    assert words in last["message"] and str(home) in last["message"]


def test_an_empty_player_name_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train_main(["--progress", "json", "--home", str(tmp_path), "--player", "   "]) == 2
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == {"event": "finished", "ok": False, "message": "kibitz-train: --player needs a name, not '   '"}
    assert train_main(["finetune", "--player", "", "--pgn", "x.pgn", "--out", str(tmp_path / "m")]) == 2
    assert "--player needs a name" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--time-budget", "60", "pretrain"], ["pretrain", "--time-budget", "60"]])
def test_a_time_budget_before_or_after_the_subcommand_is_kept(argv: list[str]) -> None:
    """The subcommand once had its own default, which silently replaced a budget given before it."""
    from kibitz.training.cli import build_parser

    args = build_parser().parse_args([*argv, "--pgn", "games.pgn", "--out", "runs/base"])
    assert args.time_budget == 60.0
    finetune = build_parser().parse_args(["--time-budget", "7", "finetune", "--player", "A", "--pgn", "a.pgn",
                                          "--out", "m"])
    assert finetune.time_budget == 7.0
