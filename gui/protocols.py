"""The parts of the engine the GUI talks to, as structural types (see docs/contracts.md).

Spelled out here so the GUI's tests can hand in fakes (a fake predictor, a store double); the
stored game records are the engine's own type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import chess

from kibitz.engine.store import GameRecord


class PlayerLike(Protocol):
    id: int
    name: str
    aliases: tuple[str, ...]


#: Records come from the engine's store as they are; the GUI needs no looser type for them.
GameRecordLike = GameRecord


class StoreLike(Protocol):
    home: Path

    def add_player(self, name: str) -> Any: ...
    def add_alias(self, player_id: int, alias: str) -> None: ...
    def find_player(self, name: str) -> Any: ...
    def players(self) -> Sequence[Any]: ...
    def start_game(self, white_id: int, black_id: int, *, event: str | None = None,
                   fen: str | None = None) -> int: ...
    def add_move(self, game_id: int, ply: int, uci: str, san: str) -> None: ...
    def truncate_moves(self, game_id: int, ply_count: int) -> None: ...
    def finish_game(self, game_id: int, result: str, termination: str) -> None: ...
    def unfinished_games(self) -> Sequence[Any]: ...
    def delete_game(self, game_id: int) -> None: ...
    def game(self, game_id: int) -> Any: ...
    def games_of_player(self, player_id: int) -> Sequence[Any]: ...
    def export_pgn(self, game_ids: Iterable[int], path: Path) -> int: ...
    def close(self) -> None: ...


class ModelStatusLike(Protocol):
    kind: str
    description: str


class PredictionLike(Protocol):
    move: chess.Move
    san: str
    probability: float


class GamePredictorLike(Protocol):
    status: ModelStatusLike

    def reset(self, board: chess.Board | None = None) -> None: ...
    def push(self, move: chess.Move) -> None: ...
    def top_moves(self, k: int = 5) -> Sequence[PredictionLike]: ...
