"""``kibitz-train``'s arguments and ``report``'s files: a sentence for each bad value, never a
traceback, a store in an unintended place, a ``.part`` left behind or a link or device replaced
(issue 18)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kibitz.engine.store import Store
from kibitz.training.cli import main as train_main


@pytest.fixture
def home_with_player(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    with Store.open(home) as store:
        store.add_player("Ada")
    return home


def report(home: Path | str, out: Path | str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = train_main(["report", "--home", str(home), "--player", "Ada", "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.err


def one_sentence(err: str) -> bool:
    return "Traceback" not in err and len(err.strip().splitlines()) <= 3 and err.strip() != ""


def a_file(tmp_path: Path) -> Path:
    (tmp_path / "file").write_text("x")
    return tmp_path / "file"


def read_only(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return folder


@pytest.mark.parametrize("make_home", [a_file, lambda tmp: Path("/proc/self"), lambda tmp: Path("/dev/null"), read_only],
                         ids=["a file", "/proc/self", "/dev/null", "read-only"])
def test_report_with_an_unusable_home_is_a_sentence(tmp_path: Path, make_home, capsys: pytest.CaptureFixture[str]) -> None:
    home = make_home(tmp_path)
    code, err = report(home, tmp_path / "r.html", capsys)
    assert code in (1, 2) and one_sentence(err) and str(home) in err
    assert not (tmp_path / "r.html").exists()


def test_report_into_an_existing_folder_is_a_sentence_and_leaves_no_part(
        home_with_player: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    code, err = report(home_with_player, out, capsys)
    assert code == 2 and one_sentence(err) and "is a folder" in err
    assert list(tmp_path.glob("*.part")) == [] and list(out.iterdir()) == []


def test_report_into_a_missing_folder_is_a_sentence(home_with_player: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, err = report(home_with_player, tmp_path / "missing" / "r.html", capsys)
    assert code == 2 and one_sentence(err) and "does not exist" in err
    assert list(tmp_path.rglob("*.part")) == []


@pytest.mark.parametrize("out", ["", "   "])
def test_report_to_an_empty_name_is_refused_by_argparse(home_with_player: Path, tmp_path: Path, out: str,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        report(home_with_player, out, capsys)
    assert "--out: needs a file name, not an empty value" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_report_through_a_link_writes_the_linked_file_and_keeps_the_link(
        home_with_player: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link is followed on purpose: the file it names gets the report, the link stays a link."""
    target = tmp_path / "kept" / "ada.html"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "ada-link.html"
    link.symlink_to(target)
    code, _ = report(home_with_player, link, capsys)
    assert code == 0
    assert link.is_symlink() and link.resolve() == target
    assert "<html" in target.read_text().lower()
    assert list(tmp_path.rglob("*.part")) == []


@pytest.mark.parametrize("through_link", [False, True])
def test_report_to_a_pipe_or_device_never_replaces_it(home_with_player: Path, tmp_path: Path, through_link: bool,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A named pipe stands for any file that is not a regular one (never the real /dev/null: a
    regression would replace it for the whole machine)."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    out = pipe
    if through_link:
        out = tmp_path / "pipe-link"
        out.symlink_to(pipe)
    code, err = report(home_with_player, out, capsys)
    assert code == 2 and one_sentence(err) and "not a regular file" in err
    assert stat.S_ISFIFO(os.stat(pipe).st_mode) and (not through_link or out.is_symlink())
    assert list(tmp_path.rglob("*.part")) == []


# -- the training commands' numbers and folders: refused by argparse with a sentence ------------
@pytest.mark.parametrize("argv, words", [
    (["--threads", "-2"], "--threads: needs at least 1"),
    (["--threads", "0"], "--threads: needs at least 1"),
    (["--threads", "two"], "--threads: needs a whole number"),
    (["--time-budget", "-5"], "--time-budget: needs a number of seconds above 0"),
    (["--time-budget", "nan"], "--time-budget: needs a number of seconds above 0"),
    (["--time-budget", "inf"], "--time-budget: needs a number of seconds above 0"),
    (["--home", ""], "--home: needs a folder"),
    (["pretrain", "--corpus", "c", "--out", "o", "--time-budget", "nan"], "--time-budget: needs a number"),
    (["report", "--player", "Ada", "--out", "r.html", "--threads", "0"], "--threads: needs at least 1"),
    (["report", "--player", "Ada", "--out", "r.html", "--home", ""], "--home: needs a folder"),
])
def test_bad_numbers_and_empty_folders_are_refused_with_a_sentence(
        argv: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    if argv[0] != "report":
        pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        train_main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no store made in the current folder


def test_report_into_a_folder_that_cannot_be_written_is_a_sentence(home_with_player: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, err = report(home_with_player, "/proc/self/ada.html", capsys)  # not writable, even by root
    assert code == 2 and one_sentence(err) and "cannot write the report to /proc/self/ada.html" in err


@pytest.mark.parametrize("raw", ["[1]", "{oops", "null", '{"installed": true, "band": "strong"}'])
def test_report_with_damaged_model_details_in_the_store_still_writes_the_page(
        home_with_player: Path, tmp_path: Path, raw: str, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from kibitz.engine.models import base_model_dir

    folder = tmp_path / "model"
    shutil.copytree(base_model_dir(), folder)
    with Store.open(home_with_player) as store:
        store.record_model(store.find_player("Ada").id, folder, 10, {"installed": True})
        with store.transaction() as db:
            db.execute("UPDATE models SET meta = ?", (raw,))
    code, err = report(home_with_player, tmp_path / "ada.html", capsys)
    assert code == 0 and "Traceback" not in err
    assert "<html" in (tmp_path / "ada.html").read_text().lower()
