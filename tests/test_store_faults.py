"""The store under faults and concurrency: many processes at once, damaged or foreign files, a full disk."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.store import SCHEMA_VERSION, Store, StoreError, StoreFullError

DATA = Path(__file__).parent / "data"
SRC = Path(__file__).resolve().parents[1]


def slice_games(name: str = "jowen93-200.pgn.xz") -> list[PgnGame]:
    return [g for g in read_games(DATA / name) if isinstance(g, PgnGame)]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_together(scripts: list[str], go: Path) -> list[subprocess.Popen[str]]:
    """Start one Python process per script; each waits for ``go`` to exist, so they all begin at once."""
    wait = f"import os, time\nwhile not os.path.exists({str(go)!r}): time.sleep(0.005)\n"
    processes = [subprocess.Popen([sys.executable, "-c", wait + textwrap.dedent(script)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for script in scripts]
    time.sleep(1.5)  # let every interpreter start and import before the race
    go.touch()
    return processes


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    """(exit code, stdout, stderr) of each process, once it has ended."""
    results = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        results.append((process.returncode, out, err))
    return results


def test_processes_opening_a_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    script = f"""
        from kibitz.engine.store import Store
        with Store.open({str(home)!r}) as store:
            print(store.query("PRAGMA user_version")[0][0])
    """
    results = finish(start_together([script] * 16, tmp_path / "go"))
    assert [(code, out.strip()) for code, out, _ in results] == [(0, str(SCHEMA_VERSION))] * 16, \
        [err for _, _, err in results if err][:1]


def test_processes_importing_and_playing_into_a_new_store_at_once(tmp_path: Path) -> None:
    """8 processes: 6 import (two of each file, the same games at the same time), 2 play app games."""
    home = tmp_path / "new-home"
    files = [DATA / "jowen93-200.pgn.xz", DATA / "masters-100.pgn.xz", DATA / "saubhi65-clock-40.pgn.xz"]
    expected_imported = sum(len({g.key for g in slice_games(f.name)}) for f in files)
    importer = """
        import sys
        from kibitz.engine.importer import main
        sys.exit(main([{file!r}, "--home", {home!r}, "--workers", "0", "--quiet"]))
    """
    player = """
        from kibitz.engine.store import Store
        with Store.open({home!r}) as store:
            game = store.start_game(*(p.id for p in [store.add_player({white!r}), store.add_player({black!r})]))
            for ply, (uci, san) in enumerate([("e2e4", "e4"), ("e7e5", "e5"), ("g1f3", "Nf3"), ("b8c6", "Nc6")]):
                store.add_move(game, ply, uci, san)
            store.finish_game(game, "1/2-1/2", "agreement")
    """
    scripts = [importer.format(file=str(f), home=str(home)) for f in files * 2]
    scripts += [player.format(home=str(home), white=f"W{i}", black=f"B{i}") for i in range(2)]
    results = finish(start_together(scripts, tmp_path / "go"))
    assert [code for code, _, _ in results] == [0] * 8, [err for code, _, err in results if code][:1]

    db = sqlite3.connect(home / "kibitz.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("SELECT COUNT(*) FROM games WHERE source = 'pgn'").fetchone()[0] == expected_imported
    assert db.execute("SELECT COUNT(*) FROM games WHERE source = 'app'").fetchone()[0] == 2
    assert db.execute("SELECT COUNT(*) FROM moves m JOIN games g ON g.id = m.game_id WHERE g.source = 'app'"
                      ).fetchone()[0] == 8
    db.close()


# --------------------------------------------------------------------------------------------------
# refusing what cannot be used, writing nothing into it


def damaged_store(home: Path) -> Path:
    with Store.open(home) as store:
        store.import_games(slice_games())
    path = home / "kibitz.sqlite3"
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle:middle + 3 * page] = os.urandom(3 * page)  # three pages of the games or moves tables
    damaged = path.with_name("damaged")
    damaged.write_bytes(bytes(data))
    os.replace(damaged, path)  # as a bad copy or restore would put it there
    return path


def test_a_damaged_store_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = damaged_store(tmp_path)
    before = digest(path)
    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path)
    message = str(caught.value)
    assert str(path) in message and "damaged" in message and "backup" in message
    assert "\n" not in message
    assert digest(path) == before


def test_a_file_that_is_not_a_store_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "kibitz.sqlite3"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match="damaged or not a kibitz store"):
        Store.open(tmp_path)
    assert path.read_bytes() == b"these are my notes, not a database\n" * 200


def test_a_store_from_a_newer_kibitz_is_refused_and_left_untouched(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    path = tmp_path / "kibitz.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.execute("PRAGMA journal_mode = DELETE")  # so the whole store is the one file to compare
    db.close()
    before = digest(path)
    with pytest.raises(StoreError, match="newer kibitz.*update kibitz"):
        Store.open(tmp_path)
    assert digest(path) == before


def test_a_data_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    with pytest.raises(StoreError, match=f"the data folder {home} is a file"):
        Store.open(home)
    (tmp_path / "kibitz.sqlite3").mkdir()
    with pytest.raises(StoreError, match="kibitz.sqlite3 is a folder"):
        Store.open(tmp_path)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    Store.open(tmp_path / "existing").close()
    (tmp_path / "empty").mkdir()
    try:
        for home in (tmp_path / "existing", tmp_path / "empty"):
            home.chmod(0o555)
            (home / "kibitz.sqlite3").exists() and (home / "kibitz.sqlite3").chmod(0o444)
            with pytest.raises(StoreError, match="make its folder writable"):
                Store.open(home)
    finally:
        for home in (tmp_path / "existing", tmp_path / "empty"):
            home.chmod(0o755)


# --------------------------------------------------------------------------------------------------
# a full disk


def test_a_full_disk_undoes_the_transaction_and_says_so(tmp_path: Path) -> None:
    games = slice_games()
    with Store.open(tmp_path) as store:
        assert store.import_games(games[:20]) == (20, 0)
        pages = store.query("PRAGMA page_count")[0][0]
        store.query(f"PRAGMA max_page_count = {pages + 2}")  # SQLite then fails as on a full disk
        with pytest.raises(StoreFullError, match=f"the disk is full at {store.path}"):
            store.import_games(games[20:])
        assert len(store.game_ids()) == 20  # the failed transaction left nothing half-written
        store.query("PRAGMA max_page_count = 1000000")
        assert store.import_games(games) == (180, 20)  # and the store goes on working
        assert store.query("PRAGMA integrity_check") == [("ok",)]
