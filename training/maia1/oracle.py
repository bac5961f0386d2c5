"""Maia-1's oracle band on a player's moves: every band scored, the best one kept (it sees the answers).

>>> best = oracle(games, Path("../shared/maia"))      # doctest: +SKIP
>>> best["band"], round(best["top1"], 3)              # doctest: +SKIP
(1500, 0.512)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from kibitz.engine.player_games import replay
from kibitz.engine.scoring import Score, ScoredGame, rank_hits
from kibitz.training.maia1.features import FEATURE_SHAPE, PositionHistory
from kibitz.training.maia1.moves import legal_move_indices
from kibitz.training.maia1.net import load_maia

BANDS = tuple(range(1100, 2000, 100))


def _encode(games: Sequence[ScoredGame]) -> tuple[np.ndarray, list[tuple[np.ndarray, int]]]:
    """Planes of every scored ply with a choice, and its legal move indices and the move played."""
    planes, rows = [], []
    for game in games:
        history = PositionHistory(game.start)
        scored = {ply for ply, _, _ in replay(game.start, game.moves, game.colour)}
        for ply, move in enumerate(game.moves):
            if ply in scored:
                indices, legal = legal_move_indices(history.board)
                if len(legal) > 1:
                    plane = np.empty(FEATURE_SHAPE, np.float32)
                    history.planes_into(plane)
                    planes.append(plane)
                    rows.append((indices, legal.index(move)))
            history.push(move)
    return (np.stack(planes) if planes else np.zeros((0, *FEATURE_SHAPE), np.float32)), rows


@torch.no_grad()
def band_scores(games: Sequence[ScoredGame], maia_dir: Path, bands: Sequence[int] = BANDS) -> dict[int, dict]:
    """Top-1 / top-3 / NLL of each Maia-1 band on the scored moves of ``games`` (forced moves skipped)."""
    planes, rows = _encode(games)
    results: dict[int, dict] = {}
    for band in bands:
        net = load_maia(maia_dir / f"maia-{band}.pb.gz", band).eval()
        score = Score()
        for start in range(0, len(planes), 512):
            policy, _ = net(torch.from_numpy(planes[start : start + 512]))
            policy = policy.numpy().astype(np.float64)
            for row, (indices, played) in zip(policy, rows[start : start + 512]):
                chosen = row[indices] - row[indices].max()
                probabilities = np.exp(chosen) / np.exp(chosen).sum()
                score.add(*rank_hits(probabilities, played))
        results[band] = score.summary()
    return results


def oracle(games: Sequence[ScoredGame], maia_dir: Path) -> dict:
    """The band with the lowest NLL on ``games`` themselves, and its figures."""
    scores = band_scores(games, maia_dir)
    band = min(scores, key=lambda b: scores[b]["nll"])
    return {"band": band, **scores[band]}
