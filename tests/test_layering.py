"""Imports point one way: gui -> engine <- training. engine never imports Qt or torch."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "engine": ("PySide6", "torch", "kibitz.gui", "kibitz.training", "gui", "training"),
    "gui": ("torch", "kibitz.training", "training"),
}


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.update(f"..{node.module or ''}.{alias.name}" for alias in node.names)  # relative: see below
    return names


def violations(folder: str) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name in imported_modules(path):
            if name.startswith(".."):
                if any(part in ("gui", "training") for part in name.strip(".").split(".")[:1]):
                    found.append(f"{path.relative_to(ROOT)}: relative import {name}")
                continue
            for banned in FORBIDDEN[folder]:
                if name == banned or name.startswith(banned + "."):
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_layer_imports(folder: str) -> None:
    assert violations(folder) == []


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    import torch.nn\n    from PySide6.QtCore import Qt\n")
    assert {"torch.nn", "PySide6.QtCore"} <= imported_modules(bad)


def test_import_linter_contracts(tmp_path: Path) -> None:
    """Run pyproject.toml's import-linter contracts on a copy laid out as the installed package.

    import-linter finds modules on disk, and the ``package-dir`` mapping (``kibitz.engine`` is
    ``engine/``) exists only in the installed package, so the folders are copied into one tree.
    """
    lint = shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed")
    tomllib = pytest.importorskip("tomllib")
    package = tmp_path / "kibitz"
    shutil.copytree(ROOT / "kibitz", package, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("engine", "gui", "training", "assets"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, package / folder,
                            ignore=shutil.ignore_patterns("__pycache__", "*.onnx", "*.svg", "*.png"))
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    # Forbidding external packages (PySide6, torch) needs them in the import graph.
    config["include_external_packages"] = True
    (tmp_path / "importlinter.toml").write_text(_as_toml(config), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([lint, "importlinter.toml", "--no-cache"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def _as_toml(config: dict[str, Any]) -> str:
    """The ``[tool.importlinter]`` table back as TOML (only the value types it uses)."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {value(v)}" for k, v in config.items() if k != "contracts"]
    for contract in config.get("contracts", []):
        lines += ["", "[[tool.importlinter.contracts]]"] + [f"{k} = {value(v)}" for k, v in contract.items()]
    return "\n".join(lines) + "\n"
