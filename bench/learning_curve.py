"""How fast kibitz learns a person, against Maia-3 alone: top-1 on their newest games after 0, 25,
50, 100, 200, 400 of their older games.

For each player (default: three held-out online players) the games are sorted by date; the
newest ``--test`` games are the fixed test set, never learned from, scored on their first
``--test-positions`` moves of the player (whole games; Maia-3 costs ~5-9 ms a position on 2 cores).
For each N in ``--steps`` the N games just before the test set are the player's history, and the
test moves (the player's only, forced moves skipped, every ply, as the app serves them) are scored by:

- maia3: Maia-3 alone at the rating fitted on those N games (as the app fits it; the default
  rating with none), opponents at their recorded ratings;
- m3+book: Maia-3 there with the player's own move counts over the N games at the app's default
  book strength (what the app serves before the network has learned);
- kibitz: what the learning loop serves after those N games: m3+book below the adapter's minimum
  games, else the personal model fine-tuned on them if its own judgement installed it, else m3+book.

Beside them, once per player, the reference line: Maia-3 alone at the rating fitted on *all* the
older games (the accuracy bench's column).

    nice -n 10 python bench/learning_curve.py [--players jowen93 falc0nfeast] [--steps 0 25 50]
        [--test 100] [--test-positions 1000] [--json out.json]

Goal (issue 17): kibitz at or above the reference Maia-3 alone from 25 games on.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from common import book_of, first_games, fitted_rating, load_note, maia3_columns, player_games, scored
from kibitz.engine.models import load_model_info
from kibitz.engine.player_games import DEFAULT_BOOK_STRENGTH, MIN_ADAPTER_GAMES
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.ratings import SAMPLE_POSITIONS
from kibitz.engine.priors import DEFAULT_RATING
from kibitz.training.personal import finetune
from kibitz.training.progress import Reporter

STEPS = (0, 25, 50, 100, 200, 400)


def curve(player: str, args: argparse.Namespace, keep) -> None:
    games = player_games(player)
    older, newest = games[: -args.test], games[-args.test:]
    test_games = first_games(newest, args.test_positions)
    test = scored(test_games)
    reference = fitted_rating(older, args.rating_positions)
    alone = maia3_columns(reference.rating if reference else DEFAULT_RATING, test)["Maia-3"]
    print(f"{player}: {len(older)} older games; test: the first {alone['positions']} moves of the newest "
          f"{len(newest)} games ({len(test_games)} games scored); reference Maia-3 alone at "
          f"{reference.rating if reference else DEFAULT_RATING} (fitted on the older games): {alone['top1']:.1%}")
    for step in args.steps:
        n = min(step, len(older))
        history = older[len(older) - n:]
        t = time.monotonic()
        fit = fitted_rating(history, args.rating_positions)
        rating = fit.rating if fit else DEFAULT_RATING
        books = {"m3+book": book_of(history, DEFAULT_BOOK_STRENGTH)} if history else {}
        columns = maia3_columns(rating, test, books=books)
        row = {"player": player, "games": n, "rating": rating, "reference": alone, "maia3": columns["Maia-3"],
               "book": columns.get("m3+book", columns["Maia-3"]), "installed": False}
        row["kibitz"] = row["book"]
        if n >= MIN_ADAPTER_GAMES:
            with tempfile.TemporaryDirectory() as tmp:
                result = finetune(history, Path(tmp) / "m", Reporter("none"), player=player)
                if result.improved:
                    info = load_model_info(Path(tmp) / "m")
                    served = maia3_columns(info.rating or rating, test, adapters={"personal": AdapterSession(info)})
                    row["kibitz"] = served["personal"]
                row["installed"], row["judged_on"] = result.improved, result.val_games
        row["seconds"] = round(time.monotonic() - t)
        print_row(row)
        keep(row)


def print_row(row: dict) -> None:
    reference = row["reference"]["top1"]
    print(f"  {row['games']:>5} games | maia3 {row['maia3']['top1']:6.1%} at {row['rating']:>4} | m3+book "
          f"{row['book']['top1']:6.1%} | kibitz {row['kibitz']['top1']:6.1%} "
          f"({100 * (row['kibitz']['top1'] - reference):+5.1f} vs reference, personal installed: "
          f"{'yes' if row['installed'] else 'no'}) | {row['seconds']:4} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", nargs="*", default=["falc0nfeast", "jowen93", "Bfx-de-Blr"])
    parser.add_argument("--test", type=int, default=100, help="newest games kept for the test (never learned from)")
    parser.add_argument("--test-positions", type=int, default=1000,
                        help="the player's moves scored: the first N of the test games, whole games (0: all)")
    parser.add_argument("--steps", type=int, nargs="*", default=list(STEPS), help="history sizes (games)")
    parser.add_argument("--rating-positions", type=int, default=SAMPLE_POSITIONS,
                        help="newest older moves the rating is fitted on (default: the app's bound)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(f"learning curve; {load_note()}")
    rows: list[dict] = []

    def keep(row: dict) -> None:  # after every row: a long run stopped early keeps what it measured
        rows.append(row)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1, default=lambda v: None if math.isinf(v) else v))

    for player in args.players:
        curve(player, args, keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
