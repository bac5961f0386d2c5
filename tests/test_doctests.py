"""The engine's docstring examples are run, so they stay true (python-chess runs its own)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kibitz.engine

ENGINE_MODULES = sorted(m.name for m in pkgutil.iter_modules(kibitz.engine.__path__, "kibitz.engine."))


@pytest.mark.parametrize("name", ENGINE_MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
