"""Accuracy on players the base model never saw: Maia-1, kibitz base and kibitz personal, side by side.

For each held-out player (training/splits.py) the games are sorted by date: the newest 10% are
the test set, the rest the player's history. On the test games (the player's moves only, forced
moves skipped, all plies) this scores, through onnxruntime exactly as the app runs them:

- maia*: Maia-1's best band chosen on the test games themselves (an oracle: it sees the answers);
- base: the bundled base adapter over the band the player's history chooses (as the app does);
- personal: a personal model fine-tuned on the history exactly as retraining does it (the adapter
  and the player's own book, early stopping, strength and install decision on the history's newest
  10%); where that decision keeps the base, the personal figures are the base's;
- baselines: uniform over the legal moves, and the player's own most frequent move there;
- maia3: Maia-3 5M alone, at the rating fitted on the newest moves of the player's history
  (opponents at their recorded ratings), and maia3+book: Maia-3 blended with the player's own move
  counts from the history, ``k`` fitted on the history's newest 10% (the validation games) with the
  book of the games before them. Maia-3 costs ~25x Maia-1 per position, so these run on bounded
  samples (the first ``--maia3-test-positions`` of the test games, whole games; printed) and the
  Maia-1 oracle is printed again on that same sample (maia1* same).

    python bench/accuracy_bench.py [--corpus cache/corpus-all.npz] [--players NAME ...] [--json OUT]

Goals (issue 8): base >= maia* - 0.5 points on every player; personal >= maia* + 3 points with
1,000+ training games, + 1 with 300-1,000, and never below base - 0.3.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from kibitz.engine.models import base_model_dir
from kibitz.engine.predictor import open_model
from kibitz.training.corpus import Corpus, build_corpus
from kibitz.engine.models import load_model_info
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.book import blend, fit_strength
from kibitz.engine.maia3 import Maia3Session, Plies, own_moves
from kibitz.engine.maia3_rating import fit_rating
from kibitz.engine.priors import BANDS
from kibitz.engine.store import name_key
from kibitz.engine.scoring import Score, choose_band, prior_plies, rank_hits
from kibitz.training.evaluate import evaluate_games, move_frequencies, scored_games
from kibitz.training.personal import finetune
from kibitz.training.player_games import player_games_in
from kibitz.training.progress import Reporter
from kibitz.engine.player_games import date_key
from kibitz.training.splits import HELD_OUT_PLAYERS, time_split

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load_corpus(path: Path | None) -> Corpus:
    if path and path.exists():
        return Corpus.load(path)
    files = sorted((DATA / "online").glob("*.pgn.xz")) + [DATA / "masters.pgn.xz"]
    corpus = build_corpus(files, workers=2)
    if path:
        corpus.save(path)
    return corpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("cache/corpus-all.npz"))
    parser.add_argument("--players", nargs="*", default=list(HELD_OUT_PLAYERS))
    parser.add_argument("--no-personal", action="store_true")
    parser.add_argument("--model", type=Path, help="base model folder (default: the bundled one)")
    parser.add_argument("--split", choices=["test", "validation"], default="test",
                        help="score on the newest 10%% (test) or the 10%% before them (validation, "
                             "for choosing between models without touching the test games)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-maia3", action="store_true", help="skip the Maia-3 columns (minutes per player)")
    parser.add_argument("--maia3-test-positions", type=int, default=3000,
                        help="Maia-3 scores the test games' first N positions (whole games)")
    parser.add_argument("--maia3-fit-positions", type=int, default=300, help="moves the rating is fitted on")
    parser.add_argument("--maia3-k-positions", type=int, default=1500,
                        help="validation positions the book's k is fitted on (the newest ones)")
    args = parser.parse_args()
    corpus = load_corpus(args.corpus)
    base_folder = args.model or base_model_dir()
    base = AdapterSession(load_model_info(base_folder))
    rows = []
    for player in args.players:
        split = time_split(player_games_in(corpus, HELD_OUT_PLAYERS.get(player, (player,))))
        if args.split == "validation":
            history_games, test_games = split.train, split.validation
        else:
            history_games, test_games = [*split.train, *split.validation], split.test
        history = [(g, c) for g, c, _ in history_games]
        test = [(g, c) for g, c, _ in test_games]
        t = time.monotonic()
        oracle = oracle_prior(test)
        band, _ = choose_band(scored_games(history))  # as the app's retraining chooses it
        base_eval = evaluate_games(base, band, test, history=move_frequencies(history)).as_dict(player)
        row = {"player": player, "train_games": len(split.train), "val_games": len(split.validation),
               "test_games": len(test_games), "split": args.split, "base": base_eval, "band": band,
               "oracle": oracle, "eval_seconds": time.monotonic() - t}
        if not args.no_personal:
            with tempfile.TemporaryDirectory() as tmp:
                result = finetune(history_games, Path(tmp) / "m", Reporter("none"), player=player, base=base_folder)
                info = load_model_info(Path(tmp) / "m")
                personal = evaluate_games(AdapterSession(info), info.band, test).as_dict(player)
            row["personal"] = personal if result.improved else base_eval
            row["finetune"] = {"seconds": result.seconds, "epochs": result.epochs, "installed": result.improved,
                               "book_strength": result.book_strength, "book_nll": result.book_nll,
                               "val_nll": [result.current["nll"], result.candidate["nll"]], "candidate": personal}
        if not args.no_maia3:
            opponents = opponent_ratings(corpus, HELD_OUT_PLAYERS.get(player, (player,)))
            row["maia3"] = maia3_columns(split, time_split(opponents), args)
        rows.append(row)
        print_row(row, header=len(rows) == 1)
        if "maia3" in row:
            print_maia3(row, header=len(rows) == 1)
        sys.stdout.flush()
        if args.json:  # after every player: a long run stopped early keeps what it measured
            args.json.write_text(json.dumps(rows, indent=2))
    return 0


def oracle_prior(test: list) -> dict:
    """Maia-1's best band chosen on the test games themselves (lowest NLL): an oracle no app could
    use, since it looks at the moves it is scored on. Every band is scored in one pass each."""
    scores = {band: Score() for band in BANDS}
    games = scored_games(test)
    for band in BANDS:
        for ply in prior_plies(band, games):
            if len(ply.moves) > 1:
                scores[band].add_ply(ply)
    summaries = {band: score.summary() for band, score in scores.items()}
    best = min(summaries, key=lambda b: (summaries[b]["nll"], abs(b - 1500)))
    return {**summaries[best], "band": best}


def opponent_ratings(corpus: Corpus, names) -> list[float | None]:
    """The opponent's recorded rating in each of the player's games, in ``player_games_in``'s order
    (oldest first; the same stable sort by date), None where the PGN gives none."""
    keys = {name_key(n) for n in names}
    found = []
    for i in range(len(corpus)):
        white, black = name_key(str(corpus.white[i])), name_key(str(corpus.black[i]))
        if white in keys or black in keys:
            elo = int(corpus.black_elo[i] if white in keys else corpus.white_elo[i])
            found.append((date_key(str(corpus.date[i])), elo or None))
    found.sort(key=lambda pair: pair[0])
    return [elo for _, elo in found]


def maia3_columns(split, opponents, args) -> dict:
    """Maia-3 alone and with the player's book on the first test positions (module docstring).
    Only the games each step needs are encoded: the book needs no tokens."""
    t = time.monotonic()
    session = Maia3Session(threads=2)
    history, history_opponents = [*split.train, *split.validation], [*opponents.train, *opponents.validation]
    fit_games = newest(history, history_opponents, args.maia3_fit_positions, oldest_first=False)
    fit = fit_rating(session, plies_of(fit_games), max_positions=args.maia3_fit_positions)
    # k: the book of the games before the validation games, on the newest validation positions.
    k_plies = plies_of(newest(split.validation, opponents.validation, args.maia3_k_positions, oldest_first=False))
    before = own_moves(scored_games([(g, c) for g, c, _ in split.train])).book()
    strength, _ = fit_strength(list(zip(k_plies.probabilities(session, fit.rating), k_plies.book_counts(before),
                                        k_plies.played)))
    test_games = newest(split.test, opponents.test, args.maia3_test_positions, oldest_first=True)
    test = plies_of(test_games)
    book = own_moves(scored_games([(g, c) for g, c, _ in history])).book(strength=strength)
    alone, with_book = Score(), Score()
    for p, counts, played in zip(test.probabilities(session, fit.rating), test.book_counts(book), test.played):
        alone.add(*rank_hits(p, played))
        with_book.add(*rank_hits(blend(p, counts, strength), played))
    # Maia-1's oracle on exactly the games sampled (the whole test set's is in the row already).
    sampled = [(g, c) for (g, c, _), _ in test_games]
    return {"rating": fit.rating, "fit_positions": fit.positions, "fit_nll": fit.nll, "k": strength,
            "k_positions": len(k_plies), "test_games": len(test_games), "alone": alone.summary(),
            "book": with_book.summary(), "oracle_same": oracle_prior(sampled), "seconds": time.monotonic() - t}


def newest(games: list, ratings: list, positions: int, *, oldest_first: bool) -> list:
    """(game, opponent rating) pairs: whole games holding about ``positions`` of the player's moves
    (about half of each game's), taken from the oldest of ``games`` or from the newest; oldest first."""
    pairs = list(zip(games, ratings))
    taken, counted = [], 0
    for pair in (pairs if oldest_first else reversed(pairs)):
        if counted >= positions:
            break
        taken.append(pair)
        counted += len(pair[0][0].moves) // 2
    return taken if oldest_first else taken[::-1]


def plies_of(pairs: list) -> Plies:
    return Plies.of(scored_games([(g, c) for (g, c, _), _ in pairs]), [r for _, r in pairs])


def print_maia3(row: dict, *, header: bool) -> None:
    if header:
        print(f"{'player':<13} {'m3 pos':>6} | {'maia1*':>7} {'band':>4} | {'maia3':>7} {'top3':>6} {'nll':>5} "
              f"{'rating':>6} | {'m3+book':>7} {'top3':>6} {'nll':>5} {'k':>5} | {'s':>5}")
    m = row["maia3"]
    a, b, o = m["alone"], m["book"], m["oracle_same"]
    print(f"{row['player']:<13} {a['positions']:>6} | {o['top1']:7.1%} {o['band']:>4} | {a['top1']:7.1%} "
          f"{a['top3']:6.1%} {a['nll']:5.2f} {m['rating']:>6} | {b['top1']:7.1%} {b['top3']:6.1%} {b['nll']:5.2f} "
          f"{m['k']:5g} | {m['seconds']:5.0f}")
    print(f"  (Maia-3: rating fitted on the newest {m['fit_positions']} moves of the history, k on "
          f"{m['k_positions']} validation positions, scored on the first {m['test_games']} test games; "
          f"maia1* = Maia-1's oracle band on those same games)")


def print_row(row: dict, *, header: bool) -> None:
    if header:
        print(f"{'player':<13} {'test':>5} | {'uniform':>7} {'freq':>7} {'maia*':>7} {'band':>4} | {'base':>7} {'top3':>6} {'nll':>5} "
              f"{'ply11+':>6} {'band':>4} | {'personal':>8} {'top3':>6} {'nll':>5} {'delta':>6} {'inst':>4} {'ft s':>5}")
    b = row["base"]
    u, f = b["baselines"]["uniform"], b["baselines"]["frequency"]
    o = row["oracle"]
    line = (f"{row['player']:<13} {row['test_games']:>5} | {u['top1']:7.1%} {f['top1']:7.1%} {o['top1']:7.1%} "
            f"{o['band']:>4} | {b['top1']:7.1%} "
            f"{b['top3']:6.1%} {b['nll']:5.2f} {b['plies_11_plus']['top1']:6.1%} {row['band']:>4} |")
    if "personal" in row:
        p, ft = row["personal"], row["finetune"]
        line += (f" {p['top1']:8.1%} {p['top3']:6.1%} {p['nll']:5.2f} {100 * (p['top1'] - b['top1']):+6.1f}"
                 f" {'yes' if ft['installed'] else 'no':>4} {ft['seconds']:5.0f}")
    print(line)


if __name__ == "__main__":
    sys.exit(main())
