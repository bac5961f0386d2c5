"""Where this opponent will go wrong: the side to move's moves ranked by the expected result
*against this opponent*, and the near-best moves this opponent is likely to answer badly.

For each of the engine's best candidate moves, the opponent's model gives the probability of each
reply; the engine evaluates the position after the likely replies. The expected result of a
candidate is the mover's win probability after each reply weighted by the reply's probability
(the replies the model finds unlikely, beyond :data:`REPLY_MASS`, are counted at the engine's own
evaluation of the candidate: the opponent is assumed to find the best answer there). This is the
idea of the "Antimaia" experiment (Stockfish over a Maia model of the opponent's replies), here
over the model of one person.

>>> plan = anticipate(board, engine, PredictorReplies(open_predictor(son, store)))   # doctest: +SKIP
>>> plan.traps[0].bad_reply.san                                                    # doctest: +SKIP
'Nxe4'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import chess
import chess.engine
import numpy as np

from kibitz.engine.analysis import REVIEW_LIMIT, Cancelled, Engine, Evaluation, verdict
from kibitz.engine.predictor import GamePredictor, ModelPredictor

CANDIDATES = 5  # the engine's best moves considered for the mover
MAX_REPLIES = 6  # the opponent's likeliest replies evaluated per candidate ...
REPLY_MASS = 0.9  # ... until they cover this much of the model's probability
NEAR_BEST = 0.1  # winning chances (lichess's inaccuracy step): a candidate this close to the best is "near best"
LIKELY = 0.15  # a reply the model gives at least this probability is "likely"
BAD = ("mistake", "blunder")


class ReplyModel(Protocol):
    """The opponent's model: its probability for each legal move in a position (a played game's
    position: ``board.move_stack`` holds the game so far)."""

    def reply_probabilities(self, board: chess.Board) -> tuple[list[chess.Move], np.ndarray]: ...


class PredictorReplies:
    """A :class:`ReplyModel` from a live predictor (the opponent's served model): it replays the game
    to each position asked, since the adapter follows the whole game."""

    def __init__(self, predictor: GamePredictor) -> None:
        self.predictor = predictor

    def reply_probabilities(self, board: chess.Board) -> tuple[list[chess.Move], np.ndarray]:
        """The served model's probabilities; without a model (a NullPredictor), every move alike."""
        if not isinstance(self.predictor, ModelPredictor):
            legal = list(board.legal_moves)
            return legal, np.full(len(legal), 1 / max(len(legal), 1))
        self.predictor.reset(board)
        return self.predictor.probabilities()


@dataclass(frozen=True)
class Reply:
    move: chess.Move
    san: str
    probability: float  # the opponent's model's
    evaluation: Evaluation  # the engine's, after the reply
    verdict: str  # the reply judged as the opponent's move


@dataclass(frozen=True)
class Candidate:
    move: chess.Move
    san: str
    evaluation: Evaluation  # the engine's, after the move (assuming the best reply)
    expected: float  # the mover's expected result (0..1) against this opponent
    replies: tuple[Reply, ...]  # the likely replies evaluated, likeliest first
    near_best: bool

    @property
    def bad_reply(self) -> Reply | None:
        """The likeliest reply that is a mistake or blunder and that the model finds likely."""
        return next((r for r in self.replies if r.verdict in BAD and r.probability >= LIKELY), None)

    @property
    def trap(self) -> bool:
        """Near the engine's best, and this opponent is likely to answer it badly."""
        return self.near_best and self.bad_reply is not None


@dataclass(frozen=True)
class Anticipation:
    mover: chess.Color
    candidates: tuple[Candidate, ...]  # by expected result against this opponent, best first

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def engine_best(self) -> Candidate:
        return max(self.candidates, key=lambda c: c.evaluation.winning_chances(self.mover))

    @property
    def traps(self) -> list[Candidate]:
        return [c for c in self.candidates if c.trap]


def anticipate(board: chess.Board, engine: Engine, opponent: ReplyModel,
               limit: chess.engine.Limit = REVIEW_LIMIT, *, candidates: int = CANDIDATES,
               cancelled: Callable[[], bool] | None = None) -> Anticipation:
    """Rank the side to move's candidate moves by the expected result against ``opponent``.

    ``board`` keeps its move stack (the opponent's model follows the game). Costs one multi-PV search
    and at most ``candidates * MAX_REPLIES`` bounded searches.

    :raises Cancelled: when ``cancelled()`` says so between searches.
    :raises ValueError: in a finished position.
    """
    mover = board.turn
    if not any(board.legal_moves):
        raise ValueError("The game is over: there is no move to choose.")
    found = engine.candidates(board, limit, candidates)
    best_chances = max(e.winning_chances(mover) for _, e in found)
    ranked = []
    for move, evaluation in found:
        if cancelled is not None and cancelled():
            raise Cancelled()
        after = board.copy()
        after.push(move)
        replies = _replies(after, evaluation, engine, opponent, limit, cancelled)
        ranked.append(Candidate(move, board.san(move), evaluation, _expected(mover, evaluation, replies, after),
                                tuple(replies), evaluation.winning_chances(mover) >= best_chances - NEAR_BEST))
    ranked.sort(key=lambda c: (-c.expected, -c.evaluation.winning_chances(mover)))
    return Anticipation(mover, tuple(ranked))


def _replies(after: chess.Board, evaluation: Evaluation, engine: Engine, opponent: ReplyModel,
             limit: chess.engine.Limit, cancelled: Callable[[], bool] | None) -> list[Reply]:
    if not any(after.legal_moves):
        return []
    legal, probabilities = opponent.reply_probabilities(after)
    replies, covered = [], 0.0
    for index in np.argsort(-probabilities, kind="stable")[:MAX_REPLIES]:
        if covered >= REPLY_MASS:
            break
        if cancelled is not None and cancelled():
            raise Cancelled()
        move = legal[int(index)]
        reply_board = after.copy()
        reply_board.push(move)
        result = engine.evaluate(reply_board, limit)
        replies.append(Reply(move, after.san(move), float(probabilities[index]), result,
                             verdict(evaluation, result, after.turn, best=move == evaluation.best)))
        covered += float(probabilities[index])
    return replies


def _expected(mover: chess.Color, evaluation: Evaluation, replies: list[Reply], after: chess.Board) -> float:
    """The mover's expected result: each reply's outcome by its probability; the rest of the
    probability at the engine's own evaluation (the opponent finds the best answer)."""
    if not replies:  # the move ended the game
        return Evaluation.of_finished(after).win_probability(mover)
    covered = sum(r.probability for r in replies)
    total = sum(r.probability * r.evaluation.win_probability(mover) for r in replies)
    return total + max(0.0, 1.0 - covered) * evaluation.win_probability(mover)


def describe(candidate: Candidate, opponent: str) -> str:
    """``"Bc4 (+0.3): Son answers Nd4 40% of the time, a blunder (-2.1)"`` for people."""
    text = f"{candidate.san} ({candidate.evaluation.text()}): expected {candidate.expected:.0%} against {opponent}"
    bad = candidate.bad_reply
    if bad is not None:
        text += (f"; {opponent} answers {bad.san} {bad.probability:.0%} of the time, a {bad.verdict} "
                 f"({bad.evaluation.text()})")
    return text
