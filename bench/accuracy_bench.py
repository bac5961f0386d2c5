"""Accuracy on players the base model never saw: Maia-1, kibitz base and kibitz personal, side by side.

For each held-out player (training/splits.py) the games are sorted by date: the newest 10% are
the test set, the rest the player's history. On the test games (the player's moves only, forced
moves skipped, all plies) this scores, through onnxruntime exactly as the app runs them:

- maia*: Maia-1's best band chosen on the test games themselves (an oracle: it sees the answers);
- base: the bundled base adapter over the band the player's history chooses (as the app does);
- personal: a personal model fine-tuned on the history exactly as retraining does it (the adapter
  and the player's own book, early stopping, strength and install decision on the history's newest
  10%); where that decision keeps the base, the personal figures are the base's;
- baselines: uniform over the legal moves, and the player's own most frequent move there.

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
from kibitz.engine.priors import BANDS
from kibitz.engine.scoring import Score, choose_band, prior_plies
from kibitz.training.evaluate import evaluate_games, move_frequencies, scored_games
from kibitz.training.personal import finetune
from kibitz.training.player_games import player_games_in
from kibitz.training.progress import Reporter
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
        rows.append(row)
        print_row(row, header=len(rows) == 1)
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
