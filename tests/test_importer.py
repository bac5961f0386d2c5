"""``kibitz import`` and ``import_files``: idempotent, summarised, cancellable, with sane exit codes."""

from __future__ import annotations

import lzma
import subprocess
import sys
from pathlib import Path

import pytest

from kibitz.cli import main as kibitz_main
from kibitz.engine.importer import import_files
from kibitz.engine.importer import main as import_main
from kibitz.engine.store import Store

DATA = Path(__file__).parent / "data"
JOWEN = DATA / "jowen93-200.pgn.xz"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIBITZ_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def with_bad_game(tmp_path: Path) -> Path:
    """The masters slice with one broken game put in the middle (an illegal move)."""
    text = lzma.open(DATA / "masters-100.pgn.xz", "rt", encoding="utf-8").read()
    games = text.split("\n\n[Event ")
    games[3] = games[3].replace("\n1.", "\n1.Ke5 1.", 1)
    assert "1.Ke5" in games[3]
    path = tmp_path / "broken.pgn"
    path.write_text("\n\n[Event ".join(games), encoding="utf-8")
    return path


def test_import_twice_adds_nothing_the_second_time(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kibitz_main(["import", str(JOWEN), "--player", "Jo", "--alias", "jowen93"]) == 0
    first = capsys.readouterr().out
    assert "imported 200 games, 0 already in the store, 0 skipped" in first
    assert import_main([str(JOWEN)]) == 0
    second = capsys.readouterr().out
    assert "imported 0 games, 200 already in the store" in second
    with Store.open(home) as store:
        player = store.find_player("JOWEN93")
        assert player is not None and player.name == "Jo"
        assert store.game_count(player.id) == 200


def test_summary_groups_skip_reasons_and_writes_a_report(home: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = with_bad_game(tmp_path)
    assert import_main([str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "imported 99 games" in out and "1 skipped" in out
    assert "bad move text" in out
    report = next((home / "import-reports").glob("*.txt"))
    assert str(report) in out
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("line ") and "Ke5" in lines[1]


def test_exit_codes(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.pgn"
    assert import_main([str(missing)]) == 1
    assert "cannot open" in capsys.readouterr().out
    assert import_main([str(missing), str(JOWEN)]) == 0  # something was read
    empty = tmp_path / "empty.pgn"
    empty.write_text("")
    assert import_main([str(empty)]) == 0  # readable, just no games
    assert import_main(["--alias", "x", str(JOWEN)]) == 2
    with pytest.raises(SystemExit):
        import_main([])


def test_cancelled_import_is_finished_by_running_again(tmp_path: Path) -> None:
    progress: list[tuple[int, int, int]] = []
    with Store.open(tmp_path) as store:
        summary = import_files(store, [JOWEN], progress=lambda *a: progress.append(a), cancel=lambda: len(progress) >= 1,
                               workers=0)
        assert summary.cancelled
        first = summary.imported
        assert 0 < first < 200
        again = import_files(store, [JOWEN], workers=0)
        assert (again.imported, again.duplicates) == (200 - first, first)
        assert len(store.game_ids()) == 200
    done, total, games = progress[-1]
    assert 0 < done <= total and games == first


def test_worker_pool_gives_the_same_result(tmp_path: Path) -> None:
    with Store.open(tmp_path / "serial") as serial, Store.open(tmp_path / "pool") as pool:
        a = import_files(serial, [JOWEN, DATA / "masters-100.pgn.xz"], workers=0)
        b = import_files(pool, [JOWEN, DATA / "masters-100.pgn.xz"], workers=2)
        assert (a.imported, a.duplicates) == (b.imported, b.duplicates) == (300, 0)
        assert [serial.game(i).moves for i in serial.game_ids()] == [pool.game(i).moves for i in pool.game_ids()]


def test_kibitz_import_command_runs_as_a_process(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "kibitz.cli", "import", str(DATA / "masters-100.pgn.xz"),
                             "--home", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "imported 100 games" in result.stdout
