"""Fixtures for GUI tests: a main window wired to the temporary store, settings and fakes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gui_helpers import FakePredictorFactory, ScriptedDialogs


@pytest.fixture
def fake_factory() -> FakePredictorFactory:
    return FakePredictorFactory()


@pytest.fixture
def dialogs() -> ScriptedDialogs:
    return ScriptedDialogs()


@pytest.fixture
def make_window(qtbot: Any, store: Any, app_settings: Any, kibitz_home: Path, fake_factory: FakePredictorFactory,
                dialogs: ScriptedDialogs) -> Iterator[Callable[..., Any]]:
    """Build shown main windows; they are shut down (threads joined) before the store closes."""
    from kibitz.engine.store import Store
    from kibitz.gui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(**kwargs: Any) -> MainWindow:
        options: dict[str, Any] = {
            "predictor_factory": fake_factory,
            "open_store": lambda: Store.open(kibitz_home),
            "dialogs": dialogs,
        }
        options.update(kwargs)
        window = MainWindow(kwargs.pop("store", store), options.pop("settings", app_settings),
                            **{k: v for k, v in options.items() if k not in ("store", "settings")})
        qtbot.addWidget(window)
        window.resize(900, 640)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


def wait_predictions(qtbot: Any, window: Any) -> None:
    """Until the predictors are open and the shown position's predictions have arrived."""
    qtbot.waitUntil(lambda: not window.predictions.busy, timeout=5000)
