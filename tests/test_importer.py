"""``kibitz import`` and ``import_files``: idempotent, summarised, cancellable, with sane exit codes."""

from __future__ import annotations

import lzma
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from kibitz.cli import main as kibitz_main
from kibitz.engine import pgn_input
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


# --------------------------------------------------------------------------------------------------
# faults at the command line (issue 9): one sentence on stderr, never a traceback


@pytest.mark.parametrize("name", ["   ", "", "\t\n", "\u3000", "\u200b\u200d", "\ufeff "])
def test_an_empty_player_name_is_refused_before_the_store_is_opened(home: Path, name: str,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert import_main([str(JOWEN), "--player", name]) == 2
    assert "--player needs a name" in capsys.readouterr().err
    assert import_main([str(JOWEN), "--player", "Jo", "--alias", " "]) == 2
    assert "--alias needs a name" in capsys.readouterr().err
    assert not home.exists()


def test_a_store_that_cannot_be_used_is_one_sentence_and_exit_1(tmp_path: Path) -> None:
    from kibitz.engine.store import SCHEMA_VERSION

    newer = tmp_path / "newer"
    Store.open(newer).close()
    db = sqlite3.connect(newer / "kibitz.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    not_a_store = tmp_path / "notes"
    not_a_store.mkdir()
    (not_a_store / "kibitz.sqlite3").write_text("my notes\n" * 1000)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for home, words in [(newer, "newer kibitz"), (not_a_store, "damaged"), (a_file, "is a file")]:
        result = subprocess.run([sys.executable, "-m", "kibitz.cli", "import", str(JOWEN), "--home", str(home)],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and words in result.stderr and str(home) in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_full_disk_mid_import_says_what_is_safe(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from kibitz.engine import importer

    monkeypatch.setattr(importer, "_STORE_GAMES", 50)
    real_import_games = Store.import_games
    calls = []

    def fill_the_disk_at_the_third_batch(store: Store, games: Any) -> tuple[int, int]:
        calls.append(1)
        if len(calls) == 3:  # from now on SQLite fails exactly as on a full disk
            store.query(f"PRAGMA max_page_count = {store.query('PRAGMA page_count')[0][0]}")
        return real_import_games(store, games)

    monkeypatch.setattr(Store, "import_games", fill_the_disk_at_the_third_batch)
    assert import_main([str(JOWEN), "--workers", "0", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (f"kibitz import: the disk is full at {home / 'kibitz.sqlite3'}; 100 games were imported "
                           "and are safe; free space and run the same command again")
    monkeypatch.setattr(Store, "import_games", real_import_games)
    assert import_main([str(JOWEN), "--quiet"]) == 0
    assert "imported 100 games, 100 already in the store" in capsys.readouterr().out


def children_of(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``, from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_killing_an_import_ends_its_worker_processes(tmp_path: Path) -> None:
    text = lzma.open(DATA / "masters-100.pgn.xz", "rt", encoding="utf-8").read()
    big = tmp_path / "big.pgn"
    big.write_text(text * 400, encoding="utf-8")  # 40,000 games: parsing takes far longer than this test
    process = subprocess.Popen([sys.executable, "-m", "kibitz.cli", "import", str(big), "--workers", "2",
                                "--quiet", "--home", str(tmp_path / "home")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
            workers = {pid for pid in children_of(process.pid)
                       if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()}
        assert len(workers) >= 2, "the import did not start its workers"
        time.sleep(1)  # let them take work
    finally:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)


# ------------------------------------------------------------------------------------------------
# issue 9: damaged files, files that are not PGN, counts in words


@pytest.mark.parametrize("workers", [0, 2])
def test_damaged_file_imports_every_game_before_the_damage_and_says_where(tmp_path: Path, workers: int) -> None:
    """Half of a real file once gave 3,000 of 4,372 readable games on the pool path, garbage 0 and exit 1."""
    text = lzma.open(JOWEN, "rb").read()
    data = lzma.compress(text)
    damaged = tmp_path / "cut.pgn.xz"
    damaged.write_bytes(data[: len(data) * 3 // 4] + b"\x00garbage" * 40)
    with Store.open(tmp_path / "home") as store:
        summary = import_files(store, [damaged], workers=workers)
    [file] = summary.files
    assert file.imported >= 100 and file.error is not None
    assert "damaged or cut short at line" in file.error
    [(_, cut)] = summary.skipped  # the one game the damage cut in two
    assert "cut off" in cut.reason
    assert "error: the file is damaged" in summary.text()


def test_damaged_file_gives_the_same_games_with_and_without_workers(tmp_path: Path) -> None:
    data = lzma.compress(lzma.open(JOWEN, "rb").read())
    damaged = tmp_path / "cut.pgn.xz"
    damaged.write_bytes(data[: len(data) // 2])
    with Store.open(tmp_path / "serial") as serial, Store.open(tmp_path / "pool") as pool:
        a = import_files(serial, [damaged], workers=0)
        b = import_files(pool, [damaged], workers=2)
        assert a.imported == b.imported > 50
        assert [serial.game(i).moves for i in serial.game_ids()] == [pool.game(i).moves for i in pool.game_ids()]


def test_a_file_that_is_not_pgn_is_named_so(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(bytes(range(256)) * 40)
    assert import_main([str(picture), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("imported 0 games: photo.jpg is not a PGN file")
    assert "skipped" not in out.splitlines()[1]


def test_an_empty_file_says_no_games_found(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.pgn"
    empty.write_text("\n\n")
    assert import_main([str(empty), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("imported 0 games: empty.pgn holds no games")
    assert "no games found" in out


def test_counts_are_in_words_with_the_right_number(home: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    one = tmp_path / "one.pgn"
    one.write_text('[White "A"]\n[Black "B"]\n\n1. e4 e5 *\n', encoding="utf-8")
    assert import_main([str(one), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("imported 1 game, 0 already in the store, 0 skipped")
    assert "\n1 game read in " in out


# --------------------------------------------------------------------------------------------------
# issue 18: pipes, devices and containers


def _kibitz_import(args: list[str], home: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kibitz.cli", "import", *args, "--home", str(home)],
                          capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.parametrize("how", ["process substitution", "/dev/stdin", "-"])
def test_every_game_is_read_from_a_pipe(tmp_path: Path, how: str) -> None:
    """The compression check used to open the path a second time, eating the start of a pipe."""
    command = {"process substitution": 'import <(xz -dc "$F")', "/dev/stdin": 'import /dev/stdin < <(xz -dc "$F")',
               "-": 'import - < <(cat "$F")'}[how]
    script = f'"$PY" -m kibitz.cli {command} --home "$HOME_DIR" --quiet'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PY": sys.executable, "F": str(JOWEN), "HOME_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "imported 200 games, 0 already in the store, 0 skipped" in result.stdout
    assert (how == "-") == ("standard input:" in result.stdout)


def test_a_device_is_refused_with_a_sentence(tmp_path: Path) -> None:
    result = _kibitz_import(["/dev/zero"], tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.startswith("imported 0 games: /dev/zero is a device, not a file")


def test_a_named_pipe_without_a_writer_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "games.fifo"
    os.mkfifo(fifo)
    monkeypatch.setattr(pgn_input, "PIPE_WAIT_S", 0.3)
    with Store.open(tmp_path / "home") as store:
        summary = import_files(store, [fifo])
    assert summary.nothing_read and summary.files[0].error is not None
    assert "nothing was written into" in summary.files[0].error


def test_a_named_pipe_with_a_late_writer_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "games.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(lzma.open(JOWEN).read()))
    writer.start()
    with Store.open(tmp_path / "home") as store:
        summary = import_files(store, [fifo])
    writer.join()
    assert summary.imported == 200


@pytest.mark.parametrize("kind, words", [("zip", "is a zip archive"), ("tar", "is a tar archive"),
                                         ("sqlite", "is an SQLite database")])
def test_containers_are_refused_not_read_through_their_header_bytes(tmp_path: Path, kind: str, words: str) -> None:
    text = lzma.open(JOWEN).read()
    path = tmp_path / f"games.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("games.pgn", text)
    elif kind == "tar":
        inner = tmp_path / "games.pgn"
        inner.write_bytes(text)
        with tarfile.open(path, "w") as archive:
            archive.add(inner, arcname="games.pgn")
    else:
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE notes (pgn TEXT)")
        db.execute("INSERT INTO notes VALUES (?)", (text.decode(),))
        db.commit()
        db.close()
    with Store.open(tmp_path / "home") as store:
        summary = import_files(store, [path])
        assert store.game_ids() == []
    assert summary.nothing_read
    assert summary.text().startswith(f"imported 0 games: {path} {words}, not a PGN file")


def test_a_file_name_that_is_not_utf8_is_printed_and_reported(tmp_path: Path) -> None:
    """A skipped game in a file whose name is not UTF-8 ended in UnicodeEncodeError after storing."""
    folder = os.fsencode(tmp_path)
    name = folder + b"/partie-\xe9t\xe9.pgn"
    text = lzma.open(JOWEN).read().replace(b"1. ", b"1. Ke5 1. ", 1)  # the first game cannot be read
    with open(name, "wb") as out:
        out.write(text)
    result = subprocess.run([sys.executable, "-m", "kibitz.cli", "import", name, b"--home", folder + b"/home"],
                            capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "imported 199 games, 0 already in the store, 1 skipped" in out
    assert "partie-\\xe9t\\xe9.pgn" in out
    report = next((tmp_path / "home" / "import-reports").glob("*.txt")).read_text(encoding="utf-8")
    assert "partie-\\xe9t\\xe9.pgn" in report
