"""Latency of the live predictor over Maia-3: one move with both players' models, beside the bare
prior's step, in one run.

Replays real games (tests/data/jowen93-200.pgn.xz) and times, per ply, the variants taking turns
game by game (the machine is shared: compare the variants, not one figure against another day's):

* bare prior step: the position's tokens (``PositionHistory``), one Maia-3 run (batch 1, the
  app's session: one thread), the legal-move mask, softmax and SAN of the top five;
* one move in the app, paired: both players' predictors (the bundled base adapter, the players
  at 1500 and 1700, told each other's rating by ``engine.predictor.pair``) over the app's one prior
  session; each advances a ply and the mover's top five are computed - the prior runs once per
  position for the two;
* baseline: the same two predictors, each with a prior session of its own that remembers nothing:
  the prior runs twice per position.

Maia-1 is no longer in the app, so its step cannot be measured there; with torch and
``../shared/maia`` its net (maia-1500, the same positions, batch 1, one thread, planes included)
is timed through torch as a reference only (the app ran it through onnxruntime: 0.77 ms median
in ../shared/MEASUREMENTS.md). Last, the background work that keeps the prior's outputs for a
finished or imported game (``engine.prior_outputs.compute_outputs``, 2 threads), per game and per ply.

    python bench/predictor_bench.py [--games 10] [--no-maia1]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import chess
import numpy as np

from common import MAIA1, load_note
from kibitz.engine.features import PositionHistory
from kibitz.engine.models import base_model_dir, load_model_info
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.predictor import (AdapterSession, GamePredictor, ModelPredictor, ModelStatus, open_model, pair,
                                     softmax)
from kibitz.engine.prior_outputs import compute_outputs
from kibitz.engine.priors import PriorSession, prior_session

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "jowen93-200.pgn.xz"
RATINGS = {chess.WHITE: 1500, chess.BLACK: 1700}
GOAL_MS = 16.0  # move -> repainted overlay, both players' models (issue 17); the predictors' share of it


def bare_prior_game(moves: list[chess.Move], prior: PriorSession) -> list[float]:
    """The prior's step alone, per ply of one game (seconds)."""
    history, times = PositionHistory(chess.Board()), []
    for move in moves:
        board = history.board
        started = time.perf_counter()
        logits = prior.run(history.tokens()[None], RATINGS[board.turn], RATINGS[not board.turn]).logits[0]
        indices, legal = legal_move_indices(board)
        probabilities = softmax(logits[indices])
        [board.san(legal[i]) for i in np.argsort(-probabilities, kind="stable")[:5]]
        times.append(time.perf_counter() - started)
        history.push(move)
    return times


def app_game(moves: list[chess.Move], predictors: dict[chess.Color, GamePredictor]) -> list[float]:
    """One move in the app per ply (both predictors advance, the mover's top five; seconds)."""
    for predictor in predictors.values():
        predictor.reset()
    board, times = chess.Board(), []
    for move in moves:
        started = time.perf_counter()
        for predictor in predictors.values():
            predictor.push(move)
        board.push(move)
        predictors[board.turn].top_moves(5)
        times.append(time.perf_counter() - started)
    return times


def paired(shared: bool) -> dict[chess.Color, GamePredictor]:
    """Both players' predictors over the base adapter: over the app's shared prior session, or each
    over a session of its own without memory (the baseline)."""
    if shared:
        predictors: dict[chess.Color, GamePredictor] = {
            colour: open_model(base_model_dir(), rating=rating) for colour, rating in RATINGS.items()}
    else:
        info = load_model_info(base_model_dir())
        predictors = {colour: ModelPredictor(AdapterSession(info), PriorSession(remember=0),
                                             ModelStatus(info.kind, "bench", rating=rating))
                      for colour, rating in RATINGS.items()}
    pair(predictors)
    return predictors


def maia1_game(moves: list[chess.Move], net: object) -> list[float]:
    """Maia-1's torch net per ply, planes included (a reference: not the app's former step)."""
    import torch

    from kibitz.training.maia1.features import FEATURE_SHAPE
    from kibitz.training.maia1.features import PositionHistory as Maia1History

    history, planes, times = Maia1History(chess.Board()), np.zeros((1, *FEATURE_SHAPE), np.float32), []
    with torch.no_grad():
        for move in moves:
            started = time.perf_counter()
            history.planes_into(planes[0])
            net(torch.from_numpy(planes))  # type: ignore[operator]
            times.append(time.perf_counter() - started)
            history.push(move)
    return times


def maia1_net() -> object | None:
    try:
        import torch

        from kibitz.training.maia1.net import load_maia
    except ImportError as error:
        print(f"(no Maia-1 reference: {error})")
        return None
    source = MAIA1 / "maia-1500.pb.gz"
    if not source.is_file():
        print(f"(no Maia-1 reference: {source} is missing)")
        return None
    torch.set_num_threads(1)
    return load_maia(source, 1500).eval()


def line(name: str, samples: list[float], reference: float | None = None) -> str:
    ms = np.array(samples) * 1e3
    median, p90 = float(np.median(ms)), float(np.percentile(ms, 90))
    ratio = f" {median / reference:8.2f}" if reference else ""
    return f"{name:<52} {median:9.2f} {p90:8.2f}{ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=10)
    parser.add_argument("--no-maia1", action="store_true", help="skip Maia-1's torch reference")
    args = parser.parse_args()
    games = [[chess.Move.from_uci(u) for u in g.moves] for g in read_games(SAMPLE) if isinstance(g, PgnGame)]
    games = games[: args.games]
    net = None if args.no_maia1 else maia1_net()
    bare = PriorSession(remember=0)
    variants: dict[str, Callable[[list[chess.Move]], list[float]]] = {
        "bare prior step (Maia-3, batch 1, one thread)": lambda moves: bare_prior_game(moves, bare),
        "both players' models, paired (one prior run)": lambda moves, p=paired(True): app_game(moves, p),
        "baseline: both models, a prior run each": lambda moves, p=paired(False): app_game(moves, p),
    }
    if net is not None:
        variants["reference: Maia-1 torch net (not the app)"] = lambda moves: maia1_game(moves, net)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for number, moves in enumerate(games):
        order = list(variants)
        for name in order[number % len(order):] + order[: number % len(order)]:  # no variant always first
            times[name] += variants[name](moves)
    plies = sum(len(m) for m in games)
    print(f"{plies} plies of {len(games)} real games (tests/data); {load_note()}")
    print(f"{'per ply':<52} {'median ms':>9} {'p90 ms':>8} {'x bare':>8}")
    reference = float(np.median(times[next(iter(times))])) * 1e3
    for name, samples in times.items():
        print(line(name, samples, reference))
    print(f"goal: move -> repainted overlay <= {GOAL_MS:g} ms median with both players' models (gui_bench "
          f"times the whole path; the rows above are the predictors' share)")
    upkeep(games)


def upkeep(games: list[list[chess.Move]]) -> None:
    """The background work that keeps the prior's outputs of a finished or imported game."""
    session = prior_session(2)
    seconds = []
    for moves in games:
        started = time.perf_counter()
        compute_outputs(session, [(chess.Board(), moves, 1500, 1700)])
        seconds.append(time.perf_counter() - started)
    plies = sum(len(m) for m in games)
    print(f"keeping the prior's outputs of a game (2 threads): {np.mean(seconds):.2f} s per game of "
          f"{plies / len(games):.0f} plies on average, {1e3 * sum(seconds) / plies:.1f} ms per ply")


if __name__ == "__main__":
    main()
