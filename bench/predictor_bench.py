"""Latency of one predictor step (features + onnxruntime + mask + softmax), one thread.

Replays real games through the bundled base model and times each ply's full prediction, beside
its parts measured in the same run: the feature encoder alone, the legal-move lookup alone and
the bare onnxruntime step. Goal: median <= 0.5 ms, p99 <= 2 ms.

    python bench/predictor_bench.py [--games 30]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import chess
import numpy as np

from kibitz.engine import features
from kibitz.engine.models import base_model_dir
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.predictor import open_model

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "jowen93-200.pgn.xz"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ms = np.array(samples) * 1e3
    return float(np.median(ms)), float(np.percentile(ms, 99)), float(ms.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=30)
    args = parser.parse_args()
    games = [g for g in read_games(SAMPLE) if isinstance(g, PgnGame)][: args.games]
    predictor = open_model(base_model_dir())
    adapter, prior = predictor.adapter, predictor.prior
    full, encode, legal, step = [], [], [], []
    h0 = np.zeros((1, adapter.hidden), np.float32)
    for game in games:
        predictor.reset()
        board = chess.Board()
        for uci in game.moves:
            t0 = time.perf_counter()
            predictor.top_moves(5)  # features + ORT step + legal mask + softmax + SAN of five
            t1 = time.perf_counter()
            x = features.encode(board)[None]
            t2 = time.perf_counter()
            legal_move_indices(board)
            t3 = time.perf_counter()
            policy, tower = prior.run(x)
            adapter.step(tower, policy, np.zeros(1, np.int64), h0)
            t4 = time.perf_counter()
            full.append(t1 - t0)
            encode.append(t2 - t1)
            legal.append(t3 - t2)
            step.append(t4 - t3)
            move = chess.Move.from_uci(uci)
            predictor.push(move)
            board.push(move)
    print(f"{len(full)} positions from {len(games)} real games, one thread")
    print(f"{'':<34} {'median ms':>10} {'p99 ms':>8} {'mean ms':>8}")
    for name, samples in [("full prediction (top five)", full), ("  feature encoder alone", encode),
                          ("  legal-move indices alone", legal), ("  onnxruntime prior + adapter alone", step)]:
        med, p99, mean = percentiles(samples)
        print(f"{name:<34} {med:10.3f} {p99:8.3f} {mean:8.3f}")


if __name__ == "__main__":
    main()
