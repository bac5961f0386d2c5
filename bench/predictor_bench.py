"""Latency of the live predictor, one thread, beside its baselines and their accuracy, in one run.

Goal (issue 8): one predictor step - encode + onnxruntime (prior and adapter) + legal-move mask +
softmax + SAN of the top five - median <= 1.0 ms, p99 <= 3 ms.

Replays real games through the bundled base adapter and times, the variants taking turns game by
game (the machine is shared with other jobs: compare the ratios, not the absolute times):

* the step over the shipped prior graph and over the other graphs the converter makes
  (``training/maia_export.py``: fp32, and int8 built here when ``../shared/maia`` and torch are
  there), with each graph's top-1 / NLL on real positions (the moves played, softmax over the
  legal moves) so speed and accuracy are read side by side;
* one move in the app: both players' predictors of the same band advance a ply and the mover's
  top five are computed - with the prior's memory of recent positions (what the app runs: the
  two predictors share one prior run) and without it (the baseline);
* the step's parts;
* the Maia-3 prior (``kibitz.assets/maia3``) beside Maia-1's band: one prior step each (encode, run,
  legal-move mask, softmax, SAN of the top five; batch 1, one thread), the per-position cost of each
  run batch-1 and batched, and the background work that would keep Maia-3's outputs for a stored
  game (tokens, logits and the pooled representation of every ply; ``--no-maia3`` skips it).

    python bench/predictor_bench.py [--games 30] [--positions 4000] [--no-int8] [--no-maia3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import chess
import numpy as np

from kibitz.engine.features import FEATURE_SHAPE, PositionHistory
from kibitz.engine.models import base_model_dir, load_model_info
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.predictor import AdapterSession, ModelPredictor, ModelStatus, softmax
from kibitz.engine.priors import DEFAULT_BAND, PriorSession, prior_path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "jowen93-200.pgn.xz"
MAIA_SRC = Path(os.environ.get("KIBITZ_MAIA_SRC", ROOT.parent / "shared" / "maia"))
if not MAIA_SRC.is_dir():
    MAIA_SRC = Path("/work/shared/maia")
GOAL_MEDIAN_MS, GOAL_P99_MS = 1.0, 3.0


def figures(samples: list[float]) -> tuple[float, float, float]:
    ms = np.array(samples) * 1e3
    return float(np.median(ms)), float(np.percentile(ms, 99)), float(ms.mean())


def other_graphs(band: int, folder: Path, positions: int, int8: bool) -> tuple[dict[str, Path], object]:
    """fp32 (and int8) graphs of ``band`` written by the converter into ``folder``, and the judged
    positions (planes, played, legal) - or nothing when the Maia sources or torch are missing."""
    try:
        from kibitz.training import maia_export
        from kibitz.training.maia import load_maia
    except ImportError as error:
        print(f"(no other graphs: {error})")
        return {}, None
    source = MAIA_SRC / f"maia-{band}.pb.gz"
    if not source.is_file():
        print(f"(no other graphs: {source} is missing; set KIBITZ_MAIA_SRC)")
        return {}, None
    pgns = maia_export.default_pgns(MAIA_SRC)
    judged = maia_export.positions(pgns, positions)
    net = load_maia(source)
    graphs = {"fp32": folder / "fp32.onnx"}
    graphs["fp32"].write_bytes(maia_export.onnx_bytes(net, "fp32"))
    if int8:
        calibration = maia_export.positions(pgns, maia_export.INT8_CALIBRATION, skip=-(-positions // len(pgns)))[0]
        graphs["int8"] = folder / "int8.onnx"
        graphs["int8"].write_bytes(maia_export.onnx_bytes(net, "int8", calibration))
    return graphs, judged


def accuracy(paths: dict[str, Path], judged) -> dict[str, dict[str, float]]:
    from kibitz.training import maia_export

    planes, played, legal = judged
    return {name: maia_export.score(maia_export.run_policy(path, planes), played, legal)
            for name, path in paths.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=30)
    parser.add_argument("--positions", type=int, default=4000, help="real positions for the accuracy figures")
    parser.add_argument("--no-int8", action="store_true", help="skip building the int8 graph (a minute)")
    parser.add_argument("--no-maia3", action="store_true", help="skip the Maia-3 figures")
    parser.add_argument("--maia3-games", type=int, default=10, help="games the Maia-3 figures replay")
    args = parser.parse_args()
    games = [g for g in read_games(SAMPLE) if isinstance(g, PgnGame)][: args.games]
    info = load_model_info(base_model_dir())
    band = info.band or DEFAULT_BAND
    shipped = prior_path(band)
    with tempfile.TemporaryDirectory(prefix="kibitz-bench-") as folder:
        extra, judged = other_graphs(band, Path(folder), args.positions, not args.no_int8)
        paths = {f"shipped ({shipped.name})": shipped, **extra}
        scores = accuracy(paths, judged) if judged is not None else {}

        def predictor(path: Path, remember: int = 0, prior: PriorSession | None = None) -> ModelPredictor:
            prior = prior or PriorSession(band, path=path, remember=remember)
            return ModelPredictor(AdapterSession(info), prior, ModelStatus(info.kind, "bench"))

        steps = {name: predictor(path) for name, path in paths.items()}
        shared = PriorSession(band, path=shipped)  # the app: the players' predictors share a session
        apps = {"app, shared prior run": (predictor(shipped, prior=shared), predictor(shipped, prior=shared)),
                "app, baseline: prior run per player": (predictor(shipped), predictor(shipped))}
        bare = PriorSession(band, path=shipped, remember=0)
        adapter = AdapterSession(info)
        step_ms: dict[str, list[float]] = {name: [] for name in steps}
        app_ms: dict[str, list[float]] = {name: [] for name in apps}
        parts: dict[str, list[float]] = {k: [] for k in ("planes", "prior", "adapter", "legal", "softmax + SAN")}
        h0 = np.zeros((1, adapter.hidden), np.float32)
        planes = np.zeros((1, *FEATURE_SHAPE), np.float32)
        count = 0
        # Each variant replays a whole game at a time (its weights stay in cache, as in the app,
        # which runs one prior and two adapters), the variants taking turns game by game.
        for number, game in enumerate(games):
            moves = [chess.Move.from_uci(uci) for uci in game.moves]
            order = list(steps.items())
            order = order[number % len(order):] + order[: number % len(order)]  # no variant always first
            for name, p in order:
                p.reset()
                for move in moves:
                    t = time.perf_counter()
                    p.top_moves(5)
                    step_ms[name].append(time.perf_counter() - t)
                    p.push(move)
            for name, (white, black) in apps.items():  # as PredictionService.show after a move
                white.reset()
                black.reset()
                for move in moves:
                    t = time.perf_counter()
                    white.push(move)
                    black.push(move)
                    (white if white.board.turn == chess.WHITE else black).top_moves(5)
                    app_ms[name].append(time.perf_counter() - t)
            history = PositionHistory(chess.Board())
            for move in moves:
                board = history.board
                t0 = time.perf_counter()
                history.planes_into(planes[0])
                t1 = time.perf_counter()
                policy, tower = bare.run(planes)
                t2 = time.perf_counter()
                logits, _ = adapter.step(tower, policy, np.zeros(1, np.int64), h0)
                t3 = time.perf_counter()
                indices, legal = legal_move_indices(board)
                t4 = time.perf_counter()
                probs = softmax(logits[0][indices])
                [board.san(legal[i]) for i in np.argsort(-probs, kind="stable")[:5]]
                t5 = time.perf_counter()
                for key, a, b in zip(parts, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5)):
                    parts[key].append(b - a)
                history.push(move)
                count += 1

    print(f"{count} positions from {len(games)} real games (tests/data), one thread, base adapter over "
          f"maia-{band}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"goal: step median <= {GOAL_MEDIAN_MS} ms, p99 <= {GOAL_P99_MS} ms")
    reference = None
    print(f"{'predictor step (top five)':<38} {'median ms':>9} {'p99 ms':>7} {'mean ms':>7} {'x shipped':>9}"
          f" {'top-1':>7} {'NLL':>7}")
    for name, samples in step_ms.items():
        med, p99, mean = figures(samples)
        reference = reference or med
        score = scores.get(name)
        acc = f" {100 * score['top1']:6.2f}% {score['nll']:7.4f}" if score else ""
        print(f"{name:<38} {med:9.3f} {p99:7.3f} {mean:7.3f} {med / reference:9.2f}{acc}")
    if judged is not None:
        print(f"(top-1 / NLL: prior alone, {len(judged[1])} positions of non-held-out online players)")
    print(f"{'one move in the app (2 predictors)':<38} {'median ms':>9} {'p99 ms':>7} {'mean ms':>7}")
    for name, samples in app_ms.items():
        print(f"{name:<38} {figures(samples)[0]:9.3f} {figures(samples)[1]:7.3f} {figures(samples)[2]:7.3f}")
    print(f"{'parts of the step (shipped graph)':<38} {'median ms':>9} {'p99 ms':>7} {'mean ms':>7}")
    for name, samples in parts.items():
        med, p99, mean = figures(samples)
        print(f"{'  ' + name:<38} {med:9.3f} {p99:7.3f} {mean:7.3f}")
    if not args.no_maia3:
        maia3_figures(games[: args.maia3_games], band)


def maia3_figures(games: list[PgnGame], band: int) -> None:
    """Maia-3 beside Maia-1's ``band``: the prior step, batched vs batch-1 cost, per-game upkeep."""
    from kibitz.engine import maia3_moves
    from kibitz.engine.maia3 import Maia3Session, legal_softmax
    from kibitz.engine.maia3_tokens import GameTokens, position_tokens

    maia1, maia3 = PriorSession(band, remember=0), Maia3Session(threads=1)
    steps: dict[str, list[float]] = {f"Maia-1 {band}": [], "Maia-3 (1500 vs 1500)": []}
    planes = np.zeros((1, *FEATURE_SHAPE), np.float32)
    all_planes, all_tokens = [], []
    for number, game in enumerate(games):
        moves = [chess.Move.from_uci(uci) for uci in game.moves]
        for turn in range(2):  # the two priors take turns going first, game by game
            if (turn + number) % 2 == 0:
                history = PositionHistory(chess.Board())
                for move in moves:
                    board = history.board
                    t = time.perf_counter()
                    history.planes_into(planes[0])
                    policy, _ = maia1.run(planes)
                    indices, legal = legal_move_indices(board)
                    probs = softmax(policy[0][indices])
                    [board.san(legal[i]) for i in np.argsort(-probs, kind="stable")[:5]]
                    steps[f"Maia-1 {band}"].append(time.perf_counter() - t)
                    all_planes.append(planes.copy())
                    history.push(move)
            else:
                boards = [chess.Board()]
                for move in moves:
                    board = boards[-1]
                    t = time.perf_counter()
                    tokens = position_tokens(boards[-8:])[None]
                    logits = maia3.run(tokens, 1500, 1500).logits
                    indices, legal = maia3_moves.legal_move_indices(board)
                    probs = legal_softmax(logits[0], indices)
                    [board.san(legal[i]) for i in np.argsort(-probs, kind="stable")[:5]]
                    steps["Maia-3 (1500 vs 1500)"].append(time.perf_counter() - t)
                    all_tokens.append(tokens[0])
                    boards.append(board.copy(stack=False))
                    boards[-1].push(move)
    print(f"Maia-3 beside Maia-1: {len(all_tokens)} positions of {len(games)} real games, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'prior step, batch 1, one thread':<38} {'median ms':>9} {'p99 ms':>7} {'mean ms':>7} {'x Maia-1':>8}")
    reference = figures(steps[f"Maia-1 {band}"])[0]
    for name, samples in steps.items():
        med, p99, mean = figures(samples)
        print(f"{'  ' + name:<38} {med:9.3f} {p99:7.3f} {mean:7.3f} {med / reference:8.1f}")
    # The same 256 positions through each prior, batch 1 and batched (the run alone).
    planes_all, tokens_all = np.concatenate(all_planes)[:256], np.stack(all_tokens)[:256]
    print(f"{'prior run only, ms per position':<38} {'1 thread':>9} {'2 threads':>9}")
    for name, runs in (
        ("Maia-1 batch 1", lambda s, x: [s.run(x[i:i + 1]) for i in range(len(x))]),
        ("Maia-1 batch 256", lambda s, x: s.run_batched(x, 256)),
    ):
        row = [_per_position(lambda: runs(PriorSession(band, threads=n, remember=0), planes_all), len(planes_all))
               for n in (1, 2)]
        print(f"{'  ' + name:<38} {row[0]:9.3f} {row[1]:9.3f}")
    for batch in (1, 16, 64):
        row = []
        for threads in (1, 2):
            session = Maia3Session(threads=threads)
            row.append(_per_position(lambda: session.run_batched(tokens_all, 1500, 1500, batch=batch), len(tokens_all)))
        print(f"{'  Maia-3 batch ' + str(batch):<38} {row[0]:9.3f} {row[1]:9.3f}")
    # What a background worker would do for each stored game: encode it, run every ply (each side
    # at its own rating) with the pooled representation, keep the legal moves' logits and pooled.
    session = Maia3Session(threads=2)
    seconds, plies, kept = [], 0, 0
    for game in games:
        moves = [chess.Move.from_uci(uci) for uci in game.moves]
        t = time.perf_counter()
        encoded = GameTokens.of(chess.Board(), moves)
        ratings = np.where(encoded.turns[:-1], 1500, 1400)
        out = session.run_batched(encoded.tokens[:-1], ratings, np.where(encoded.turns[:-1], 1400, 1500), pooled=True)
        board = chess.Board()
        for row, move in enumerate(moves):
            indices, _ = maia3_moves.legal_move_indices(board)
            kept += out.logits[row, indices].astype(np.float16).nbytes + out.pooled[row].astype(np.float16).nbytes
            board.push(move)
        seconds.append(time.perf_counter() - t)
        plies += len(moves)
    print(f"keeping Maia-3's outputs per stored game (2 threads, batches of 64): {np.mean(seconds):.2f} s per game "
          f"of {plies / len(games):.0f} plies on average ({1e3 * sum(seconds) / plies:.1f} ms per ply); "
          f"{kept / plies:.0f} bytes per ply kept (legal-move logits + pooled [256], float16)")


def _per_position(run, count: int) -> float:
    """Milliseconds per position of ``run`` over ``count`` positions (after a warm-up run)."""
    run()
    return 1e3 * _timed(run) / count


def _timed(run) -> float:
    t = time.perf_counter()
    run()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
