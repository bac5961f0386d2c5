"""Convert the nine Maia-1 nets into the ONNX graphs kibitz ships, with their model card.

Each graph maps ``planes`` float32 ``[N,112,8,8]`` (dynamic N, ``kibitz-features-2``) to
``policy`` float32 ``[N,1858]`` (lc0's order, ``kibitz-moves-2``) and ``tower`` float32
``[N,64,8,8]``. A graph is written only after onnxruntime has agreed with torch on real positions,
and atomically (temporary file, then ``os.replace``), so a crash never leaves half a file.

``fp16`` stores the weights as float16 with a ``Cast`` to float32 in front of every use, so the file
is half the size but onnxruntime still computes in float32 (its constant folding turns the casts
into plain float32 weights when the session is created).

``int8`` quantises the residual tower's convolutions statically (onnxruntime's QDQ format, weights
int8 per output channel, activations uint8 with ranges calibrated on real positions); the input
convolution (its planes mix 0/1 with the raw half-move clock) and the policy head stay float32.
It cannot match torch to ``PARITY_TOLERANCE``, so instead of that check it must score the played
moves of real positions (not those it was calibrated on) within ``INT8_LIMITS`` of the fp32 graph.

Run it as::

    python -m kibitz.training.maia_export --src /work/shared/maia --out assets/maia
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

import chess
import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper

from kibitz.engine import features, moves, pgn
from kibitz.training.maia import BANDS, POLICY_SIZE, MaiaNet, load_maia

DTYPES: Final = ("fp32", "fp16", "int8")
#: What kibitz ships: fp16 measured equal to fp32 within noise on maia-1500 (4,000 real positions:
#: top-1 47.45% vs 47.48%, NLL 1.6596 both, the top move changed on 1 position) at half the size.
SHIPPED_DTYPE: Final = "fp16"
#: Largest |torch - onnxruntime| allowed on policy logits and tower, against a torch net holding
#: the same (for fp16: float16-rounded) weights. Measured: 1.5e-5 (fp32), 1.2e-5 (fp16).
PARITY_TOLERANCE: Final = 1e-4
OPSET: Final = 17
#: How far an int8 graph may score from the fp32 graph on the same real positions (issue 8):
#: top-1 within 0.1 point, mean NLL at most 0.005 worse.
INT8_LIMITS: Final = {"top1": 0.001, "nll": 0.005}
#: Positions the int8 activation ranges are calibrated on, and the percentile kept of each range.
INT8_CALIBRATION: Final = 3000
INT8_PERCENTILE: Final = 99.999
#: Convolutions left in float32 in the int8 graph (named by their weights): the input (0/1 planes
#: beside a raw clock up to 100 share one uint8 scale badly) and the policy head (logits).
INT8_FLOAT_CONVS: Final = ("input.weight", "policy1.weight", "policy.weight")


def onnx_bytes(net: MaiaNet, dtype: str = SHIPPED_DTYPE, calibration: np.ndarray | None = None) -> bytes:
    """The serialised ONNX graph of ``net`` (inputs/outputs as in the module docstring).

    ``calibration``: real positions' planes for ``int8`` (its activation ranges).
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    if dtype == "int8":
        if calibration is None or not len(calibration):
            raise ValueError("an int8 graph needs calibration positions")
        return quantize_int8(onnx_bytes(net, "fp32"), calibration)
    net = net.eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The TorchScript exporter (as training/export.py): no onnxscript, batch axis dynamic.
        torch.onnx.export(
            net, (torch.zeros(1, features.PLANES, 8, 8),), buffer,
            input_names=["planes"], output_names=["policy", "tower"],
            dynamic_axes={name: {0: "batch"} for name in ("planes", "policy", "tower")},
            opset_version=OPSET, dynamo=False,
        )
    model = onnx.load_from_string(buffer.getvalue())
    if dtype == "fp16":
        _store_fp16(model)
    model.producer_name = "kibitz.training.maia_export"
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _store_fp16(model: onnx.ModelProto) -> None:
    """Store every float32 initializer as float16, cast back to float32 before it is used."""
    graph = model.graph
    casts = []
    kept = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            kept.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16")
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT,
                                      name=init.name + "_to_fp32"))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)


