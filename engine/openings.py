"""A player's opening habits as a tree, from the stored games, with the served model's view.

The first moves as White, the replies as Black to 1.e4 / 1.d4 / ..., and their continuations, each
with how often it was played and the player's score; where the player was to move, the model's
favourites there and the probability it gave each move the player chose (so "1.e4 in 98 games, the
model gave it 70%" and "1...c5 in 54 games" - the Sicilian - are both visible).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import chess

from kibitz.engine.eco import Opening, name_of
from kibitz.engine.store import GameRecord

OPENING_PLIES = 6  # depth of the opening tree
MIN_BRANCH = 2  # a continuation played fewer times than this is not shown
SCORE = {"1-0": (1.0, 0.0), "0-1": (0.0, 1.0), "1/2-1/2": (0.5, 0.5)}  # (White's points, Black's)


@dataclass
class OpeningNode:
    """A position of the opening tree, reached by ``san`` (empty at the root)."""

    san: str
    games: int = 0
    points: float = 0.0  # the player's points from these games
    model_probability: float | None = None  # the served model's probability of ``san`` (player's moves)
    model_top: list[tuple[str, float]] = field(default_factory=list)  # the model's favourites here (player to move)
    children: list[OpeningNode] = field(default_factory=list)
    rare: int = 0  # games that went on from here with a move played too seldom to be shown (see ``rare_text``)

    def rare_text(self, min_games: int = MIN_BRANCH) -> str:
        """The tree's note for the moves left out here, "" when none.

        >>> OpeningNode("e4", rare=3).rare_text()
        '3 more games, each with a move played once here (not shown)'
        """
        if not self.rare:
            return ""
        games = "1 more game" if self.rare == 1 else f"{self.rare:,} more games"
        seldom = "once" if min_games == 2 else f"fewer than {min_games} times"
        return f"{games}, each with a move played {seldom} here (not shown)"
    opening: Opening | None = None  # the name of the position this move reaches, if it has one (engine/eco.py)

    @property
    def score(self) -> float:
        return self.points / self.games if self.games else 0.0


def player_colour(record: GameRecord, player_id: int) -> chess.Color:
    return chess.WHITE if record.white_id == player_id else chess.BLACK


def opening_tree(records: list[GameRecord], player_id: int, colour: chess.Color, predictor: Any,
                 *, plies: int = OPENING_PLIES, min_games: int = MIN_BRANCH) -> OpeningNode:
    """The player's openings with ``colour`` from the standard position, to ``plies`` deep, with
    ``predictor``'s (the served model's) view where the player is to move."""
    root = OpeningNode("")
    for record in records:
        if record.fen or player_colour(record, player_id) != colour or record.result not in SCORE:
            continue
        points = SCORE[record.result][0 if colour == chess.WHITE else 1]
        node, board = root, chess.Board()
        node.games += 1
        node.points += points
        for uci in record.moves[:plies]:
            move = chess.Move.from_uci(uci)
            san = board.san(move)
            board.push(move)
            child = next((c for c in node.children if c.san == san), None)
            if child is None:
                child = OpeningNode(san)
                node.children.append(child)
            child.games += 1
            child.points += points
            node = child
    _prune(root, min_games)
    _name_positions(root, chess.Board())
    _add_model_view(root, chess.Board(), colour, predictor)
    return root


def _name_positions(node: OpeningNode, board: chess.Board) -> None:
    """Name each move's position by the opening table (by position, so a transposition is named too)."""
    for child in node.children:
        after = board.copy(stack=False)
        after.push_san(child.san)
        child.opening = name_of(after)
        _name_positions(child, after)


def _prune(node: OpeningNode, min_games: int) -> None:
    node.rare = sum(c.games for c in node.children if c.games < min_games)  # said, not silently dropped
    node.children = sorted((c for c in node.children if c.games >= min_games), key=lambda c: -c.games)
    for child in node.children:
        _prune(child, min_games)


def _add_model_view(node: OpeningNode, board: chess.Board, colour: chess.Color, predictor: Any) -> None:
    """What the served model predicts where the player is to move (the game replayed from the start)."""
    if board.turn == colour and node.children:
        predictor.reset(board)
        top = predictor.top_moves(3)
        node.model_top = [(p.san, p.probability) for p in top]
        if hasattr(predictor, "probabilities"):
            legal, probabilities = predictor.probabilities()
            for child in node.children:
                move = board.parse_san(child.san)
                child.model_probability = float(probabilities[legal.index(move)])
    for child in node.children:
        after = board.copy()
        after.push_san(child.san)
        _add_model_view(child, after, colour, predictor)
