"""ONNX export of the single-step graph, checked against torch on real games before it is written.

One exporter path has been reported to mis-export GRUs silently, so the graph uses no GRU
operator (``model.gru_cell`` spells the step out) and every export replays real games through
both torch and onnxruntime, requiring equal logits and states (1e-4) before the folder is written.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch

from kibitz.engine import features as feat
from kibitz.engine.models import write_model_folder
from kibitz.engine.moves import NO_MOVE, move_to_index
from kibitz.training.checkpoint import WEIGHTS_FILE, save_checkpoint
from kibitz.training.model import StepGraph, StepModel
from kibitz.training.sequences import GameInput

PARITY_TOLERANCE = 1e-4


def onnx_bytes(model: StepModel) -> bytes:
    model = model.eval().cpu()
    example = (
        torch.zeros(1, feat.FEATURE_SIZE),
        torch.full((1,), NO_MOVE, dtype=torch.long),
        torch.zeros(1, model.cfg.hidden),
    )
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The TorchScript exporter: no onnxscript needed, and the batch axis is declared dynamic.
        torch.onnx.export(
            StepGraph(model), example, buffer,
            input_names=["features", "prev_move", "h"], output_names=["logits", "h_next"],
            dynamic_axes={name: {0: "batch"} for name in ("features", "prev_move", "h", "logits", "h_next")},
            opset_version=17, dynamo=False,
        )
    return buffer.getvalue()


def parity_error(model: StepModel, graph: bytes, games: Sequence[GameInput], max_plies: int = 120) -> float:
    """Largest |torch - onnxruntime| over logits and states, replaying ``games`` ply by ply."""
    session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    model = model.eval().cpu()
    worst = 0.0
    with torch.no_grad():
        for game in games:
            board = game.start_board()
            h = np.zeros((1, model.cfg.hidden), np.float32)
            prev = NO_MOVE
            for move in list(game.moves)[:max_plies]:
                x = feat.encode(board)[None]
                p = np.array([prev], np.int64)
                logits_ref, h_ref = model.forward_step(torch.from_numpy(x), torch.from_numpy(p), torch.from_numpy(h))
                logits, h_next = session.run(None, {"features": x, "prev_move": p, "h": h})
                worst = max(worst, float(np.abs(logits - logits_ref.numpy()).max()),
                            float(np.abs(h_next - h_ref.numpy()).max()))
                h = h_ref.numpy()
                prev = move_to_index(move, board.turn)
                board.push(move)
    return worst


def export_model(
    model: StepModel,
    out: Path,
    *,
    player: str | None,
    games_trained: int,
    parity_games: Sequence[GameInput],
    info: dict[str, Any] | None = None,
    evaluation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``out/`` = model.onnx + model.json + weights.pt, after the parity check.

    :raises ValueError: when onnxruntime disagrees with torch, or no game was given to check with.
    """
    if not parity_games:
        raise ValueError("the ONNX parity check needs at least one real game")
    model = model.float().eval().cpu()
    graph = onnx_bytes(model)
    error = parity_error(model, graph, parity_games)
    if not error <= PARITY_TOLERANCE:
        raise ValueError(f"ONNX export differs from torch by {error:.2e} (> {PARITY_TOLERANCE}); not written")
    meta = {
        "kind": "personal" if player else "base",
        "player": player,
        "config": model.cfg.to_dict(),
        "games_trained": int(games_trained),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "parity_max_abs_error": error,
        "parity_games": len(parity_games),
        "training": info or {},
        "evaluation": evaluation or {},
        "inputs": {"features": ["batch", feat.FEATURE_SIZE], "prev_move": ["batch"], "h": ["batch", model.cfg.hidden]},
        "outputs": {"logits": ["batch", "vocab"], "h_next": ["batch", model.cfg.hidden]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        weights = Path(tmp) / WEIGHTS_FILE
        save_checkpoint(weights, model, info=info, half=True)
        write_model_folder(out, graph, meta, extra={WEIGHTS_FILE: weights})
    return meta