def quantize_int8(fp32_graph: bytes, calibration: np.ndarray, batch: int = 100) -> bytes:
    """The int8 (QDQ) graph of an fp32 graph, activation ranges calibrated on ``calibration``."""
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    # The histogram collector needs equal batches: drop the remainder.
    usable = len(calibration) // batch * batch or len(calibration)
    batches = [{"planes": np.ascontiguousarray(calibration[i:i + batch], np.float32)}
               for i in range(0, usable, batch)]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._batches = iter(batches)

        def get_next(self) -> dict | None:
            return next(self._batches, None)

    model = onnx.load_from_string(fp32_graph)
    keep_float = [node.name for node in model.graph.node
                  if node.op_type == "Conv" and len(node.input) > 1 and node.input[1] in INT8_FLOAT_CONVS]
    if len(keep_float) != len(INT8_FLOAT_CONVS):
        raise ValueError(f"expected the convolutions {INT8_FLOAT_CONVS} in the graph, found {keep_float}")
    with tempfile.TemporaryDirectory(prefix="kibitz-int8-") as folder:
        source, prepared, target = (Path(folder) / name for name in ("fp32.onnx", "pre.onnx", "int8.onnx"))
        source.write_bytes(fp32_graph)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # its progress talk
            warnings.simplefilter("ignore")
            quant_pre_process(str(source), str(prepared))
            quantize_static(
                str(prepared), str(target), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                op_types_to_quantize=["Conv"], nodes_to_exclude=keep_float,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                calibrate_method=CalibrationMethod.Percentile,
                extra_options={"ActivationSymmetric": False, "WeightSymmetric": True,
                               "CalibPercentile": INT8_PERCENTILE},
            )
        model = onnx.load(str(target))
    model.producer_name = "kibitz.training.maia_export"
    onnx.checker.check_model(model)
    return model.SerializeToString()


def fp16_rounded(net: MaiaNet) -> MaiaNet:
    """A copy of ``net`` whose weights are rounded to float16 (the fp16 graph's torch twin)."""
    twin = copy.deepcopy(net)
    with torch.no_grad():
        for parameter in twin.parameters():
            parameter.copy_(parameter.half().float())
    return twin


