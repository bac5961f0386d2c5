"""ONNX export of the adapter's single-step graph, checked before anything is written.

One exporter path has been reported to mis-export GRUs silently, so the graph uses no GRU
operator (``model.gru_cell`` spells the step out), and every export replays real games through
torch's whole-game forward and onnxruntime's step graph (fed by the served prior) and requires
equal logits (1e-3, on logits of size ~10) before the folder is written.
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

from kibitz.engine.features import FEATURE_SHAPE, PositionHistory
from kibitz.engine.models import write_model_folder
from kibitz.engine.moves import NO_MOVE, VOCAB_SIZE, move_to_index
from kibitz.engine.priors import TOWER_SHAPE, prior_session
from kibitz.training.corpus import GameInput
from kibitz.training.model import Adapter, StepGraph
from kibitz.training.train import WEIGHTS_FILE, save_weights

PARITY_TOLERANCE = 1e-3


def onnx_bytes(model: Adapter) -> bytes:
    model = model.eval().cpu()
    example = (
        torch.zeros(1, *TOWER_SHAPE),
        torch.zeros(1, VOCAB_SIZE),
        torch.full((1,), NO_MOVE, dtype=torch.long),
        torch.zeros(1, model.cfg.hidden),
    )
    names = ["tower", "prior", "prev_move", "h"]
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The TorchScript exporter: no onnxscript needed, and the batch axis is declared dynamic.
        torch.onnx.export(
            StepGraph(model), example, buffer,
            input_names=names, output_names=["logits", "h_next"],
            dynamic_axes={name: {0: "batch"} for name in [*names, "logits", "h_next"]},
            opset_version=17, dynamo=False,
        )
    return buffer.getvalue()


@torch.no_grad()
def parity_error(model: Adapter, graph: bytes, band: int, games: Sequence[GameInput], max_plies: int = 80) -> float:
    """Largest |torch - onnxruntime| over the logits, replaying ``games``: torch runs the
    whole-game forward (as in training), onnxruntime the step graph (as in the app)."""
    session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    prior = prior_session(band)
    model = model.eval().cpu()
    worst = 0.0
    for game in games:
        history = PositionHistory(game.start_board())
        planes, prev = [], []
        previous = NO_MOVE
        for move in list(game.moves)[:max_plies]:
            plane = np.empty(FEATURE_SHAPE, np.float32)
            history.planes_into(plane)
            planes.append(plane)
            prev.append(previous)
            previous = move_to_index(move, history.board)
            history.push(move)
        if not planes:
            continue
        policy, tower = prior.run_batched(np.stack(planes))
        prev_moves = np.array(prev, np.int64)
        reference = model.game_logits(torch.from_numpy(tower), torch.from_numpy(policy),
                                      torch.from_numpy(prev_moves)).numpy()
        h = np.zeros((1, model.cfg.hidden), np.float32)
        for ply in range(len(planes)):
            logits, h = session.run(None, {"tower": tower[ply : ply + 1], "prior": policy[ply : ply + 1],
                                           "prev_move": prev_moves[ply : ply + 1], "h": h})
            worst = max(worst, float(np.abs(logits[0] - reference[ply]).max()))
    return worst


def export_model(
    model: Adapter,
    out: Path,
    *,
    player: str | None,
    band: int | None,
    games_trained: int,
    parity_games: Sequence[GameInput],
    info: dict[str, Any] | None = None,
    evaluation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``out/`` = model.onnx + model.json + weights.pt, after the parity check.

    ``band`` is the prior band a personal model was trained over (None for the base adapter,
    which serves every band).

    :raises ValueError: when onnxruntime disagrees with torch, or no game was given to check with.
    """
    if not parity_games:
        raise ValueError("the ONNX parity check needs at least one real game")
    model = model.float().eval().cpu()
    graph = onnx_bytes(model)
    error = parity_error(model, graph, band or 1500, parity_games)
    if not error <= PARITY_TOLERANCE:
        raise ValueError(f"ONNX export differs from torch by {error:.2e} (> {PARITY_TOLERANCE}); not written")
    meta = {
        "kind": "personal" if player else "base",
        "player": player,
        "band": band,
        "prior": "Maia-1 (kibitz.assets/maia/maia-<band>.onnx)",
        "config": model.cfg.to_dict(),
        "games_trained": int(games_trained),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "parity_max_abs_error": error,
        "parity_games": len(parity_games),
        "training": info or {},
        "evaluation": evaluation or {},
        "inputs": {"tower": ["batch", *TOWER_SHAPE], "prior": ["batch", VOCAB_SIZE], "prev_move": ["batch"],
                   "h": ["batch", model.cfg.hidden]},
        "outputs": {"logits": ["batch", VOCAB_SIZE], "h_next": ["batch", model.cfg.hidden]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        weights = Path(tmp) / WEIGHTS_FILE
        save_weights(weights, model, info=info)
        write_model_folder(out, graph, meta, extra={WEIGHTS_FILE: weights})
    return meta
