"""Habits that cost points: the player's recurring, predictable mistakes.

A habit is a position the player reached in several games and a move they played there again and
again (the model, which learned them, gives it a high probability) that the engine judges an
inaccuracy or worse - "as Black after 1.e4 e5 2.Nf3, Son plays 2...f6 in 7 of 9 games: -1.8".
Habits are ranked by how often they were played times what they cost (winning chances).

The engine's work is bounded: only positions met in at least :data:`MIN_GAMES` games, in the first
:data:`HABIT_PLIES` plies (where games repeat), and at most :data:`MAX_POSITIONS` of the most
frequent position-and-move pairs are searched, two searches each, kept in the evaluation cache.

>>> habits = find_habits(store, son, engine, open_predictor(son, store))   # doctest: +SKIP
>>> habits[0].text("Son")                                                    # doctest: +SKIP
'as Black after 1.e4 e5 2.Nf3, Son plays 2...f6 in 7 of 9 games: -1.8 (the model gives it 78%)'
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import chess
import chess.engine

from kibitz.engine.analysis import REVIEW_LIMIT, Cancelled, Engine, Evaluation, verdict
from kibitz.engine.openings import player_colour
from kibitz.engine.predictor import GamePredictor, ModelPredictor
from kibitz.engine.review import start_board
from kibitz.engine.store import Player, Store

HABIT_PLIES = 30  # positions repeat across games in the opening; later they almost never do
MIN_GAMES = 2  # a move played in fewer games than this is not a habit
MAX_POSITIONS = 40  # the most frequent position-and-move pairs searched by the engine
HIGH_PROBABILITY = 0.2  # the model expects the move at least this often
COSTLY = ("inaccuracy", "mistake", "blunder")
COLOUR_NAMES = {chess.WHITE: "White", chess.BLACK: "Black"}


@dataclass(frozen=True)
class Habit:
    colour: chess.Color  # the player's
    line: str  # the moves to the position, "1.e4 e5 2.Nf3" ("" at the start; "from a set position")
    san: str  # "2...f6"
    played: int  # games in which the player played it here
    reached: int  # games in which the player was to move here
    probability: float  # the served model's probability for the move here
    before: Evaluation
    after: Evaluation
    verdict: str

    @property
    def cost(self) -> float:
        """What the move costs the player, in pawns (positive: it loses)."""
        return self.before.pawns(self.colour) - self.after.pawns(self.colour)

    @property
    def weight(self) -> float:
        """The rank: times played times the winning chances it throws away."""
        drop = self.before.winning_chances(self.colour) - self.after.winning_chances(self.colour)
        return self.played * drop

    def text(self, name: str) -> str:
        where = f"after {self.line}" if self.line else "at the start"
        return (f"as {COLOUR_NAMES[self.colour]} {where}, {name} plays {self.san} in {self.played} of "
                f"{self.reached} games: {-self.cost:+.1f} (the model gives it {self.probability:.0%}), "
                f"{'an' if self.verdict[0] in 'aeiou' else 'a'} {self.verdict}")


@dataclass
class _Seen:
    board: chess.Board  # the position with the first game's moves to it (the model follows the game)
    from_start: bool
    games: int = 0


def _line(board: chess.Board) -> str:
    """``"1.e4 e5 2.Nf3"`` for a board played from the standard start."""
    replay, words = chess.Board(), []
    for move in board.move_stack:
        if replay.turn == chess.WHITE:
            words.append(f"{replay.fullmove_number}.{replay.san(move)}")
        else:
            words.append(replay.san(move))
        replay.push(move)
    return " ".join(words)


def _move_label(board: chess.Board, move: chess.Move) -> str:
    dots = "." if board.turn == chess.WHITE else "..."
    return f"{board.fullmove_number}{dots}{board.san(move)}"


def repeated_choices(store: Store, player: Player, *, plies: int = HABIT_PLIES,
                     min_games: int = MIN_GAMES) -> tuple[dict[str, _Seen], list[tuple[str, str, int]]]:
    """Positions the player was to move in (in ``min_games`` games or more) and the moves they made
    there more than once: (position key, move UCI, games), most frequent first. No engine, no model."""
    seen: dict[str, _Seen] = {}
    chosen: dict[str, Counter[str]] = defaultdict(Counter)
    for record in store.games_of_player(player.id):
        colour = player_colour(record, player.id)
        board = start_board(record)
        met: set[str] = set()
        for uci in record.moves[:plies]:
            move = chess.Move.from_uci(uci)
            if board.turn == colour:
                key = board.epd()
                if key not in met:  # a position counts once per game
                    met.add(key)
                    entry = seen.setdefault(key, _Seen(board.copy(), record.fen is None))
                    entry.games += 1
                    chosen[key][uci] += 1
            board.push(move)
    pairs = [(key, uci, count) for key, counts in chosen.items() if seen[key].games >= min_games
             for uci, count in counts.items() if count >= min_games]
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return seen, pairs


def find_habits(store: Store, player: Player, engine: Engine, predictor: GamePredictor,
                limit: chess.engine.Limit = REVIEW_LIMIT, *, max_positions: int = MAX_POSITIONS,
                min_probability: float = HIGH_PROBABILITY,
                cancelled: Callable[[], bool] | None = None) -> list[Habit]:
    """The player's costly habits, most costly first (``predictor``: their served model).

    :raises Cancelled: when ``cancelled()`` says so between searches.
    """
    seen, pairs = repeated_choices(store, player)
    habits = []
    for key, uci, count in pairs[:max_positions]:
        if cancelled is not None and cancelled():
            raise Cancelled()
        entry = seen[key]
        board, move = entry.board, chess.Move.from_uci(uci)
        before = engine.evaluate(board, limit)
        after_board = board.copy()
        after_board.push(move)
        after = engine.evaluate(after_board, limit)
        judged = verdict(before, after, board.turn, best=move == before.best)
        if judged not in COSTLY:
            continue
        probability = _model_probability(predictor, board, move)
        if probability < min_probability:
            continue
        habits.append(Habit(board.turn, _line(board) if entry.from_start else "from a set position",
                            _move_label(board, move), count, entry.games, probability, before, after, judged))
    habits.sort(key=lambda h: -h.weight)
    return habits


def _model_probability(predictor: GamePredictor, board: chess.Board, move: chess.Move) -> float:
    if not isinstance(predictor, ModelPredictor):
        return 0.0  # no model: no habit can be called predictable
    predictor.reset(board)
    legal, probabilities = predictor.probabilities()
    return float(probabilities[legal.index(move)])
