"""Checkpoints that describe themselves: weights, config, versions and progress in one dict.

Written atomically (temporary file + rename), so an interrupted run never leaves half a file and
``--resume`` always finds the last complete one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from kibitz.engine.models import expected_versions as versions
from kibitz.training.model import ModelConfig, StepModel

CHECKPOINT_NAME = "checkpoint.pt"  # resumable training state, optimizer included
WEIGHTS_FILE = "weights.pt"  # a model's weights alone, for fine-tuning or exporting later


def save_checkpoint(
    path: Path,
    model: StepModel,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    progress: dict[str, Any] | None = None,
    info: dict[str, Any] | None = None,
    half: bool = False,
) -> None:
    """Write a checkpoint; ``half`` stores float weights as float16 (half the size, for shipping)."""

    def stored(tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.detach().cpu()
        return tensor.half() if half and tensor.is_floating_point() else tensor

    state = {
        "model": {k: stored(v) for k, v in model.state_dict().items()},
        "config": model.cfg.to_dict(),
        "versions": versions(),
        "progress": progress or {},
        "info": info or {},
    }
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, device: str | torch.device = "cpu") -> tuple[StepModel, dict[str, Any]]:
    """Rebuild the model from a checkpoint; refuses one made for another vocabulary or encoder.

    :raises ValueError: when the checkpoint's versions differ from this code's.
    """
    state = torch.load(path, map_location=device, weights_only=True)
    found = state.get("versions", {})
    if found != versions():
        raise ValueError(f"{path} was made for {found}, this code uses {versions()}")
    model = StepModel(ModelConfig(**state["config"])).to(device)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state["model"].items()})
    return model, state
