"""Where model files live, what their metadata says, and whether this code can use them.

A model folder holds ``model.onnx`` (the adapter's single-step graph, which reads the Maia-1
prior's outputs) and ``model.json`` (who it is for, the prior band it was trained over,
vocabulary and feature versions, training data, figures, and the ONNX file's sha256 - so a
half-replaced or damaged file is recognised, never loaded). The prior graphs are shared by every
model and ship in ``kibitz.assets/maia`` (see :mod:`kibitz.engine.priors`). The base adapter ships
in ``kibitz.assets/base``; personal models live under ``<home>/models/<player id>/<version>/``,
a new folder per training run, so a retrain that is not better leaves the installed one alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from kibitz.engine import features, moves

MODEL_FILE: Final = "model.onnx"
META_FILE: Final = "model.json"
FORMAT_VERSION: Final = 2
MAX_HIDDEN: Final = 4096  # a larger recurrent state is a damaged file, not a model


class ModelError(Exception):
    """A model folder that cannot be used; the message says why, for people."""


@dataclass(frozen=True)
class ModelInfo:
    """``model.json`` of a usable model folder."""

    folder: Path
    kind: str  # "base" | "personal"
    player: str | None
    hidden: int
    games_trained: int
    band: int | None  # the prior band a personal model was trained over (None: any, for the base)
    meta: dict[str, Any] = field(repr=False)

    @property
    def onnx_path(self) -> Path:
        return self.folder / MODEL_FILE

    @property
    def book_path(self) -> Path | None:
        """The player's own book beside the graph (:mod:`kibitz.engine.book`), if the model has one."""
        book = self.meta.get("book")
        return file_inside(self.folder, str(book["file"])) if isinstance(book, dict) else None


def base_model_dir() -> Path:
    """The bundled base model's folder (inside the installed package)."""
    return Path(str(resources.files("kibitz.assets") / "base"))


def player_model_dir(home: Path, player_id: int) -> Path:
    """The folder holding every version of a player's personal models."""
    return home / "models" / str(player_id)


def new_model_version_dir(home: Path, player_id: int) -> Path:
    """A fresh folder for one training run's model (named by UTC time, never reused)."""
    import datetime as dt

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return player_model_dir(home, player_id) / stamp


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_versions() -> dict[str, str]:
    return {
        "vocab_version": moves.VOCAB_VERSION,
        "vocab_hash": moves.VOCAB_HASH,
        "feature_version": features.FEATURE_VERSION,
        "feature_hash": features.FEATURE_HASH,
    }


def load_model_info(folder: Path) -> ModelInfo:
    """Read and check a model folder.

    :raises ModelError: missing files, unreadable metadata, another vocabulary or encoder, or an
        ONNX file that is not the one the metadata describes.
    """
    meta_path, onnx_path = folder / META_FILE, folder / MODEL_FILE
    if not meta_path.is_file() or not onnx_path.is_file():
        raise ModelError(f"no model in {folder}")
    meta_path, onnx_path = file_inside(folder, META_FILE), file_inside(folder, MODEL_FILE)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        raise ModelError(f"{meta_path} is unreadable ({error})") from error
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{folder} has model format {meta.get('format_version')!r}, expected {FORMAT_VERSION}")
    for key, value in expected_versions().items():
        if meta.get(key) != value:
            raise ModelError(
                f"{folder} was trained for {key} {meta.get(key)!r}, this kibitz uses {value!r}; retrain it"
            )
    _check_sha256(onnx_path, meta.get("onnx_sha256"))
    book = meta.get("book")
    if book is not None:
        if not isinstance(book, dict) or not isinstance(book.get("file"), str) or "strength" not in book:
            raise ModelError(f"{meta_path} describes its book as {book!r}, not a file with a strength")
        _check_sha256(file_inside(folder, book["file"]), book.get("sha256"))
    try:
        hidden = int(meta["config"]["hidden"])
        band = meta.get("band")
        info = ModelInfo(
            folder=folder,
            kind=str(meta["kind"]),
            player=meta.get("player"),
            hidden=hidden,
            games_trained=int(meta.get("games_trained", 0)),
            band=None if band is None else int(band),
            meta=meta,
        )
    except (KeyError, TypeError, ValueError, OverflowError) as error:  # OverflowError: int(Infinity)
        raise ModelError(f"{meta_path} lacks {error}") from error
    if not 0 < hidden <= MAX_HIDDEN:
        raise ModelError(f"{meta_path} gives a recurrent state of {hidden} values; the file is damaged")
    return info


