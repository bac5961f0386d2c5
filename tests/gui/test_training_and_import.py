"""Training in a QProcess (fake commands) and PGN import through the window."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import chess

from conftest import wait_predictions
from gui_helpers import FakePredictorFactory, ScriptedDialogs
from kibitz.gui.dialogs import NEW, NameMapping
from kibitz.gui.training.runner import INSTALL_HINT, TrainingRunner, default_command


def _script(lines: list[dict[str, Any]], exit_code: int) -> Any:
    body = "".join(f"print({json.dumps(json.dumps(line))}, flush=True)\n" for line in lines)
    code = f"import sys\nprint('warming up')\n{body}sys.exit({exit_code})\n"
    return lambda player, home: (sys.executable, ["-c", code])


def test_default_command_runs_the_training_cli() -> None:
    program, args = default_command("Alice")
    assert program == sys.executable
    assert args == ["-m", "kibitz.training.cli", "--progress", "json", "--player", "Alice"]


def test_training_progress_then_reload_predictors(qtbot: Any, make_window: Any, dialogs: ScriptedDialogs,
                                                  fake_factory: FakePredictorFactory) -> None:
    lines = [
        {"event": "progress", "stage": "fine-tune", "player": "Alice", "done": 3, "total": 10, "message": "epoch 1"},
        {"event": "model", "player": "Alice", "installed": True, "message": "installed"},
        {"event": "model", "player": "Bob", "installed": False,
         "message": "Bob: 3 games, fewer than 20; keeps the model they have"},
        {"event": "finished", "ok": True, "message": "1 model installed"},
    ]
    window = make_window(training_command=_script(lines, 0))
    window.startup()
    wait_predictions(qtbot, window)
    made = len(fake_factory.made)
    progress: list[dict[str, Any]] = []
    window.training.runner.progressed.connect(progress.append)
    with qtbot.waitSignal(window.training.runner.finished, timeout=20000) as done:
        window.training.start(None)
    assert done.args == [True, "1 model installed"]
    assert progress and progress[0]["done"] == 3
    wait_predictions(qtbot, window)
    assert len(fake_factory.made) == made + 2  # both predictors reopened, no restart
    summary = next(text for title, text, _ in dialogs.informed if title == "Training")
    assert summary.startswith("New model for Alice.")  # plain words: who
    assert "Alice: installed" in summary and "Bob: 3 games, fewer than 20" in summary  # why Bob was skipped


def test_missing_torch_tells_how_to_install(qtbot: Any) -> None:
    runner = TrainingRunner(_script([{"event": "finished", "ok": False, "message": "torch is not installed"}], 3))
    with qtbot.waitSignal(runner.finished, timeout=20000) as done:
        runner.start()
    ok, message = done.args
    assert not ok and INSTALL_HINT in message and "torch is not installed" in message


def test_cancel_kills_training(qtbot: Any) -> None:
    runner = TrainingRunner(lambda player, home: (sys.executable, ["-c", "import time; time.sleep(60)"]))
    runner.start()
    qtbot.waitUntil(lambda: runner.process is not None and runner.process.processId() > 0)
    with qtbot.waitSignal(runner.finished, timeout=10000) as done:
        runner.cancel()
    assert done.args[0] is False and not runner.running


PGN = """[Event "Club"]
[White "Carla B"]
[Black "Dan"]
[Result "1-0"]

1. e4 e5 2. Qh5 Nc6 3. Bc4 Nf6 4. Qxf7# 1-0

[Event "Club"]
[White "Dan"]
[Black "Carla B"]
[Result "0-1"]

1. e4 e5 2. Ke3 Kxe7 0-1

[Event "Club"]
[White "Dan"]
[Black "Carla B"]
[Result "1/2-1/2"]

