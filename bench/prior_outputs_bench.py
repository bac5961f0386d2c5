"""What keeping the prior's outputs saves a retrain: per game, computing them vs reading them kept.

Imports real games into a temporary store and times, in one run (one onnxruntime thread; the
machine is shared: read the ratios, not the absolute times):

* the baseline: the prior itself, per position, batched (``PriorSession.run_batched`` over the
  same games' positions: tokens in hand, no legal moves, no store);
* computing and keeping the outputs: ``KeptOutputs.keep`` (replay, tokens, prior, legal-move
  logits, float16, the store's transactions), ms per game;
* reading them back: ``KeptOutputs.get`` for every game (SQLite read, checksum, arrays), ms per game,
  warm (the store's pages in the OS cache, as right after the upkeep wrote them), and
  ``KeptOutputs.ensure`` over them all, as a retrain calls it;
* the size kept: bytes per game and per ply, and the store file's growth.

    python bench/prior_outputs_bench.py [--games 60] [--pgn PATH]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

import chess
import numpy as np

from kibitz.engine.features import GameTokens
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.prior_outputs import MAX_PLIES, KeptOutputs
from kibitz.engine.priors import PriorSession
from kibitz.engine.store import Store

ROOT = Path(__file__).resolve().parents[1]
SLICE = ROOT.parent / "shared" / "data" / "online" / "lichess_2021-10-01_slice.pgn.xz"
SAMPLE = ROOT / "tests" / "data" / "jowen93-200.pgn.xz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=60)
    parser.add_argument("--pgn", type=Path, default=SLICE if SLICE.exists() else SAMPLE)
    args = parser.parse_args()
    games = list(itertools.islice((g for g in read_games(args.pgn) if isinstance(g, PgnGame) and g.moves),
                                  args.games))
    plies = sum(min(len(g.moves), MAX_PLIES) for g in games)
    print(f"{len(games)} games of {args.pgn.name}, {plies} plies ({plies / len(games):.0f} a game), one thread")
    session = PriorSession(threads=1, remember=0)

    with tempfile.TemporaryDirectory() as home:
        store = Store.open(Path(home))
        store.import_games(games)
        ids = store.game_ids()
        wanted = [(gid, 1500, 1500) for gid in ids]
        size_before = _store_bytes(Path(home))

        # the baseline: the prior alone over the same positions (tokens made beforehand)
        tokens = np.concatenate([_tokens(g) for g in games])
        session.run_batched(tokens[:64], 1500, 1500)  # warm-up
        started = time.perf_counter()
        session.run_batched(tokens, 1500, 1500)
        prior_s = time.perf_counter() - started

        kept = KeptOutputs(store)
        started = time.perf_counter()
        computed = kept.keep(wanted, session)
        keep_s = time.perf_counter() - started
        assert computed == len(ids)

        reads: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            for key in wanted:
                outputs = kept.get(*key)
                assert outputs is not None
            reads.append(time.perf_counter() - started)
        read_s = statistics.median(reads)
        started = time.perf_counter()
        every = kept.ensure(wanted, session)  # what a retrain calls: all kept, nothing run
        ensure_s = time.perf_counter() - started
        assert len(every) == len(ids)
        count, blob_bytes = kept.stats()
        store.query("PRAGMA wal_checkpoint(TRUNCATE)")
        size_after = _store_bytes(Path(home))
        store.close()

    per_game = 1000 / len(ids)
    print(f"prior alone, batched:        {prior_s * 1000 / plies:7.2f} ms a position  "
          f"({prior_s * per_game:7.1f} ms a game)   <- baseline")
    print(f"compute + keep:              {keep_s * 1000 / plies:7.2f} ms a position  ({keep_s * per_game:7.1f} ms a game)")
    print(f"read kept (median of 3):     {read_s * 1000 / plies:7.3f} ms a position  ({read_s * per_game:7.2f} ms a game)"
          f"   {keep_s / read_s:,.0f}x faster than computing")
    print(f"ensure, all kept (a retrain): {ensure_s * 1000 / plies:7.3f} ms a position  "
          f"({ensure_s * per_game:7.2f} ms a game)")
    print(f"kept: {count} games, {blob_bytes / count / 1024:.1f} KB a game, {blob_bytes / plies:.0f} bytes a ply; "
          f"store file grew {(size_after - size_before) / 1024 / count:.1f} KB a game")


def _tokens(game: PgnGame) -> np.ndarray:
    """The positions before each of the game's first MAX_PLIES moves."""
    played = [chess.Move.from_uci(u) for u in game.moves[:MAX_PLIES]]
    start = chess.Board(game.fen) if game.fen else chess.Board()
    return GameTokens.of(start, played).tokens[:len(played)]


def _store_bytes(home: Path) -> int:
    return sum(f.stat().st_size for f in home.iterdir() if f.is_file())


if __name__ == "__main__":
    main()
