"""The adapter: how *this* person differs from the Maia-3 prior, and what this game has shown.

Per ply (both sides' moves), the prior's pooled view of the position (256 values) is projected to
a board vector ``z``; the previous move (an index, ``NO_MOVE`` at ply 0) is embedded; a GRU over
the plies carries the game. A linear head on ``[z, GRU output]`` gives delta logits over the
vocabulary and a log-scale for the prior:

    logits = prior_logits * exp(log_scale) + delta

The head starts at zero, so an untrained adapter *is* the prior exactly (a test checks it).

There is one network and one way through it: :meth:`Adapter.forward` runs whole games (training,
validation) and :meth:`Adapter.step` runs one ply (the exported graph); both share
``_board_vector`` and ``_combine`` and differ only in running the GRU as torch's fused layer or
as the same equations spelled out (:func:`gru_cell`, no GRU operator in the ONNX graph). The
export checks them against each other on real games.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from kibitz.engine.moves import NO_MOVE, VOCAB_SIZE
from kibitz.engine.priors import POOLED_SIZE


@dataclass(frozen=True)
class AdapterConfig:
    """Everything needed to rebuild the network; stored in every checkpoint and model.json."""

    board: int = 128  # board vector z
    move_embed: int = 64
    hidden: int = 256

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class Adapter(nn.Module):
    def __init__(self, cfg: AdapterConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.project = nn.Linear(POOLED_SIZE, cfg.board)
        self.prev_move = nn.Embedding(NO_MOVE + 1, cfg.move_embed)
        self.gru = nn.GRU(cfg.board + cfg.move_embed, cfg.hidden, batch_first=True)
        self.head = nn.Linear(cfg.board + cfg.hidden, VOCAB_SIZE + 1)  # delta logits + log-scale
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def initial_state(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros(batch, self.cfg.hidden)

    def _board_vector(self, pooled: torch.Tensor) -> torch.Tensor:
        """The prior's pooled view ``[N, 256]`` -> ``z [N, board]``."""
        return F.relu(self.project(pooled.float()))

    def _head(self, z: torch.Tensor, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(delta [N, V], log_scale [N, 1])`` from board vectors and GRU outputs."""
        both = self.head(torch.cat([z, out], dim=-1))
        return both[..., :VOCAB_SIZE], both[..., VOCAB_SIZE:]

    @staticmethod
    def _combine(prior: torch.Tensor, delta: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
        return prior.float() * torch.exp(log_scale) + delta

    # -- whole games: training and validation ------------------------------------------------
    def forward(
        self, pooled: torch.Tensor, prev_move: torch.Tensor, h0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The prior's pooled views ``[B, T, 256]`` and previous moves ``[B, T]`` of padded games ->
        (board vectors ``[B, T, board]``, GRU outputs ``[B, T, hidden]``, last state ``[B, hidden]``).

        The head is applied separately (:meth:`scores`) and only to the plies that are scored,
        which is most of the work saved when only one player's moves count.
        """
        batch, steps = prev_move.shape
        z = self._board_vector(pooled.reshape(batch * steps, POOLED_SIZE)).reshape(batch, steps, -1)
        x = torch.cat([z, self.prev_move(prev_move)], dim=-1)
        out, h_last = self.gru(x, None if h0 is None else h0[None])
        return z, out, h_last[0]

    def scores(
        self, z: torch.Tensor, out: torch.Tensor, prior: torch.Tensor, moves: torch.Tensor
    ) -> torch.Tensor:
        """Logits of ``moves [N, L]`` (vocabulary indices) given the prior's logits of those
        same moves ``[N, L]``, for N scored plies with board vectors ``z`` and GRU outputs ``out``.

        Only the head's rows of those moves are used (a position has ~35 legal moves of 4,352):
        the same numbers as :meth:`_head` then a gather, at a small part of the cost.
        """
        both = torch.cat([z, out], dim=-1)
        weight, bias = self.head.weight, self.head.bias
        delta = torch.einsum("nld,nd->nl", weight[moves], both) + bias[moves]
        log_scale = F.linear(both, weight[VOCAB_SIZE:], bias[VOCAB_SIZE:])
        return self._combine(prior, delta, log_scale)

    def game_logits(self, pooled: torch.Tensor, prior: torch.Tensor, prev_move: torch.Tensor) -> torch.Tensor:
        """Logits over the whole vocabulary for every ply of one game (pooled ``[T, 256]``,
        prior ``[T, V]``, previous moves ``[T]``): what :meth:`step` gives ply by ply."""
        z, out, _ = self(pooled[None], prev_move[None])
        delta, log_scale = self._head(z[0], out[0])
        return self._combine(prior, delta, log_scale)

    # -- one ply: the exported graph -----------------------------------------------------------
    def step(
        self, pooled: torch.Tensor, prior: torch.Tensor, prev_move: torch.Tensor, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One ply: pooled ``[N, 256]``, prior logits ``[N, V]``, previous move ``[N]``
        (int64), state ``[N, H]`` -> (logits ``[N, V]``, next state ``[N, H]``)."""
        z = self._board_vector(pooled)
        h_next = gru_cell(torch.cat([z, self.prev_move(prev_move)], dim=-1), h, self.gru)
        delta, log_scale = self._head(z, h_next)
        return self._combine(prior, delta, log_scale), h_next


def gru_cell(x: torch.Tensor, h: torch.Tensor, gru: nn.GRU) -> torch.Tensor:
    """One step of ``gru`` (layer 0) in plain matrix products, as torch defines the GRU."""
    gi = F.linear(x, gru.weight_ih_l0, gru.bias_ih_l0)
    gh = F.linear(h, gru.weight_hh_l0, gru.bias_hh_l0)
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    reset = torch.sigmoid(i_r + h_r)
    update = torch.sigmoid(i_z + h_z)
    candidate = torch.tanh(i_n + reset * h_n)
    return (1 - update) * candidate + update * h


class StepGraph(nn.Module):
    """What is exported: (pooled, prior, prev_move, h) -> (logits, h_next)."""

    def __init__(self, adapter: Adapter) -> None:
        super().__init__()
        self.adapter = adapter

    def forward(
        self, pooled: torch.Tensor, prior: torch.Tensor, prev_move: torch.Tensor, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.adapter.step(pooled, prior, prev_move, h)
