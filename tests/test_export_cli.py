"""``kibitz export``: every game or one player's, with [%clk] and ECO/Opening tags, written whole or not at all."""

from __future__ import annotations

import io
import os
from pathlib import Path

import chess.pgn
import pytest

from kibitz.cli import main
from kibitz.engine import eco
from kibitz.engine.clock import TimeControl, controls_to_tags
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.store import Store

DATA = Path(__file__).parent / "data"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A store with 40 imported chess.com games (clocks) and one timed game played here."""
    home = tmp_path / "home"
    with Store.open(home) as store:
        store.import_games(g for g in read_games(DATA / "saubhi65-clock-40.pgn.xz") if isinstance(g, PgnGame))
        dad, son = store.add_player("Dad"), store.add_player("Son")
        game = store.start_game(dad.id, son.id, tags=controls_to_tags({chess.WHITE: TimeControl(300, 2),
                                                                       chess.BLACK: TimeControl(600, 5)}))
        for ply, (uci, san, clock) in enumerate((("e2e4", "e4", 290.5), ("c7c5", "c5", 601.0),
                                                 ("g1f3", "Nf3", 280.0))):
            store.add_move(game, ply, uci, san, clock)
        store.finish_game(game, "1-0", "Son ran out of time")
    return home


def read_back(path: Path) -> list[chess.pgn.Game]:
    handle = io.StringIO(path.read_text(encoding="utf-8"))
    return [g for g in iter(lambda: chess.pgn.read_game(handle), None)]


def test_every_game_with_its_clocks_and_opening(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "all.pgn"
    assert main(["export", str(out), "--home", str(home)]) == 0
    assert "wrote 41 stored games" in capsys.readouterr().out
    games = read_back(out)
    assert len(games) == 41
    assert all(g.headers.get("ECO") and g.headers.get("Opening") for g in games)
    ours = next(g for g in games if g.headers["White"] == "Dad")
    assert [n.clock() for n in ours.mainline()] == [290.5, 601.0, 280.0]
    assert ours.headers["WhiteTimeControl"] == "300+2" and ours.headers["BlackTimeControl"] == "600+5"
    sicilian = eco.classify(["e2e4", "c7c5", "g1f3"])
    assert (ours.headers["ECO"], ours.headers["Opening"]) == (sicilian.eco, sicilian.name)
    imported = [g for g in games if g.headers["White"] != "Dad"]
    assert all(n.clock() is not None for g in imported for n in g.mainline())
    # Import it into a fresh store: the clocks come back, and importing into the first adds nothing.
    with Store.open(tmp_path / "again") as again:
        assert again.import_games(g for g in read_games(out) if isinstance(g, PgnGame)) == (41, 0)
        dad_game = next(gid for gid in again.game_ids() if again.game(gid).white == "Dad")
        assert again.clocks(dad_game) == [290.5, 601.0, 280.0]
    with Store.open(home) as store:
        assert store.import_games(g for g in read_games(out) if isinstance(g, PgnGame)) == (0, 41)


def test_one_players_games(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "son.pgn"
    assert main(["export", str(out), "--player", "son", "--home", str(home)]) == 0
    assert "wrote 1 Son's game to" in capsys.readouterr().out
    assert [g.headers["Black"] for g in read_back(out)] == ["Son"]


def test_bad_paths_and_names_get_one_sentence_and_leave_files_alone(home: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path), "--home", str(home)]) == 2
    assert "is a folder; give a file name" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing" / "x.pgn"), "--home", str(home)]) == 2
    assert "does not exist" in capsys.readouterr().err
    kept = tmp_path / "kept.pgn"
    kept.write_text("old", encoding="utf-8")
    assert main(["export", str(kept), "--player", "Nobody", "--home", str(home)]) == 2
    err = capsys.readouterr().err
    assert "no player is called 'Nobody'" in err and "Dad" in err and err.count("\n") == 1
    assert kept.read_text(encoding="utf-8") == "old"
    with Store.open(tmp_path / "empty"):
        pass
    assert main(["export", str(kept), "--home", str(tmp_path / "empty")]) == 1
    assert "no stored games; nothing was written" in capsys.readouterr().err
    assert kept.read_text(encoding="utf-8") == "old" and not list(tmp_path.glob("*.part"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_folder_that_cannot_be_written(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["export", str(locked / "x.pgn"), "--home", str(home)]) == 2
        assert "cannot write into the folder" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)
