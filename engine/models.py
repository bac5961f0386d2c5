"""The model registry: where model files live, what their metadata says, which model serves a player.

A model folder holds ``model.onnx`` (the adapter's single-step graph, which reads the Maia-3
prior's outputs) and ``model.json`` (who it is for, the player's rating for the prior it was
trained at, vocabulary and feature versions, training data, figures, and the ONNX file's sha256 -
so a half-replaced or damaged file is recognised, never loaded). The prior's graph is shared by
every model and ships in ``kibitz.assets/maia3`` (see :mod:`kibitz.engine.priors`). The base adapter ships
in ``kibitz.assets/base``; personal models live under ``<home>/models/<player id>/<version>/``,
a new folder per training run, so a retrain that is not better leaves the installed one alone.

This module is the one place for the folder layout (written once, atomically:
:func:`write_model_folder`), the served-model rule (:func:`served_model`), the model history
(:func:`record_installed`, :func:`record_not_installed`, :func:`revert`, :func:`recorded_versions`)
and the player's live book (:func:`own_moves`, :func:`served_book`: the player's book counts every
stored game, so predictions learn from a game the moment it ends). The app, training, the player
page and the report all ask here.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from kibitz.engine import features, moves
from kibitz.engine.book import OwnMoves, PlayerBook, position_hash
from kibitz.engine.pgn import starting_board
from kibitz.engine.player_games import (DATE_ORDER_SQL, DEFAULT_BOOK_STRENGTH, REFIT_GROWTH, LearningStatus,
                                        learning_status, replay)
from kibitz.engine.priors import DEFAULT_RATING, MAX_RATING, MIN_RATING, rating_key

if TYPE_CHECKING:
    from kibitz.engine.store import GameRecord, ModelRecord, Player, Store

MODEL_FILE: Final = "model.onnx"
META_FILE: Final = "model.json"
FORMAT_VERSION: Final = 2
MAX_HIDDEN: Final = 4096  # a larger recurrent state is a damaged file, not a model
OWN_MOVES_FILE: Final = "own-moves.npz"  # the player's live book's counts, beside their model folders
RATING_FILE: Final = "rating.json"  # the player's fitted rating for the prior, beside their model folders
WORK_DIR: Final = "work"  # <home>/work/<pid>-<stamp>/: a training run's scratch (the prior cache)


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
    rating: int | None  # the player's rating a personal model was trained at (None: any, for the base)
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
        rating = meta.get("rating")
        info = ModelInfo(
            folder=folder,
            kind=str(meta["kind"]),
            player=meta.get("player"),
            hidden=hidden,
            games_trained=int(meta.get("games_trained", 0)),
            rating=None if rating is None else int(rating),
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
    """Give the model already in ``folder`` a player's book (:meth:`kibitz.engine.book.PlayerBook.to_bytes`)
    served at ``strength`` - for tools and tests that make a model by hand. Training writes its
    folders once, book included (:func:`write_model_folder`)."""
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    write_model_folder(folder, (folder / MODEL_FILE).read_bytes(), meta,
                       book=(book, {"strength": strength, "half_life": half_life}))


# -- the served-model rule --------------------------------------------------------------------------

@dataclass(frozen=True)
class ServedModel:
    """What predicts a player: an adapter folder with the player's rating for the prior (the player's
    live book beside it, :func:`served_book`), and why a personal model is not served, if one is not."""

    info: ModelInfo
    rating: int
    record: ModelRecord | None  # the store's record of a personal model; None: the base adapter
    problem: str | None = None

    @property
    def personal(self) -> bool:
        return self.record is not None


def recorded_rating(store: Store, player_id: int) -> tuple[int | None, str | None]:
    """The rating the player's games chose at the newest retrain that fitted one (None: none yet),
    or None and why the recorded one is not a rating. A retrain fits the rating whether or not its
    network is installed, so every record is read, newest first."""
    for record in reversed(store.model_history(player_id)):
        rating = record.meta.get("rating")
        if rating is None:
            continue
        if isinstance(rating, (int, float)) and not isinstance(rating, bool) and MIN_RATING <= rating <= MAX_RATING:
            return rating_key(rating), None
        return None, f"the recorded rating {rating!r} is not a rating"
    return None, None


@dataclass(frozen=True)
class RatingFit:
    """The player's fitted rating for the prior, how many games they had then, and what fitted it:
    "games" (the background work, on their newest moves) or "retrain" (on the games a network learned
    from, never on the games it is judged on)."""

    rating: int
    games: int
    fitted_by: str


def save_rating_fit(home: Path, player_id: int, fit: RatingFit) -> None:
    """Write ``<home>/models/<id>/rating.json`` atomically (the fit the player is served at)."""
    folder = player_model_dir(home, player_id)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{RATING_FILE}.{os.getpid()}.incoming"
    tmp.write_text(json.dumps({"rating": fit.rating, "games": fit.games, "fitted_by": fit.fitted_by}), encoding="utf-8")
    os.replace(tmp, folder / RATING_FILE)


def rating_fit(store: Store, player_id: int) -> RatingFit | None:
    """The player's newest fitted rating (None: never fitted, or the file is unreadable: fitted again)."""
    try:
        data = json.loads((player_model_dir(store.home, player_id) / RATING_FILE).read_text(encoding="utf-8"))
        rating, games, fitted_by = data["rating"], data["games"], data["fitted_by"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    numbers = all(isinstance(v, int) and not isinstance(v, bool) for v in (rating, games))
    if not numbers or not MIN_RATING <= rating <= MAX_RATING or games <= 0 or fitted_by not in ("games", "retrain"):
        return None
    return RatingFit(rating_key(rating), games, fitted_by)


def rating_fit_due(fit: RatingFit | None, games: int) -> bool:
    """Whether the player's rating should be fitted (again): never fitted, or their games have grown
    by :data:`~kibitz.engine.player_games.REFIT_GROWTH` since."""
    return fit is None or games >= fit.games * (1 + REFIT_GROWTH)


def player_rating(store: Store, player: Player) -> int:
    """The prior's rating for ``player``: the one their games chose (:func:`rating_fit`, else the
    newest a model record names), else the level given in the player dialog, else the default."""
    fit = rating_fit(store, player.id)
    if fit is not None:
        return fit.rating
    rating, _ = recorded_rating(store, player.id)
    return rating if rating is not None else rating_key(player.level)


def opponent_ratings(store: Store, records: list[GameRecord], player_id: int) -> list[int | None]:
    """Per game, the opponent's rating for the prior: a player kibitz knows at their
    :func:`player_rating`; anyone else at the game's ``WhiteElo`` / ``BlackElo`` tag; None when
    neither is known (the prior then takes them to be as strong as the player)."""
    known: dict[int, int] = {}
    ratings: list[int | None] = []
    for record in records:
        white = record.white_id == player_id
        other = record.black_id if white else record.white_id
        if other is not None and other != player_id:
            if other not in known:
                known[other] = player_rating(store, store.player(other))
            ratings.append(known[other])
            continue
        tag = store.tags(record.id).get("BlackElo" if white else "WhiteElo", "")
        ratings.append(rating_key(int(tag)) if tag.strip().isdigit() else None)
    return ratings


def game_ratings(store: Store, records: list[GameRecord], player_id: int) -> list[tuple[int, int]]:
    """Per game of the player, the (White, Black) ratings the prior reads it at: the player at their
    :func:`player_rating`, the opponent as :func:`opponent_ratings` says, else as strong as the player."""
    player = player_rating(store, store.player(player_id))
    pairs: list[tuple[int, int]] = []
    for record, opponent in zip(records, opponent_ratings(store, records, player_id)):
        other = player if opponent is None else opponent
        pairs.append((player, other) if record.white_id == player_id else (other, player))
    return pairs


def installed_record(store: Store, player_id: int) -> ModelRecord | None:
    """The latest record if it is an installed personal model (the latest record is what serves)."""
    record = store.latest_model(player_id)
    return record if record is not None and record.meta.get("installed") is not False else None


def served_model(store: Store | None, player: Player | None) -> ServedModel:
    """The served-model rule: the player's latest recorded model if it is installed and usable,
    else the bundled base adapter; either at the player's rating (:func:`player_rating`).
    ``problem`` says what was wrong first (a malformed rating, a candidate that was not better, an
    unusable folder).

    :raises ModelError: when not even the base adapter can be used.
    """
    if store is None or player is None:
        return ServedModel(load_model_info(base_model_dir()), DEFAULT_RATING, None)
    record = store.latest_model(player.id)
    _, rating_problem = recorded_rating(store, player.id)
    rating = player_rating(store, player)
    problems = [rating_problem] if rating_problem else []
    if record is not None and record.meta.get("installed") is False:
        problems.append(str(record.meta.get("reason", "the personal model did not beat the base")))
    elif record is not None:
        try:
            info = load_model_info(Path(record.path))
            # A network is served at the rating it learned over; a later fit serves the base adapter.
            return ServedModel(info, info.rating or rating, record, problems[0] if problems else None)
        except ModelError as error:
            problems.append(f"personal model unusable: {error}")
    return ServedModel(load_model_info(base_model_dir()), rating, None, problems[0] if problems else None)


def adapter_games(info: ModelInfo, keys: list[str] | None = None) -> frozenset[str]:
    """The games (:func:`kibitz.engine.player_games.game_key`) the model's adapter trained on;
    empty for the base adapter, which never saw a user's games. A personal model made before kibitz
    wrote them down trained on its oldest ``training.train_games`` games: taken from ``keys`` (the
    player's games, oldest first), all of them when it does not say."""
    if info.kind != "personal":
        return frozenset()
    training = info.meta.get("training", {})
    if "adapter_games" in training:
        return frozenset(str(k) for k in training["adapter_games"])
    keys = keys or []
    return frozenset(keys[: int(training.get("train_games", info.games_trained))])


# -- the model history -------------------------------------------------------------------------------

def record_installed(store: Store, player_id: int, folder: Path, games: int, meta: dict[str, Any]) -> None:
    """Serve the model in ``folder`` from now on (the newest record is what serves)."""
    store.record_model(player_id, folder, games, {**meta, "installed": True})


def record_not_installed(store: Store, player_id: int, folder: Path, games: int, meta: dict[str, Any],
                         reason: str) -> None:
    """Keep a candidate in the history without serving it; the served model is recorded again
    after it, so the newest record still names what serves."""
    current = installed_record(store, player_id)
    store.record_model(player_id, folder, games, {**meta, "installed": False, "reason": reason})
    if current is not None:
        # The retrain's fitted rating stays the player's rating (the kept network serves at its own).
        rating: dict[str, Any] = {key: meta[key] for key in ("rating", "rating_games") if key in meta}
        store.record_model(player_id, current.path, current.games_trained,
                           {**current.meta, **rating, "installed": True, "kept": reason})


def revert(store: Store, player: Player, folder: Path) -> None:
    """Serve an earlier model version of the player again (recorded as the newest record).

    :raises ModelError: when that folder no longer holds a usable model.
    """
    info = load_model_info(folder)
    store.record_model(player.id, folder, info.games_trained, {"installed": True, "rating": info.rating, "reverted": True})


def recorded_versions(store: Store, player: Player) -> list[tuple[ModelRecord, ModelInfo | None]]:
    """Every distinct model folder recorded for the player, oldest first, with its info (None:
    the folder is gone or unusable). A kept or reverted model is recorded again: shown once."""
    by_folder: dict[Path, ModelRecord] = {}
    for record in store.model_history(player.id):
        by_folder.setdefault(record.path, record)
    versions: list[tuple[ModelRecord, ModelInfo | None]] = []
    for folder, record in by_folder.items():
        try:
            versions.append((record, load_model_info(folder)))
        except ModelError:
            versions.append((record, None))
    return versions


def learning_status_of(store: Store, player: Player) -> LearningStatus:
    """Where ``player`` is in the learning loop (:func:`kibitz.engine.player_games.learning_status`)."""
    record = store.latest_model(player.id)
    games = len(player_game_ids(store, player.id))
    new = games if record is None else store.games_changed_since(player.id, record.created_at)
    return learning_status(player.name, games, has_personal=installed_record(store, player.id) is not None,
                           new_since_model=new)


# -- the live book ------------------------------------------------------------------------------------

def player_game_ids(store: Store, player_id: int) -> list[int]:
    """The player's stored games with moves, oldest first (:mod:`kibitz.engine.player_games`' order)."""
    order = DATE_ORDER_SQL.format(column="g.date")
    return [gid for (gid,) in store.query(
        f"SELECT g.id FROM games g WHERE (g.white_id = ? OR g.black_id = ?)"
        f" AND EXISTS (SELECT 1 FROM moves m WHERE m.game_id = g.id) ORDER BY {order}, g.id",
        (player_id, player_id))]


def own_moves(store: Store, player_id: int) -> tuple[OwnMoves, list[int]]:
    """Every move the player made in their stored games (game index = place in
    :func:`player_game_ids`, returned beside it). Kept in ``own-moves.npz`` beside their models and
    brought up to date here: only games not counted before are replayed (a finished game: a few ms)."""
    import chess

    ids = player_game_ids(store, player_id)
    path = player_model_dir(store.home, player_id) / OWN_MOVES_FILE
    cached: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as data:
            cached = {name: data[name] for name in ("ids", "game", "key", "move")}
    except (OSError, KeyError, ValueError):
        cached = {"ids": np.zeros(0, np.int64), "game": np.zeros(0, np.int64),
                  "key": np.zeros(0, np.uint64), "move": np.zeros(0, np.int16)}
    known = set(int(i) for i in cached["ids"])
    wanted = set(ids)
    missing = [gid for gid in ids if gid not in known]
    game, key, move = [cached["game"]], [cached["key"]], [cached["move"]]
    for gid in missing:
        record = store.game(gid)
        colour = chess.WHITE if record.white_id == player_id else chess.BLACK
        start = starting_board(record.fen)
        plies = [(position_hash(board), moves.move_to_index(m, board.turn))
                 for _, board, m in replay(start, [chess.Move.from_uci(u) for u in record.moves], colour)]
        game.append(np.full(len(plies), gid, np.int64))
        key.append(np.array([h for h, _ in plies], np.uint64))
        move.append(np.array([i for _, i in plies], np.int16))
    table = {"ids": np.array([i for i in cached["ids"] if int(i) in wanted] + missing, np.int64),
             "game": np.concatenate(game), "key": np.concatenate(key), "move": np.concatenate(move)}
    keep = np.isin(table["game"], np.array(ids, np.int64))
    for name in ("game", "key", "move"):
        table[name] = table[name][keep]
    if missing or len(table["ids"]) != len(cached["ids"]):
        _save_arrays(path, table)
    place = {gid: i for i, gid in enumerate(ids)}
    index = np.array([place[int(g)] for g in table["game"]], np.int32)
    return OwnMoves(index, table["key"], table["move"], len(ids)), ids


def _save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the count table atomically (each writing thread stages its own file)."""
    import io
    import threading

    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, ids=arrays["ids"], game=arrays["game"], key=arrays["key"], move=arrays["move"])
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.incoming")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)


def book_settings(info: ModelInfo) -> tuple[float, float | None] | None:
    """The strength and half-life the model blends the player's book at; None: no book (a personal
    model whose judgement found the book did not help). The base adapter uses the default."""
    if info.kind != "personal":
        return DEFAULT_BOOK_STRENGTH, None
    book = info.meta.get("book")
    if not isinstance(book, dict):
        return None
    half_life = book.get("half_life")
    return float(book["strength"]), None if half_life is None else float(half_life)


def served_book(store: Store, player: Player, info: ModelInfo, *, without: set[int] | frozenset[int] = frozenset()
                ) -> PlayerBook | None:
    """The player's book as the model in ``info`` serves it: counting every stored game of the
    player except the game ids in ``without`` (games a figure is measured on)."""
    settings = book_settings(info)
    if settings is None:
        return None
    table, ids = own_moves(store, player.id)
    if without:
        drop = [i for i, gid in enumerate(ids) if gid in without]
        table = table.excluding(drop)
    if table.games == 0 or len(table.key) == 0:
        return None
    strength, half_life = settings
    return table.book(strength=strength, half_life=half_life)


# -- a training run's scratch folder -----------------------------------------------------------------

def work_root(home: Path | None = None) -> Path:
    """Where training runs keep their scratch folders: ``<home>/work``, or without a data folder
    (``kibitz-train finetune``, the benches) ``kibitz-work`` in the system's temporary folder."""
    import tempfile

    return home / WORK_DIR if home is not None else Path(tempfile.gettempdir()) / "kibitz-work"


def work_folder(root: Path) -> Path:
    """A fresh scratch folder for this process under ``root`` (:func:`work_root`; the prior cache
    goes there). Folders left by runs that are no longer alive (killed, cancelled) are removed first."""
    import time

    clean_work(root)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"{os.getpid()}-{time.time_ns()}"
    folder.mkdir()
    return folder


def clean_work(root: Path) -> int:
    """Remove the scratch folders under ``root`` of training runs that are no longer alive; returns
    how many. The app calls it when a run ends (a cancelled or killed run cannot clean up after itself)."""
    import shutil

    removed = 0
    for stale in root.iterdir() if root.is_dir() else ():
        pid = stale.name.split("-", 1)[0]
        if not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(stale, ignore_errors=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) is not a harmless probe there: keep it, the next run on POSIX cleans
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (PermissionError), or a platform without signal 0
        return True
    return True
