"""``kibitz-train`` for a person at a terminal: each result line once, and ``--help`` without torch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kibitz.engine.store import Store
from kibitz.engine.words import TRAINING_INSTALL_HINT
from kibitz.training import cli


def test_help_without_torch_lists_report_which_needs_none(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "kibitz-train report --player NAME" in out and TRAINING_INSTALL_HINT in out
    assert cli.main(["--progress", "json"]) == cli.EXIT_NO_TORCH  # a command still says what to install
    assert TRAINING_INSTALL_HINT in json.loads(capsys.readouterr().out)["message"]


def test_each_result_line_is_printed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    home = tmp_path / "home"
    with Store.open(home) as store:
        jo = store.add_player("Jo")
        game = store.start_game(jo.id, store.add_player("Kim").id)
        store.add_move(game, 0, "e2e4", "e4")
        store.finish_game(game, "1-0", "resigned")
    assert cli.main(["--home", str(home), "--progress", "none"]) == 0
    out = capsys.readouterr().out.splitlines()
    jo_lines = [line for line in out if line.startswith("Jo: 1 game")]
    assert len(jo_lines) == 1 and "the network learns after 20" in jo_lines[0]
