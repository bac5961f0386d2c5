"""Accuracy on players kibitz never saw: Maia-1's oracle, Maia-3 alone, kibitz base and personal,
Maia-3 + the player's book, side by side.

Each player's games are sorted by date and split (training/splits.py): the newest ~10% are the
test set, the ~10% before them validation, the rest train; "history" = train + validation (the
player's older games). On the first ``--test-positions`` of the player's moves in the test games
(whole games, oldest first; Maia-3 costs ~5-9 ms a position on 2 cores, so the sample is bounded
and printed) this scores, the player's moves only, forced moves skipped, every ply:

- maia1*: Maia-1's band with the lowest NLL on those test moves themselves (an oracle: it sees the
  answers; torch, from ``../shared/maia``);
- maia3: Maia-3 alone, the player at the rating fitted on the newest moves of the history
  (:func:`kibitz.engine.ratings.choose_rating`, as the app fits it), each opponent at the rating
  the PGN records;
- base: the bundled base adapter over Maia-3 at that rating (today the untrained identity adapter,
  so it equals maia3);
- personal: ``kibitz.training.personal.finetune`` on the history, exactly as retraining runs it
  (its own rating fit, judged split, book and install decision), served at its own rating with its
  book; where the decision keeps the base, the personal figures are the base's ("inst" says which);
- m3+book: Maia-3 at the fitted rating blended with the player's own move counts over the history,
  ``(k p + counts) / (k + total)``, ``k`` fitted on the validation games' newest
  ``--k-positions`` moves with the counts of the train games.

    nice -n 10 python bench/accuracy_bench.py [--players jowen93 ...] [--test-positions 1000]
        [--no-personal] [--no-maia1] [--corpus cache/corpus-all.npz] [--json OUT]

Goals (issue 17): base >= maia3 - 0.3 points on every player; personal >= maia3 + 3 points with
1,000+ training games, + 1.5 with 50-999, never below base.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from common import (DATA, MAIA1, book_of, fit_book_strength, fitted_rating, first_games, load_note, maia3_columns,
                    player_games, scored)
from kibitz.engine.models import base_model_dir, load_model_info
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.ratings import SAMPLE_POSITIONS
from kibitz.training.corpus import Corpus, build_corpus
from kibitz.training.personal import finetune
from kibitz.training.progress import Reporter
from kibitz.training.splits import HELD_OUT_PLAYERS, time_split


def load_corpus(path: Path) -> Corpus:
    """Every game of ``data/`` (read once, then kept at ``path``): a player found in any file."""
    if path.exists():
        return Corpus.load(path)
    corpus = build_corpus(sorted((DATA / "online").glob("*.pgn.xz")) + [DATA / "masters.pgn.xz"], workers=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    corpus.save(path)
    return corpus


def measure(player: str, games: list, args: argparse.Namespace, base_folder: Path) -> dict:
    split = time_split(games)
    history = [*split.train, *split.validation]
    test_games = first_games(split.test, args.test_positions)
    test = scored(test_games)
    row: dict = {"player": player, "history_games": len(history), "train_games": len(split.train),
                 "validation_games": len(split.validation), "test_games": len(split.test),
                 "scored_test_games": len(test_games)}
    t = time.monotonic()
    if not args.no_maia1:
        from kibitz.training.maia1.oracle import oracle

        row["maia1_oracle"] = oracle(test, MAIA1)
    fit = fitted_rating(history, args.rating_positions)
    assert fit is not None, f"{player} has no older games"
    k, k_positions = fit_book_strength(fit.rating, split.train, split.validation, args.k_positions)
    row.update(rating=fit.rating, rating_positions=fit.positions, rating_nll=fit.nll, k=k, k_positions=k_positions)
    columns = maia3_columns(fit.rating, test, books={"m3+book": book_of(history, k)},
                            adapters={"base": AdapterSession(load_model_info(base_folder))})
    row.update(maia3=columns["Maia-3"], base=columns["base"], book=columns["m3+book"])
    row["seconds_scoring"] = round(time.monotonic() - t)
    if not args.no_personal:
        with tempfile.TemporaryDirectory() as tmp:
            result = finetune(history, Path(tmp) / "m", Reporter("none"), player=player, base=base_folder)
            info = load_model_info(Path(tmp) / "m")
            candidate = maia3_columns(info.rating or fit.rating, test, adapters={"personal": AdapterSession(info)})
        row["personal"] = candidate["personal"] if result.improved else row["base"]
        row["finetune"] = {"seconds": round(result.seconds), "installed": result.improved, "rating": result.rating,
                           "epochs": result.epochs, "train_games": result.train_games, "judged_games": result.val_games,
                           "book_strength": result.book_strength, "judged": [result.current, result.candidate],
                           "candidate_on_test": candidate["personal"]}
    return row


HEADER = (f"{'player':<13} {'older':>5} {'test':>4} {'moves':>5} | {'maia1*':>6} {'band':>4} | {'maia3':>6} "
          f"{'rating':>6} | {'base':>6} {'-m3':>5} | {'personal':>8} {'-m3':>5} {'inst':>4} {'ft s':>5} | "
          f"{'m3+book':>7} {'k':>4} {'-m3':>5}")


def print_row(row: dict) -> None:
    m3 = row["maia3"]["top1"]

    def delta(figures: dict) -> str:
        return f"{100 * (figures['top1'] - m3):+5.1f}"

    oracle = row.get("maia1_oracle")
    maia1 = f"{oracle['top1']:6.1%} {oracle['band']:>4}" if oracle else f"{'-':>6} {'-':>4}"
    personal = f"{'-':>8} {'-':>5} {'-':>4} {'-':>5}"
    if "personal" in row:
        ft = row["finetune"]
        personal = (f"{row['personal']['top1']:8.1%} {delta(row['personal'])} {'yes' if ft['installed'] else 'no':>4} "
                    f"{ft['seconds']:5}")
    print(f"{row['player']:<13} {row['history_games']:>5} {row['scored_test_games']:>4} "
          f"{row['maia3']['positions']:>5} | {maia1} | {m3:6.1%} {row['rating']:>6} | {row['base']['top1']:6.1%} "
          f"{delta(row['base'])} | {personal} | {row['book']['top1']:7.1%} {row['k']:4g} {delta(row['book'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", nargs="*", default=list(HELD_OUT_PLAYERS))
    parser.add_argument("--test-positions", type=int, default=1000,
                        help="the player's moves scored: the first N of the test games, whole games (0: all)")
    parser.add_argument("--k-positions", type=int, default=1000, help="validation moves the book's k is fitted on")
    parser.add_argument("--no-personal", action="store_true", help="skip the fine-tune (minutes per player)")
    parser.add_argument("--no-maia1", action="store_true", help="skip Maia-1's oracle (needs torch)")
    parser.add_argument("--model", type=Path, help="base model folder (default: the bundled one)")
    parser.add_argument("--corpus", type=Path, help="every game of data/, read once and kept here (default: "
                        "each player's own file, masters.pgn.xz for masters)")
    parser.add_argument("--rating-positions", type=int, default=SAMPLE_POSITIONS,
                        help="newest older moves the rating is fitted on (default: the app's bound)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    corpus = load_corpus(args.corpus) if args.corpus else None
    base_folder = args.model or base_model_dir()
    print(f"players never seen by the base adapter; test = the first {args.test_positions or 'all'} of the player's "
          f"moves in their newest ~10% of games (whole games); {load_note()}")
    print(HEADER)
    rows = []
    for player in args.players:
        rows.append(measure(player, player_games(player, corpus), args, base_folder))
        print_row(rows[-1])
        sys.stdout.flush()
        if args.json:  # after every player: a long run stopped early keeps what it measured
            args.json.write_text(json.dumps(rows, indent=1, default=str))
    print("maia1* = Maia-1's band with the lowest NLL on the same test moves (an oracle); maia3 = Maia-3 alone at "
          "the rating fitted on the older games' newest moves; -m3 = points above maia3; inst = the personal "
          "model was installed by retraining's own judgement (else personal = base)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