def session(graph: bytes | str | Path, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime CPU session on ``graph`` using ``threads`` intra-op threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    source = str(graph) if isinstance(graph, Path) else graph
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def parity_error(net: MaiaNet, graph: bytes, planes: np.ndarray, dtype: str = "fp32") -> float:
    """Largest |torch - onnxruntime| over policy and tower on ``planes`` (batches of 256)."""
    reference = fp16_rounded(net) if dtype == "fp16" else net
    runner = session(graph, threads=2)
    worst = 0.0
    with torch.no_grad():
        for start in range(0, len(planes), 256):
            batch = planes[start:start + 256]
            policy, tower = reference(torch.from_numpy(batch))
            ort_policy, ort_tower = runner.run(["policy", "tower"], {"planes": batch})
            if ort_policy.shape != (len(batch), POLICY_SIZE) or ort_tower.shape != tuple(tower.shape):
                raise ValueError(f"onnxruntime output shapes {ort_policy.shape}, {ort_tower.shape}")
            worst = max(worst, float(np.abs(policy.numpy() - ort_policy).max()),
                        float(np.abs(tower.numpy() - ort_tower).max()))
    return worst


def export_prior(net: MaiaNet, path: str | Path, dtype: str = SHIPPED_DTYPE,
                 planes: np.ndarray | None = None, *, calibration: np.ndarray | None = None,
                 judged: tuple[np.ndarray, np.ndarray, Sequence[np.ndarray]] | None = None) -> float:
    """Write ``net`` as one ONNX graph at ``path`` after checking onnxruntime against torch.

    ``planes`` are the real positions to check on (``real_positions``); by default a few hundred
    from the engine's test games. Returns the largest difference found.

    ``int8`` is not checked against torch: it needs ``calibration`` planes and ``judged``
    positions (planes, moves played, legal moves: :func:`positions`, other games than the
    calibration's) on which it must score within ``INT8_LIMITS`` of the fp32 graph; it returns
    the NLL it loses there.

    :raises ValueError: when onnxruntime and torch differ by more than ``PARITY_TOLERANCE``, or
        an int8 graph scores outside ``INT8_LIMITS``.
    """
    path = Path(path)
    if dtype == "int8":
        if judged is None:
            raise ValueError("an int8 graph is judged on real positions with their moves (judged=...)")
        graph = onnx_bytes(net, dtype, calibration)
        loss = int8_loss(net, graph, *judged)
        if not (abs(loss["top1"]) <= INT8_LIMITS["top1"] and loss["nll"] <= INT8_LIMITS["nll"]):
            raise ValueError(f"maia-{net.band} int8: top-1 {100 * loss['top1']:+.2f} points, NLL "
                             f"{loss['nll']:+.4f} against fp32 (limits {INT8_LIMITS}); nothing written")
        _write_atomic(path, graph)
        return loss["nll"]
    if planes is None:
        planes = real_positions(_test_games(), limit=512)
    graph = onnx_bytes(net, dtype)
    error = parity_error(net, graph, planes, dtype)
    if not error <= PARITY_TOLERANCE:
        raise ValueError(f"maia-{net.band} {dtype}: onnxruntime differs from torch by {error:.2e} "
                         f"(> {PARITY_TOLERANCE:g}); nothing written")
    _write_atomic(path, graph)
    return error


def run_policy(graph: bytes | str | Path, planes: np.ndarray, threads: int = 2) -> np.ndarray:
    """Policy logits of ``graph`` on ``planes`` (batches of 256)."""
    runner = session(graph, threads)
    return np.concatenate([runner.run(["policy"], {"planes": planes[i:i + 256]})[0]
                           for i in range(0, len(planes), 256)]) if len(planes) else np.zeros((0, POLICY_SIZE), np.float32)


def int8_loss(net: MaiaNet, graph: bytes, planes: np.ndarray, played: np.ndarray,
              legal: Sequence[np.ndarray]) -> dict[str, float]:
    """What ``graph`` loses against ``net``'s fp32 graph on real positions: top-1 (fraction; negative
    means fewer hits) as the fp32 graph's minus this one's, NLL as this one's minus fp32's."""
    fp32 = score(run_policy(onnx_bytes(net, "fp32"), planes), played, legal)
    this = score(run_policy(graph, planes), played, legal)
    return {"top1": fp32["top1"] - this["top1"], "nll": this["nll"] - fp32["nll"]}


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; these files are shipped
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- real positions ----------------------------------------------------------------------------

def _test_games() -> list[Path]:
    return [Path(__file__).resolve().parents[1] / "tests" / "data" / "jowen93-200.pgn.xz"]


def positions(pgn_paths: Iterable[str | Path], limit: int,
              skip: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Up to ``limit`` real positions, spread evenly over ``pgn_paths`` (every ply of each game,
    from the first games on, after the games holding each file's first ``skip`` positions): planes
    ``[N,112,8,8]``, the move played (vocabulary index, ``[N]``) and each position's legal-move
    indices.
    """
    paths = [Path(p) for p in pgn_paths]
    if not paths:
        raise ValueError("no PGN file to take positions from")
    per_file = -(-limit // len(paths))
    planes: list[np.ndarray] = []
    played: list[int] = []
    legal: list[np.ndarray] = []
    for path in paths:
        taken = skipped = 0
        for game in pgn.read_games(path):
            if taken >= per_file or len(planes) >= limit:
                break
            if not isinstance(game, pgn.PgnGame):
                continue
            if skipped < skip:  # whole games, so that no game is on both sides
                skipped += len(game.moves)
                continue
            history = features.PositionHistory(pgn.starting_board(game.fen))
            for uci in game.moves:
                if taken >= per_file or len(planes) >= limit:
                    break
                board = history.board
                move = chess.Move.from_uci(uci)
                planes.append(history.planes())
                played.append(moves.move_to_index(move, board))
                legal.append(moves.legal_move_indices(board)[0])
                history.push(move)
                taken += 1
    return np.stack(planes), np.asarray(played, np.int64), legal


def real_positions(pgn_paths: Iterable[str | Path], limit: int) -> np.ndarray:
    """Just the planes of :func:`positions`."""
    return positions(pgn_paths, limit)[0]


# --- measurements ------------------------------------------------------------------------------

def score(policy: np.ndarray, played: np.ndarray, legal: Sequence[np.ndarray]) -> dict[str, float]:
    """Top-1 accuracy and mean NLL of the played moves, softmax over the legal moves only."""
    hits, nll = 0, 0.0
    for logits, move, indices in zip(policy, played, legal):
        chosen = logits[indices].astype(np.float64)
        chosen -= chosen.max()
        log_probs = chosen - np.log(np.exp(chosen).sum())
        where = int(np.nonzero(indices == move)[0][0])
        hits += int(np.argmax(chosen) == where)
        nll -= log_probs[where]
    return {"top1": hits / len(played), "nll": nll / len(played)}


def compare_dtypes(net: MaiaNet, planes: np.ndarray, played: np.ndarray,
                   legal: Sequence[np.ndarray], calibration: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """fp32 vs fp16 (and int8, given ``calibration`` planes) graphs of ``net`` through
    onnxruntime on the same positions."""
    results: dict[str, dict[str, float]] = {}
    outputs = {}
    for dtype in DTYPES:
        if dtype == "int8" and calibration is None:
            continue
        policy = run_policy(onnx_bytes(net, dtype, calibration), planes)
        outputs[dtype] = policy
        results[dtype] = score(policy, played, legal)
    top32 = np.asarray([int(np.argmax(p[i])) for p, i in zip(outputs["fp32"], legal)])
    for dtype, key in (("fp16", "difference"), ("int8", "int8_difference")):
        if dtype not in outputs:
            continue
        top = np.asarray([int(np.argmax(p[i])) for p, i in zip(outputs[dtype], legal)])
        results[key] = {
            "positions": len(played),
            "top1_changed": float(np.mean(top32 != top)),
            "max_abs_logit": float(np.abs(outputs["fp32"] - outputs[dtype]).max()),
            # Paired standard error of the top-1 difference (hits differ on few positions).
            "top1_se": float(np.sqrt(np.mean(top32 != top) / len(played))),
        }
    return results


def speed(net: MaiaNet, graphs: dict[str, bytes], planes: np.ndarray, seconds: float = 3.0) -> dict[str, float]:
    """Positions/s of torch and of onnxruntime on each of ``graphs`` (batch 256, 2 threads) and
    onnxruntime's one-position latency on one thread (median and p99 ms)."""
    batch = np.ascontiguousarray(np.resize(planes, (256, *planes.shape[1:])))
    figures: dict[str, float] = {}
    threads_before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with torch.no_grad():
            tensor = torch.from_numpy(batch)
            net(tensor)
            figures["torch_batch256_2threads_pos_s"] = _rate(lambda: net(tensor), 256, seconds)
    finally:
        torch.set_num_threads(threads_before)
    singles = [np.ascontiguousarray(planes[i:i + 1]) for i in range(min(len(planes), 500))]
    for dtype, graph in graphs.items():
        two = session(graph, threads=2)
        two.run(None, {"planes": batch})
        figures[f"ort_{dtype}_batch256_2threads_pos_s"] = _rate(
            lambda: two.run(None, {"planes": batch}), 256, seconds)
        one = session(graph, threads=1)
        for single in singles[:50]:
            one.run(None, {"planes": single})
        times = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(times) < 1000:
            single = singles[len(times) % len(singles)]
            start = time.perf_counter()
            one.run(None, {"planes": single})
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        figures[f"ort_{dtype}_single_1thread_median_ms"] = statistics.median(times)
        figures[f"ort_{dtype}_single_1thread_p99_ms"] = times[int(0.99 * (len(times) - 1))]
    return figures


def _rate(step, per_call: int, seconds: float) -> float:
    """Best of three timed runs of ``step`` (each ~``seconds``/3), in items per second."""
    best = 0.0
    for _ in range(3):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            step()
            calls += 1
        best = max(best, calls * per_call / (time.perf_counter() - start))
    return best


# --- all nine, and the model card --------------------------------------------------------------

def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def convert_all(src_dir: str | Path, out_dir: str | Path, dtype: str = SHIPPED_DTYPE,
                pgn_paths: Sequence[str | Path] = (), check_positions: int = 1000,
                measure_positions: int = 4000, measure: bool = True) -> dict:
    """Write ``out_dir/maia-XXXX.onnx`` for the nine bands, ``LICENSE`` and ``README.md``.

    ``pgn_paths`` give the real positions for the parity check and the measurements (by default
    ``src_dir/../data/online/*.pgn.xz``). Returns the figures written into the model card.
    """
    src, out = Path(src_dir), Path(out_dir)
    paths = [Path(p) for p in pgn_paths] or default_pgns(src)
    if not paths:
        raise ValueError(f"no PGN files given and none in {src.parent / 'data' / 'online'}")
    sources = [src / f"maia-{band}.pb.gz" for band in BANDS]
    missing = [p.name for p in sources if not p.exists()]
    if missing:
        raise FileNotFoundError(f"{src}: missing {', '.join(missing)}")
    planes, played, legal = positions(paths, max(check_positions, measure_positions))
    calibration = None
    if dtype == "int8" or measure:  # int8's ranges come from other games than those it is judged on
        calibration = positions(paths, INT8_CALIBRATION, skip=-(-len(played) // len(paths)))[0]
    report: dict = {"dtype": dtype, "bands": {}, "positions_from": [p.name for p in paths]}
    for source in sources:
        net = load_maia(source)
        target = out / f"maia-{net.band}.onnx"
        error = export_prior(net, target, dtype, planes[:check_positions], calibration=calibration,
                             judged=(planes, played, legal))
        policy = run_policy(target, planes)
        report["bands"][net.band] = {
            "source": source.name, "source_sha256": sha256(source),
            "onnx": target.name, "onnx_sha256": sha256(target), "onnx_bytes": target.stat().st_size,
            "parity_max_abs": error, **score(policy, played, legal),
        }
        print(f"maia-{net.band}: {target} ({target.stat().st_size / 1e6:.2f} MB), parity {error:.1e}",
              file=sys.stderr)
    if measure:
        net = load_maia(src / "maia-1500.pb.gz")
        report["fp16_vs_fp32"] = compare_dtypes(net, planes, played, legal, calibration)
        report["speed"] = speed(net, {d: onnx_bytes(net, d, calibration) for d in DTYPES}, planes)
    report["positions"] = len(played)
    shutil.copyfile(src / "LICENSE", out / "LICENSE")
    _write_atomic(out / "README.md", model_card(report).encode())
    return report


def default_pgns(src: Path) -> list[Path]:
    """``src/../data/online/*.pgn.xz`` less the files of players held out of all training (their
    games judge kibitz; int8 ranges are calibrated on these positions)."""
    from kibitz.training.splits import HELD_OUT_PLAYERS

    held_out = {name for names in HELD_OUT_PLAYERS.values() for name in names}
    return [p for p in sorted((src.parent / "data" / "online").glob("*.pgn.xz"))
            if p.name.removesuffix(".pgn.xz") not in held_out]


def model_card(report: dict) -> str:
    """The model card (Markdown) for the converted nets and the figures measured."""
    bands = report["bands"]
    rows = "\n".join(
        f"| maia-{band} | `{b['source_sha256']}` | `{b['onnx_sha256']}` | {b['onnx_bytes'] / 1e6:.2f} "
        f"| {_parity_text(report['dtype'], b['parity_max_abs'])} | {100 * b['top1']:.1f}% | {b['nll']:.3f} |"
        for band, b in sorted(bands.items()))
    lines = [
        "# Maia-1 priors (ONNX), converted for kibitz",
        "",
        "Nine Maia-1 networks, one per 100-point lichess rating band (maia-1100 ... maia-1900): each",
        "was trained on ~12M lichess games of players rated in its band (maia-1500: 1500-1599) and",
        "predicts the move such a player makes, in one forward pass with no search. kibitz uses one",
        "band per player as a frozen prior; its per-player adapter reads the residual tower.",
        "",
        "**Source and licence.** The `.pb.gz` lc0 networks of CSSLab/maia-chess (folder",
        "`maia_weights/`, commit e464f161c295), GPL-3.0 (`LICENSE` beside this file), converted",
        "without retraining by `python -m kibitz.training.maia_export`. Cite: R. McIlroy-Young,",
        "S. Sen, J. Kleinberg, A. Anderson, *Aligning Superhuman AI with Human Behavior: Chess as a",
        "Model System*, KDD 2020, doi 10.1145/3394486.3403219.",
        "",
        "## The graphs",
        "",
        f"- input `planes` float32 `[N,112,8,8]` (N dynamic): `{features.FEATURE_VERSION}`, lc0's",
        "  classical 112 planes with 8 positions of history, from the side to move's view;",
        f"- output `policy` float32 `[N,1858]`: logits in lc0's policy order (`{moves.VOCAB_VERSION}`);",
        "  take a softmax over the legal moves only;",
        "- output `tower` float32 `[N,64,8,8]`: the residual tower's output (after the last ReLU).",
        "- 6 residual blocks x 64 filters with squeeze-excitation, batch norm folded into the",
        "  convolutions; the value head is dropped. Weights dequantised from lc0's LINEAR16.",
        f"- onnxruntime agreed with torch on {min(report['positions'], 1000)} real positions before",
        "  each file was written (largest |difference| per band below).",
        "",
        f"**Storage dtype: {report['dtype']}.** {_dtype_reason(report)}",
        "",
        "| net | source sha256 (.pb.gz) | output sha256 (.onnx) | MB | torch vs ORT | top-1 | NLL |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        rows,
        "",
        f"Top-1 and NLL: the moves played in {report['positions']} positions (every ply of the first",
        "games of " + ", ".join(f"`{name}`" for name in report["positions_from"]) + "), both sides,",
        "softmax over the legal moves. These are mixed players of all strengths, not each band's own.",
    ]
    if "fp16_vs_fp32" in report:
        c = report["fp16_vs_fp32"]
        d = c["difference"]
        lines += [
            "",
            "## fp16 against fp32 (maia-1500, the same positions, onnxruntime)",
            "",
            "| storage | top-1 | NLL |",
            "| --- | --- | --- |",
            f"| fp32 | {100 * c['fp32']['top1']:.2f}% | {c['fp32']['nll']:.4f} |",
            f"| fp16 (weights float16, computed in float32) | {100 * c['fp16']['top1']:.2f}% "
            f"| {c['fp16']['nll']:.4f} |",
            "",
            f"The top move changed on {100 * d['top1_changed']:.2f}% of {d['positions']} positions "
            f"(paired standard error of the top-1 difference ~{100 * d['top1_se']:.2f} points); the",
            f"largest logit difference was {d['max_abs_logit']:.3f}.",
        ]
        if "int8" in c:
            q = c["int8_difference"]
            lines[-3:-3] = [f"| int8 (tower convolutions quantised, calibrated on other games) "
                            f"| {100 * c['int8']['top1']:.2f}% | {c['int8']['nll']:.4f} |"]
            lines += [
                "",
                f"int8: the top move changed on {100 * q['top1_changed']:.2f}% of the positions (paired "
                f"standard error of the top-1 difference ~{100 * q['top1_se']:.2f} points); largest logit",
                f"difference {q['max_abs_logit']:.3f}. An int8 graph is written only within 0.1 point top-1 and 0.005 NLL of fp32.",
            ]
    if "speed" in report:
        s = report["speed"]
        lines += [
            "",
            "## Speed (maia-1500 on 2 shared CPU cores, while other jobs ran)",
            "",
            f"- torch {torch.__version__}, batch 256, 2 threads: {s['torch_batch256_2threads_pos_s']:,.0f} positions/s",
        ]
        for dtype in DTYPES:
            if f"ort_{dtype}_batch256_2threads_pos_s" in s:
                lines += [
                    f"- onnxruntime {ort.__version__}, {dtype} graph, batch 256, 2 threads: "
                    f"{s[f'ort_{dtype}_batch256_2threads_pos_s']:,.0f} positions/s; one position, 1 thread: "
                    f"median {s[f'ort_{dtype}_single_1thread_median_ms']:.2f} ms, "
                    f"p99 {s[f'ort_{dtype}_single_1thread_p99_ms']:.2f} ms",
                ]
    lines += ["", "Figures as JSON:", "", "```json", json.dumps(_jsonable(report), indent=1), "```", ""]
    return "\n".join(lines)


def _parity_text(dtype: str, value: float) -> str:
    return f"int8: NLL {value:+.4f} vs fp32" if dtype == "int8" else f"{value:.1e}"


def _dtype_reason(report: dict) -> str:
    if report["dtype"] == "int8":
        return ("The residual tower's convolutions are int8 (onnxruntime QDQ, weights per channel, "
                "activations calibrated on real positions); the input convolution and the policy head "
                "are float32. Each band scored within the int8 limits of its fp32 graph (below).")
    if report["dtype"] == "fp16":
        return ("Weights are stored as float16 and cast to float32 inside the graph (onnxruntime "
                "folds the casts when it opens the file), so it computes in float32 and the files "
                "are half the size of fp32 (1.25 MB instead of 2.44 MB, 11 MB for the nine instead "
                "of 22 MB, which keeps the installed package under its 40 MB budget). fp16 measured "
                "equal to fp32 within noise (below); lc0's LINEAR16 source weights carry 16 bits per "
                "value to begin with.")
    return "Weights are stored as float32, exactly as dequantised (fp16 was measured, below)."


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 6)
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kibitz.training.maia_export", description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, required=True, help="folder holding maia-1100.pb.gz ... maia-1900.pb.gz")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the .onnx files and the model card to")
    parser.add_argument("--dtype", choices=DTYPES, default=SHIPPED_DTYPE)
    parser.add_argument("--pgn", type=Path, nargs="*", default=[],
                        help="games for the parity check and figures (default: SRC/../data/online/*.pgn.xz)")
    parser.add_argument("--positions", type=int, default=4000, help="positions for the figures")
    parser.add_argument("--no-measure", action="store_true", help="skip the fp16 comparison and timings")
    args = parser.parse_args(argv)
    convert_all(args.src, args.out, args.dtype, args.pgn, measure_positions=args.positions,
                measure=not args.no_measure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