1. d4 d5 1/2-1/2
"""


def test_import_maps_names_and_reports_skipped_games(qtbot: Any, make_window: Any, store: Any,
                                                     dialogs: ScriptedDialogs, tmp_path: Path) -> None:
    path = tmp_path / "club.pgn"
    path.write_text(PGN, encoding="utf-8")
    carla = store.add_player("Carla")

    def mappings(names: Any, players: Any) -> list[NameMapping]:
        assert dict(names) == {"Carla B": 3, "Dan": 3}
        assert (carla.id, "Carla") in players
        return [NameMapping("Carla B", carla.id), NameMapping("Dan", NEW)]

    dialogs.mappings = mappings
    dialogs.pgn_files = [path]
    window = make_window()
    window.importing.import_pgn()
    qtbot.waitUntil(lambda: any(title == "Import finished" for title, *_ in dialogs.informed), timeout=20000)
    title, text, details = next(i for i in dialogs.informed if i[0] == "Import finished")
    assert "2 games" in text and "1 skipped" in text
    assert "club.pgn:" in details
    assert store.find_player("Carla B").id == carla.id
    dan = store.find_player("Dan")
    assert dan is not None and store.game_count(dan.id) == 2
    assert store.game_count(carla.id) == 2


def test_export_all_and_one(qtbot: Any, make_window: Any, dialogs: ScriptedDialogs, tmp_path: Path) -> None:
    window = make_window()
    window.startup()
    window.play.session.play(chess.Move.from_uci("e2e4"))
    dialogs.save_path = tmp_path / "one.pgn"
    window.importing.export_game()
    assert "1. e4" in dialogs.save_path.read_text()
    dialogs.save_path = tmp_path / "all.pgn"
    window.importing.export_all()  # in a worker, behind a progress dialog: the window does not freeze
    qtbot.waitUntil(lambda: any(title == "Export finished" for title, *_ in dialogs.informed), timeout=10000)
    assert "Alice" in dialogs.save_path.read_text()
    assert ("Export finished", f"1 game written to {dialogs.save_path}.", "") in dialogs.informed


def test_training_progress_and_summary_in_words() -> None:
    from kibitz.gui.training.feature import progress_text, summary_text

    assert progress_text({"stage": "fine-tune", "player": "Alice", "done": 3, "total": 10,
                          "message": "val_nll 1.9"}) == "Learning (Alice): 3 of 10"  # no raw val_nll
    assert progress_text({"stage": "export and judge", "player": None, "done": 0, "total": 1}) == \
        "Checking the new model…"
    said = "Bob: 12 games — the model uses Bob's openings from now on; the network learns after 20"
    assert summary_text(True, "", [{"player": "Bob", "installed": False, "message": said}]) == said
    text = summary_text(True, "", [
        {"player": "Bob", "installed": False, "message": said},
        {"player": "Alice", "installed": False, "message": "Alice: the new model predicts 54% of Alice's moves, "
                                                           "down from 55%, ...; the current personal model stays"}])
    assert text.startswith("No new model: Bob, Alice keep the models they have.") and "learns after 20" in text


def test_import_progress_counts_games_and_does_not_sit_at_99(monkeypatch: Any, store: Any,
                                                             kibitz_home: Path, tmp_path: Path) -> None:
    from kibitz.engine import importer
    from kibitz.engine.store import Store
    from kibitz.gui.importing.flow import run_import
    from kibitz.gui.tasks import Progress

    def fake_import(store: Any, paths: Any, *, cancel: Any, progress: Any) -> str:
        progress(50, 100, 1)
        progress(100, 100, 1234)
        return "summary"

    monkeypatch.setattr(importer, "import_files", fake_import)
    reports: list[Progress] = []
    assert run_import(lambda: Store.open(kibitz_home), [tmp_path / "x.pgn"], reports.append, lambda: False) == "summary"
    assert reports[0] == Progress(50, 100, "Importing: 1 game so far")
    assert reports[1].text == "Importing: 1,234 games so far, storing the last ones…"  # a busy bar, not 99 %