def file_inside(folder: Path, name: str) -> Path:
    """``folder / name`` when it is a regular file inside ``folder`` (links followed): metadata
    names files of its own folder, so ``../../x``, ``/dev/zero`` or a link out of the folder is
    refused, and nothing but a regular file is read (a device or a pipe never ends).

    :raises ModelError: when ``name`` leads out of ``folder`` or to anything but a regular file.
    """
    path = folder / name
    try:
        real = path.resolve(strict=True)
        inside = real.is_relative_to(folder.resolve(strict=True)) and real != folder.resolve()
        regular = stat.S_ISREG(real.stat().st_mode)
    except (OSError, RuntimeError) as error:  # missing, unreadable, a loop of links
        raise ModelError(f"{path} is unreadable ({error})") from error
    if not inside:
        raise ModelError(f"{folder / META_FILE} names {name!r}, which is outside the model folder")
    if not regular:
        raise ModelError(f"{path} is not a regular file")
    return real


def _check_sha256(path: Path, expected: object) -> None:
    """:raises ModelError: when ``path`` is unreadable or is not the file the metadata describes."""
    try:
        digest = sha256_file(path)
    except OSError as error:
        raise ModelError(f"{path} is unreadable ({error})") from error
    if digest != expected:
        raise ModelError(f"{path} is damaged or incomplete (checksum differs from {META_FILE})")


def write_model_folder(
    folder: Path, onnx_bytes: bytes, meta: dict[str, Any], extra: dict[str, Path] | None = None,
    *, book: tuple[bytes, dict[str, Any]] | None = None,
) -> None:
    """Write a model into ``folder`` so that a reader never loads half of it.

    Each file is written beside its final name and renamed into place, the metadata last; since
    the metadata carries the ONNX checksum (and the book's, given ``book`` = (its file's bytes,
    how it was made: ``strength`` and ``half_life``)), a reader that comes between two renames sees a mismatch and refuses the
    folder rather than loading a mixture. Other files in ``folder`` (a training checkpoint, say)
    are left alone.
    """
    from kibitz.engine.book import BOOK_FILE

    folder.mkdir(parents=True, exist_ok=True)
    meta = {**meta, "format_version": FORMAT_VERSION, **expected_versions(),
            "onnx_sha256": hashlib.sha256(onnx_bytes).hexdigest()}
    if book is not None:
        data, details = book
        meta["book"] = {**details, "file": BOOK_FILE, "sha256": hashlib.sha256(data).hexdigest()}
    staged: list[tuple[Path, Path]] = []

    def stage(name: str, data: bytes) -> None:
        tmp = folder / f".{name}.incoming"
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        staged.append((tmp, folder / name))

    stage(MODEL_FILE, onnx_bytes)
    if book is not None:
        stage(BOOK_FILE, book[0])
    for name, source in (extra or {}).items():
        stage(name, Path(source).read_bytes())
    stage(META_FILE, json.dumps(meta, indent=2, sort_keys=True).encode("utf-8"))
    for tmp, final in staged:
        os.replace(tmp, final)


def add_book(folder: Path, book: bytes, *, strength: float, half_life: float | None = None) -> None:
    """Put a player's book (:meth:`kibitz.engine.book.PlayerBook.to_bytes`) beside the graph in
    ``folder``, served at ``strength``; the metadata, renamed into place last, names its checksum."""
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    write_model_folder(folder, (folder / MODEL_FILE).read_bytes(), meta,
                       book=(book, {"strength": strength, "half_life": half_life}))
