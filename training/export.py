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

from kibitz.engine.features import GameTokens
from kibitz.engine.models import write_model_folder
from kibitz.engine.moves import NO_MOVE, VOCAB_SIZE, move_to_index
from kibitz.engine.priors import DEFAULT_RATING, POOLED_SIZE, prior_session
from kibitz.training.corpus import GameInput
from kibitz.training.model import Adapter, StepGraph
from kibitz.training.train import WEIGHTS_FILE, save_weights

PARITY_TOLERANCE = 1e-3


def onnx_bytes(model: Adapter) -> bytes:
    model = model.eval().cpu()
    example = (
        torch.zeros(1, POOLED_SIZE),
        torch.zeros(1, VOCAB_SIZE),
        torch.full((1,), NO_MOVE, dtype=torch.long),
        torch.zeros(1, model.cfg.hidden),
    )
    names = ["pooled", "prior", "prev_move", "h"]
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
def parity_error(model: Adapter, graph: bytes, rating: int, games: Sequence[GameInput], max_plies: int = 40) -> float:
    """Largest |torch - onnxruntime| over the logits, replaying ``games``: torch runs the
    whole-game forward (as in training), onnxruntime the step graph (as in the app)."""
    session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    prior = prior_session()
    model = model.eval().cpu()
    worst = 0.0
    for game in games:
        moves = list(game.moves)[:max_plies]
        if not moves:
            continue
        board = game.start_board()
        prev = [NO_MOVE]
        for move in moves[:-1]:
            prev.append(move_to_index(move, board.turn))
            board.push(move)
        outputs = prior.run_batched(GameTokens.of(game.start_board(), moves).tokens[:-1], rating, rating)
        policy, pooled = outputs.logits, outputs.pooled
        prev_moves = np.array(prev, np.int64)
        reference = model.game_logits(torch.from_numpy(pooled), torch.from_numpy(policy),
                                      torch.from_numpy(prev_moves)).numpy()
        h = np.zeros((1, model.cfg.hidden), np.float32)
        for ply in range(len(moves)):
            logits, h = session.run(None, {"pooled": pooled[ply : ply + 1], "prior": policy[ply : ply + 1],
                                           "prev_move": prev_moves[ply : ply + 1], "h": h})
            worst = max(worst, float(np.abs(logits[0] - reference[ply]).max()))
    return worst


def export_model(
    model: Adapter,
    out: Path,
    *,
    player: str | None,
    rating: int | None,
    games_trained: int,
    parity_games: Sequence[GameInput],
    info: dict[str, Any] | None = None,
    evaluation: dict[str, Any] | None = None,
    identity: bool = False,
) -> dict[str, Any]:
    """Write ``out/`` = model.onnx + model.json + weights.pt, after the parity check.

    ``rating`` is the player's rating a personal model was trained at (None for the base adapter,
    which serves every rating). ``identity``: the adapter is untrained, its head zero, so it gives
    the prior's logits unchanged (the panel then names the prior alone).

    :raises ValueError: when onnxruntime disagrees with torch, or no game was given to check with.
    """
    if not parity_games:
        raise ValueError("the ONNX parity check needs at least one real game")
    model = model.float().eval().cpu()
    graph = onnx_bytes(model)
    error = parity_error(model, graph, rating or DEFAULT_RATING, parity_games)
    if not error <= PARITY_TOLERANCE:
        raise ValueError(f"ONNX export differs from torch by {error:.2e} (> {PARITY_TOLERANCE}); not written")
    meta = {
        "kind": "personal" if player else "base",
        "player": player,
        "rating": rating,
        "prior": "Maia-3 5M (kibitz.assets/maia3/maia3-5m.onnx)",
        "config": model.cfg.to_dict(),
        "games_trained": int(games_trained),
        "identity": identity,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "parity_max_abs_error": error,
        "parity_games": len(parity_games),
        "training": info or {},
        "evaluation": evaluation or {},
        "inputs": {"pooled": ["batch", POOLED_SIZE], "prior": ["batch", VOCAB_SIZE], "prev_move": ["batch"],
                   "h": ["batch", model.cfg.hidden]},
        "outputs": {"logits": ["batch", VOCAB_SIZE], "h_next": ["batch", model.cfg.hidden]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        weights = Path(tmp) / WEIGHTS_FILE
        save_weights(weights, model, info=info)
        write_model_folder(out, graph, meta, extra={WEIGHTS_FILE: weights})
    return meta
