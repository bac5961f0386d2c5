"""How long a game review and a player's page take, through the served models (no torch).

Reviews random 200-ply games (both players on the base model at one rating, and one player at
another rating, as when one has a personal model fitted elsewhere), then builds the profile of jowen93 from
tests/data (200 games) - the same calls the app makes off the UI thread. Prints the median of a few
runs; onnxruntime runs on the CPU, so the figures depend on the machine and its load.

    python bench/insight_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import chess
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from insight_data import store_with_games  # noqa: E402
from kibitz.engine.player_profile import player_profile  # noqa: E402
from kibitz.engine.predictor import open_model  # noqa: E402
from kibitz.engine.models import base_model_dir  # noqa: E402
from kibitz.engine.review import ServedModel, review_moves, served_model  # noqa: E402
from kibitz.engine.store import Store  # noqa: E402


def random_game(plies: int, seed: int) -> list[chess.Move]:
    rng, board, moves = np.random.default_rng(seed), chess.Board(), []
    while len(moves) < plies and not board.is_game_over():
        legal = list(board.legal_moves)
        moves.append(legal[int(rng.integers(len(legal)))])
        board.push(moves[-1])
    return moves


def median_seconds(function: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = served_model(None, None)
    assert base is not None
    other = open_model(base_model_dir(), rating=1700)
    other_rating = ServedModel(other.adapter, 1700, "base at 1700")
    moves = random_game(200, 1)
    review_moves(chess.Board(), moves, {chess.WHITE: base, chess.BLACK: base})  # sessions loaded
    for name, models in (("one rating", {chess.WHITE: base, chess.BLACK: dataclasses.replace(base)}),
                         ("two ratings", {chess.WHITE: base, chess.BLACK: other_rating})):
        seconds = median_seconds(lambda: review_moves(chess.Board(), moves, models), args.runs)
        print(f"review, {len(moves)} plies, {name}: {seconds * 1000:.0f} ms")
    with Store.open(Path(tempfile.mkdtemp())) as store:
        player = store_with_games(store, 200)
        seconds = median_seconds(lambda: player_profile(store, player), max(1, args.runs // 2))
        print(f"player profile, 200 games, base model only: {seconds:.1f} s")


if __name__ == "__main__":
    main()
