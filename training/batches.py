"""Mini-batches of whole games, padded to a common length, with legal-move masks.

All arrays of a ``Positions`` live on the training device as tensors; a batch is a set of games
gathered by index, so a GPU run never waits on a data loader. Games of similar length are batched
together (length buckets) to waste little on padding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from kibitz.engine.moves import NO_MOVE, VOCAB_SIZE
from kibitz.training.sequences import Positions


@dataclass
class Batch:
    features: torch.Tensor  # uint8 [B, T, F]
    prev_move: torch.Tensor  # int64 [B, T]
    target: torch.Tensor  # int64 [B, T]
    scored: torch.Tensor  # bool [B, T]: plies whose loss counts
    position: torch.Tensor  # int64 [B, T]: row in Positions (-1 for padding)


class GameBatcher:
    """Serves batches of games from ``positions`` on ``device``.

    ``scored`` (bool per position, default all) says which plies count in the loss: every ply for
    the base model, only the player's own plies for a personal model.
    """

    def __init__(
        self, positions: Positions, device: torch.device, scored: np.ndarray | None = None
    ) -> None:
        self.device = device
        self.features = torch.from_numpy(positions.features).to(device)
        self.target = torch.from_numpy(positions.target.astype(np.int64)).to(device)
        self.prev_move = torch.from_numpy(positions.prev_move.astype(np.int64)).to(device)
        mask = np.ones(positions.num_positions, bool) if scored is None else scored
        self.scored = torch.from_numpy(mask).to(device)
        self.legal_offsets = torch.from_numpy(positions.legal_offsets).to(device)
        self.legal = torch.from_numpy(positions.legal.astype(np.int64)).to(device)
        self.game_starts = positions.game_offsets[:-1]
        self.game_lengths = np.diff(positions.game_offsets)

    def batch(self, games: np.ndarray) -> Batch:
        lengths = self.game_lengths[games]
        steps = int(lengths.max())
        offsets = np.arange(steps)[None, :]
        valid = offsets < lengths[:, None]
        rows = np.where(valid, self.game_starts[games][:, None] + offsets, -1)
        position = torch.from_numpy(rows).to(self.device)
        safe = position.clamp(min=0)
        valid_t = position >= 0
        prev = torch.where(valid_t, self.prev_move[safe], torch.full_like(safe, NO_MOVE))
        return Batch(
            features=self.features[safe],
            prev_move=prev,
            target=self.target[safe],
            scored=valid_t & self.scored[safe],
            position=position,
        )

    def legal_mask(self, position: torch.Tensor) -> torch.Tensor:
        """Bool ``[*position.shape, VOCAB_SIZE]``: True where the move is legal (padding: none)."""
        flat = position.reshape(-1)
        valid = flat >= 0
        rows = flat.clamp(min=0)
        starts = self.legal_offsets[rows]
        counts = torch.where(valid, self.legal_offsets[rows + 1] - starts, torch.zeros_like(starts))
        total = int(counts.sum())
        owner = torch.repeat_interleave(torch.arange(flat.shape[0], device=flat.device), counts)
        first = torch.cumsum(counts, 0) - counts
        within = torch.arange(total, device=flat.device) - first[owner]
        moves = self.legal[starts[owner] + within]
        mask = torch.zeros(flat.shape[0], VOCAB_SIZE, dtype=torch.bool, device=flat.device)
        mask[owner, moves] = True
        return mask.reshape(*position.shape, VOCAB_SIZE)

    def epoch(
        self, games: np.ndarray, positions_per_batch: int, rng: np.random.Generator
    ) -> Iterator[np.ndarray]:
        """Batches covering ``games`` once: shuffled, then grouped by length, batches shuffled."""
        order = rng.permutation(games)
        # Sort within windows of ~50 batches: similar lengths together, yet every epoch differs.
        mean_len = max(1.0, float(self.game_lengths[games].mean()))
        per_batch = max(1, int(positions_per_batch / mean_len))
        window = per_batch * 50
        batches: list[np.ndarray] = []
        for start in range(0, len(order), window):
            chunk = order[start : start + window]
            chunk = chunk[np.argsort(self.game_lengths[chunk], kind="stable")]
            batches.extend(chunk[i : i + per_batch] for i in range(0, len(chunk), per_batch))
        for i in rng.permutation(len(batches)):
            yield batches[i]


def masked_logits(logits: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    """Illegal moves get -inf-like logits (finite, so padded rows stay NaN-free)."""
    return logits.float().masked_fill(~legal, -1e9)
