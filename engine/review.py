"""Review a game against the models: how likely each player's served model found every move played.

Per ply, the mover's model (the one the app serves them: personal, else the base adapter, at
their rating) gives the probability of the move played, its rank among the legal moves and its own
top choice. From these come each player's "predictability" over the game and the most surprising
moves. Scoring runs through :func:`kibitz.engine.scoring.compare_models` (the prior over every ply
at once at the movers' ratings, both adapters side by side), so a 100-move game takes a
fraction of a second.

>>> review = review_game(store, game_id)          # doctest: +SKIP
>>> [m.san for m in review.surprising(3)]         # doctest: +SKIP
['Qxf7+', 'h4', 'Kd2']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import chess
import numpy as np

from kibitz.engine.pgn import starting_board
from kibitz.engine.predictor import AdapterSession, ModelPredictor, open_predictor
from kibitz.engine.player_games import replay
from kibitz.engine.scoring import PlyScore, ScoredGame, compare_models
from kibitz.engine.store import GameRecord, Store


@dataclass(frozen=True)
class ServedModel:
    """The adapter and the player's rating for the prior their predictions come from, and the panel's
    words for it."""

    adapter: AdapterSession
    rating: int
    description: str


@dataclass(frozen=True)
class MoveReview:
    """One move as the mover's model saw it."""

    ply: int  # 0-based
    colour: chess.Color
    san: str
    probability: float  # the model's probability of the move played
    rank: int  # 1: the model's first choice
    legal: int  # legal moves in the position
    top_san: str
    top_probability: float

    @property
    def move_number(self) -> int:
        """The move number as printed in a score sheet (ply 0 and 1 are move 1)."""
        return self.ply // 2 + 1

    @property
    def label(self) -> str:
        """``"12. Nf3"`` / ``"12... Nf6"``."""
        return f"{self.move_number}{'.' if self.colour == chess.WHITE else '...'} {self.san}"


@dataclass(frozen=True)
class GameReview:
    game_id: int | None
    white: str
    black: str
    models: dict[chess.Color, str]  # each side's model, in words
    moves: list[MoveReview]

    def of(self, colour: chess.Color) -> list[MoveReview]:
        return [m for m in self.moves if m.colour == colour]

    def predictability(self, colour: chess.Color) -> float | None:
        """Mean probability the model gave the moves ``colour`` played (forced moves skipped)."""
        chosen = [m.probability for m in self.of(colour) if m.legal > 1]
        return float(np.mean(chosen)) if chosen else None

    def top1(self, colour: chess.Color) -> float | None:
        """Share of ``colour``'s unforced moves that were the model's first choice."""
        chosen = [m.rank == 1 for m in self.of(colour) if m.legal > 1]
        return float(np.mean(chosen)) if chosen else None

    def surprising(self, count: int = 5) -> list[MoveReview]:
        """The ``count`` moves the models found least likely (forced moves never surprise), in game order."""
        unforced = [m for m in self.moves if m.legal > 1]
        worst = sorted(unforced, key=lambda m: (m.probability, m.ply))[:count]
        return sorted(worst, key=lambda m: m.ply)


def served_model(player: object | None, store: Store | None, *,
                 without_games: frozenset[int] = frozenset()) -> ServedModel | None:
    """What :func:`open_predictor` would serve the player (None when no model is usable), its book
    counting their stored games but ``without_games``."""
    predictor = open_predictor(player, store, without_games=without_games)  # type: ignore[arg-type]
    if not isinstance(predictor, ModelPredictor) or predictor.status.rating is None:
        return None
    return ServedModel(predictor.adapter, predictor.status.rating, predictor.status.description)


def review_moves(
    start: chess.Board, moves: Sequence[chess.Move], models: dict[chess.Color, ServedModel], *, threads: int = 2
) -> list[MoveReview]:
    """Every ply of the game scored by its mover's model (a side without a model is left out)."""
    scored: dict[int, PlyScore] = {}
    colours = [c for c in (chess.WHITE, chess.BLACK) if c in models]
    if len(colours) == 2:
        # One prior run at each mover's rating; both adapters follow every ply, each keeps its own side's moves.
        game = ScoredGame(start, list(moves), None, opponent=models[chess.BLACK].rating)
        adapters = [models[chess.WHITE].adapter, models[chess.BLACK].adapter]
        for white_view, black_view in compare_models(adapters, models[chess.WHITE].rating, [game], threads=threads):
            scored[white_view.ply] = white_view if _mover(start, white_view.ply) == chess.WHITE else black_view
    else:
        for colour in colours:
            game = ScoredGame(start, list(moves), colour)
            for (ply,) in compare_models([models[colour].adapter], models[colour].rating, [game], threads=threads):
                scored[ply.ply] = ply
    return [_move_review(board, index, move, scored[index])
            for index, board, move in replay(start, moves) if index in scored]


def _mover(start: chess.Board, ply: int) -> chess.Color:
    return start.turn if ply % 2 == 0 else not start.turn


def _move_review(board: chess.Board, index: int, move: chess.Move, ply: PlyScore) -> MoveReview:
    probabilities = ply.probabilities
    played = float(probabilities[ply.played])
    best = int(np.argmax(probabilities))
    return MoveReview(
        ply=index, colour=board.turn, san=board.san(move), probability=played,
        rank=1 + int((probabilities > played).sum()), legal=len(ply.moves),
        top_san=board.san(ply.moves[best]), top_probability=float(probabilities[best]),
    )


def start_board(record: GameRecord) -> chess.Board:
    return starting_board(record.fen)


def review_game(store: Store, game_id: int, *, threads: int = 2) -> GameReview:
    """Review a stored game with each player's served model (an unknown player gets the base model).

    :raises KeyError: when there is no such game.
    """
    record = store.game(game_id)
    models: dict[chess.Color, ServedModel] = {}
    descriptions: dict[chess.Color, str] = {}
    for colour, player_id in ((chess.WHITE, record.white_id), (chess.BLACK, record.black_id)):
        player = store.player(player_id) if player_id is not None else None
        # The book counts every stored game: the reviewed one is left out, or its moves would
        # predict themselves (a game just played would look 100% predictable).
        model = served_model(player, store, without_games=frozenset({game_id}))
        if model is not None:
            models[colour] = model
        descriptions[colour] = model.description if model else "no model"
    moves = [chess.Move.from_uci(u) for u in record.moves]
    return GameReview(game_id, record.white, record.black, descriptions,
                      review_moves(start_board(record), moves, models, threads=threads))
