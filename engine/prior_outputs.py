"""The prior's outputs for whole games (a temporary minimal version; the kept-outputs work replaces it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import chess
import numpy as np

from kibitz.engine.features import GameTokens
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.priors import PriorSession

MAX_PLIES: Final = 300


@dataclass(frozen=True)
class GameOutputs:
    pooled: np.ndarray  # float16 [T, 256]
    legal_logits: np.ndarray  # float16 [L]
    legal_counts: np.ndarray  # int16 [T]


def compute_outputs(session: PriorSession, games: Sequence[tuple[chess.Board, Sequence[chess.Move], int, int]],
                    *, progress: object = None) -> list[GameOutputs]:
    tokens, selfs, others, legal, lengths = [], [], [], [], []
    for start, moves, white, black in games:
        moves = list(moves)[:MAX_PLIES]
        tokens.append(GameTokens.of(start, moves).tokens[:-1])
        board = start.copy(stack=False)
        for move in moves:
            mine, theirs = (white, black) if board.turn == chess.WHITE else (black, white)
            selfs.append(mine)
            others.append(theirs)
            legal.append(legal_move_indices(board)[0])
            board.push(move)
        lengths.append(len(moves))
    if not lengths or not sum(lengths):
        return [GameOutputs(np.zeros((0, 256), np.float16), np.zeros(0, np.float16), np.zeros(0, np.int16))
                for _ in games]
    out = session.run_batched(np.concatenate(tokens), np.array(selfs), np.array(others))
    results, row = [], 0
    for length in lengths:
        rows = range(row, row + length)
        results.append(GameOutputs(out.pooled[row : row + length].astype(np.float16),
                                   np.concatenate([out.logits[r, legal[r]] for r in rows]).astype(np.float16)
                                   if length else np.zeros(0, np.float16),
                                   np.array([len(legal[r]) for r in rows], np.int16)))
        row += length
    return results
