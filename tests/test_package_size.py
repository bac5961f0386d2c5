"""The installed package stays under 60 MB (issue 17): the Maia-3 graph and the base adapter are
most of it, so a careless asset (an fp32 copy, a checkpoint) shows up here first."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FOLDERS = ("kibitz", "engine", "gui", "training", "assets")
LIMIT_BYTES = 60 * 1024 * 1024


def test_package_files_stay_under_60_mb():
    sizes = {folder: sum(p.stat().st_size for p in (ROOT / folder).rglob("*")
                         if p.is_file() and "__pycache__" not in p.parts)
             for folder in PACKAGE_FOLDERS}
    assert sizes["assets"] > 5 * 1024 * 1024, "the bundled models are missing"
    assert sum(sizes.values()) < LIMIT_BYTES, sizes


def test_every_package_folder_is_in_the_wheel():
    """setuptools maps the folders to ``kibitz.*`` by an explicit list: a new subpackage left out
    of it works in an editable install and is missing from ``pip install .``."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folder_of = {name: ROOT / folder for name, folder in config["package-dir"].items()}
    found = set()
    for name, folder in folder_of.items():
        for init in folder.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            parts = init.parent.relative_to(folder).parts
            found.add(".".join((name, *parts)))
    assert set(config["packages"]) == found
