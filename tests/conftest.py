"""Shared fixtures. Qt must run offscreen: set before anything imports Qt."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def no_real_data_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's own data folder (a newer kibitz's store there failed
    the CLI tests that name no --home); ``kibitz_home`` below gives a test its own."""
    monkeypatch.setenv("KIBITZ_HOME", str(tmp_path_factory.mktemp("no-real-home")))


@pytest.fixture
def kibitz_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder, also set as ``KIBITZ_HOME`` so nothing touches the real one."""
    home = tmp_path / "kibitz-home"
    home.mkdir()
    monkeypatch.setenv("KIBITZ_HOME", str(home))
    return home


@pytest.fixture
def store(kibitz_home: Path) -> Iterator[Any]:
    """The real Store on the temporary home."""
    from kibitz.engine.store import Store

    opened = Store.open(kibitz_home)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def qsettings(tmp_path: Path) -> Any:
    """A QSettings backed by a temporary INI file (never the user's settings)."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "kibitz-settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def app_settings(qsettings: Any) -> Any:
    from kibitz.gui.settings import AppSettings

    return AppSettings(qsettings)
