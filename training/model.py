"""The step model: one ply in, a policy over the move vocabulary and the next hidden state out.

Shape (see DESIGN.md): the compact features of the position before the move are expanded into
19 planes (12 piece planes, 4 castling, en passant, fifty-move clock, a plane of ones), read by a
small residual convolution tower and squeezed into a vector ``z``. The previous move (an index,
``NO_MOVE`` at ply 0) is embedded. A GRU over the plies of the game - both sides' moves - carries
what this game and this player have shown so far, and the policy head reads ``z`` and the GRU
output together, so the board speaks directly and the recurrent state adjusts it.

Training runs the GRU over whole games (``forward_sequence``); serving runs one ply at a time
(``forward_step``), written with plain matrix products so the ONNX graph needs no GRU operator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from kibitz.engine import features as feat
from kibitz.engine.moves import NO_MOVE, VOCAB_SIZE

INPUT_PLANES = 19


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the network; stored in every checkpoint and model.json."""

    channels: int = 64
    blocks: int = 4
    embed: int = 256
    hidden: int = 256
    move_embed: int = 64

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def expand_planes(features: torch.Tensor) -> torch.Tensor:
    """Compact features ``[..., FEATURE_SIZE]`` -> input planes ``[N, 19, 8, 8]`` (float32)."""
    flat = features.reshape(-1, feat.FEATURE_SIZE).float()
    codes = flat[:, :64].long()
    pieces = F.one_hot(codes, feat.PIECE_CODES)[:, :, 1:].float()  # [N, 64, 12]
    pieces = pieces.transpose(1, 2)  # [N, 12, 64]
    n = flat.shape[0]
    castling = flat[:, feat.CASTLING_OFFSET : feat.CASTLING_OFFSET + 4, None].expand(n, 4, 64)
    ep_file = flat[:, feat.EN_PASSANT_OFFSET].long()  # 0 none, 1..8
    # The capture square sits on the sixth rank of the mover's frame (squares 40..47).
    ep_square = torch.where(ep_file > 0, 40 + ep_file - 1, torch.full_like(ep_file, 64))
    en_passant = F.one_hot(ep_square, 65)[:, :64].float()[:, None, :]
    clock = (flat[:, feat.HALFMOVE_OFFSET] / 100.0)[:, None, None].expand(n, 1, 64)
    ones = torch.ones(n, 1, 64, dtype=flat.dtype, device=flat.device)
    planes = torch.cat([pieces, castling, en_passant, clock, ones], dim=1)
    return planes.reshape(n, INPUT_PLANES, 8, 8)


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(y)))


class BoardEncoder(nn.Module):
    """Compact features -> a vector ``z`` per position."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(INPUT_PLANES, cfg.channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(cfg.channels),
            nn.ReLU(),
        )
        self.tower = nn.Sequential(*[ResidualBlock(cfg.channels) for _ in range(cfg.blocks)])
        self.squeeze = nn.Sequential(
            nn.Conv2d(cfg.channels, 32, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU()
        )
        self.project = nn.Linear(32 * 64, cfg.embed)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = self.tower(self.stem(expand_planes(features)))
        return F.relu(self.project(self.squeeze(x).flatten(1)))


class StepModel(nn.Module):
    """Board encoder + previous-move embedding + GRU + policy head."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = BoardEncoder(cfg)
        self.prev_move = nn.Embedding(NO_MOVE + 1, cfg.move_embed)
        self.gru = nn.GRU(cfg.embed + cfg.move_embed, cfg.hidden, batch_first=True)
        self.head = nn.Sequential(
            nn.Linear(cfg.embed + cfg.hidden, cfg.hidden + cfg.embed),
            nn.ReLU(),
            nn.Linear(cfg.hidden + cfg.embed, VOCAB_SIZE),
        )

    def initial_state(self, batch: int = 1) -> torch.Tensor:
        return torch.zeros(batch, self.cfg.hidden)

    # -- training: whole games -------------------------------------------------------------
    def forward_sequence(
        self, z: torch.Tensor, prev_moves: torch.Tensor, h0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoded boards ``z [B, T, embed]`` and previous moves ``[B, T]`` -> logits ``[B, T, V]``."""
        x = torch.cat([z, self.prev_move(prev_moves)], dim=-1)
        out, h_last = self.gru(x, None if h0 is None else h0[None])
        return self.head(torch.cat([z, out], dim=-1)), h_last[0]

    def encode(self, features: torch.Tensor) -> torch.Tensor:
        """Features ``[B, T, F]`` -> ``z [B, T, embed]``."""
        batch, steps = features.shape[:2]
        return self.encoder(features).reshape(batch, steps, -1)

    # -- serving: one ply ------------------------------------------------------------------
    def forward_step(
        self, features: torch.Tensor, prev_move: torch.Tensor, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One ply: features ``[N, F]``, previous move ``[N]`` (int64), state ``[N, H]``."""
        z = self.encoder(features)
        x = torch.cat([z, self.prev_move(prev_move)], dim=-1)
        h_next = gru_cell(x, h, self.gru)
        return self.head(torch.cat([z, h_next], dim=-1)), h_next


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
    """The exported single-step graph: (features, prev_move, h) -> (logits, h_next)."""

    def __init__(self, model: StepModel) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, features: torch.Tensor, prev_move: torch.Tensor, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.forward_step(features, prev_move, h)
