"""How fast kibitz learns a person: top-1 on their newest games after 0, 10, 25, ... older games.

For each player (default: three held-out online players, whom the base adapter never saw) the
games are sorted by date (:func:`kibitz.engine.player_games.date_key`); the newest ``--test``
games are the fixed test set, never learned from. For each N in ``--steps`` the N games just
before the test set are the player's history, and the test set is scored (the player's moves,
forced moves skipped, every ply, through onnxruntime as the app serves it) by:

- the free prior alone, one column per prior in ``PRIORS`` (today Maia-1's band chosen on the
  same N games, the default band with none; a Maia-3 column is one more entry there);
- base: the bundled base adapter over that band;
- book only: base + the player's own book counted on the N games at the default strength
  (what the app serves from the first game until the network has learned);
- kibitz: what the learning loop serves after those N games: book only below the adapter's
  minimum, else the personal model fine-tuned on them if its judgement installed it, else book only.

    nice -n 10 python bench/learning_curve.py [--players jowen93 falc0nfeast] [--json out.json]

Goals (issue 16): kibitz never below base; >= base + 2 points by 50 games for players who
repeat their openings.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kibitz.engine.book import OwnMoves
from kibitz.engine.models import base_model_dir, load_model_info
from kibitz.engine.player_games import MIN_ADAPTER_GAMES, DEFAULT_BOOK_STRENGTH
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.priors import DEFAULT_BAND
from kibitz.engine.scoring import Score, ScoredGame, choose_band, compare_models
from kibitz.training.evaluate import scored_games
from kibitz.training.personal import book_games, finetune
from kibitz.training.player_games import PlayerGame, player_games_from_files
from kibitz.training.progress import Reporter

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "online"
STEPS = (0, 10, 25, 50, 100, 200, 400, -1)  # -1: every older game


def maia1_column(history: Sequence[ScoredGame], test: Sequence[ScoredGame]) -> tuple[int, dict[str, float | int]]:
    """Maia-1 alone over the band the history chooses (the default band without history)."""
    band = choose_band(history)[0] if history else DEFAULT_BAND
    return band, {}  # scored in one prior pass with base and book only (curve)


#: The free priors, side by side: name -> (history, test) -> (the level chosen, figures on test).
PRIORS: dict[str, Callable[[Sequence[ScoredGame], Sequence[ScoredGame]], tuple[int, dict[str, float | int]]]] = {
    "Maia-1": maia1_column,
}


def summary(plies) -> dict[str, float | int]:
    score = Score()
    for ply in plies:
        if len(ply.moves) > 1:
            score.add_ply(ply)
    return score.summary()


def served_figures(adapter: AdapterSession, band: int, test: Sequence[ScoredGame]) -> dict[str, float | int]:
    return summary(plies[0] for plies in compare_models([adapter], band, test))


def curve(player: str, games: list[PlayerGame], test_games: int, steps: Sequence[int],
          measured: Callable[[dict], None] = lambda row: None) -> list[dict]:
    older, newest = games[:-test_games], games[-test_games:]
    test = scored_games([(g, c) for g, c, _ in newest])
    base_info = load_model_info(base_model_dir())
    rows = []
    for step in steps:
        n = len(older) if step < 0 else min(step, len(older))
        history_games = older[len(older) - n:]
        history = scored_games([(g, c) for g, c, _ in history_games])
        t = time.monotonic()
        row: dict = {"player": player, "games": n, "test_games": len(newest), "priors": {}}
        band = DEFAULT_BAND
        for name, column in PRIORS.items():
            level, figures = column(history, test)
            row["priors"][name] = {"level": level, **figures}
            band = level if name == "Maia-1" else band
        base, book_only = AdapterSession(base_info), AdapterSession(base_info)
        if history_games:
            book_only.book = OwnMoves.of(book_games(history_games)).book(strength=DEFAULT_BOOK_STRENGTH)
        scores = [Score(), Score(), Score()]  # Maia-1 alone, base, book only: one prior pass
        for plies in compare_models([base, book_only], band, test, include_prior=True):
            if len(plies[0].moves) > 1:
                for score, ply in zip(scores, plies):
                    score.add_ply(ply)
        row["priors"]["Maia-1"].update(scores[0].summary())
        row["base"], row["book_only"] = scores[1].summary(), scores[2].summary()
        row["kibitz"], row["installed"] = row["book_only"], False
        if n >= MIN_ADAPTER_GAMES:
            with tempfile.TemporaryDirectory() as tmp:
                result = finetune(history_games, Path(tmp) / "m", Reporter("none"), player=player)
                if result.improved:
                    info = load_model_info(Path(tmp) / "m")
                    row["kibitz"] = served_figures(AdapterSession(info), info.band or band, test)
                row["installed"] = result.improved
                row["judged_on"] = result.val_games
        row["seconds"] = round(time.monotonic() - t, 1)
        rows.append(row)
        print_row(row, header=len(rows) == 1)
        sys.stdout.flush()
        measured(row)
    return rows


def print_row(row: dict, *, header: bool) -> None:
    names = list(row["priors"])
    if header:
        print(f"{'player':<12} {'games':>5} | " + " ".join(f"{n:>13}" for n in names)
              + f" | {'base':>6} {'book':>6} {'kibitz':>6} {'-base':>6} {'inst':>4} {'s':>5}")
    priors = " ".join(f"{row['priors'][n]['top1']:7.1%} ({row['priors'][n]['level']})" for n in names)
    delta = 100 * (row["kibitz"]["top1"] - row["base"]["top1"])
    print(f"{row['player']:<12} {row['games']:>5} | {priors} | {row['base']['top1']:6.1%} "
          f"{row['book_only']['top1']:6.1%} {row['kibitz']['top1']:6.1%} {delta:+6.1f} "
          f"{'yes' if row['installed'] else '-':>4} {row['seconds']:5.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", nargs="*", default=["falc0nfeast", "jowen93", "Bfx-de-Blr"])
    parser.add_argument("--test", type=int, default=100, help="newest games scored (never learned from)")
    parser.add_argument("--steps", type=int, nargs="*", default=list(STEPS), help="history sizes; -1: all")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows: list[dict] = []

    def keep(row: dict) -> None:  # after every row: a long run stopped early keeps what it measured
        rows.append(row)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1, default=lambda v: None if math.isinf(v) else v))

    for player in args.players:
        curve(player, player_games_from_files(player, [DATA / f"{player}.pgn.xz"]), args.test, args.steps, keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
