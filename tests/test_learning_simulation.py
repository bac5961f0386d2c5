"""The learning loop over a real player's games in time order: play a batch, learn, repeat.

jowen93's games (tests/data) arrive ten at a time, in date order. Before each batch is played, the
model the app serves at that moment - its adapter and the live book counting every game so far -
is scored on the batch (prequential: the batch is news to it); after it, the loop does what the
app does after games (the book counts them; the network retrains when due, installed only if
better on games neither model learned from). The loop must install improvements more than once,
and over the last third of the games the served model must predict at least as well as the first
personal model would have, had it stayed (same games, same live book).
"""

from __future__ import annotations

from pathlib import Path

import chess
import pytest

from kibitz.engine import models, pgn, ratings
from kibitz.engine.player_games import date_key
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.scoring import Score, ScoredGame, compare_models
from kibitz.engine.store import Store

torch = pytest.importorskip("torch")

from kibitz.training import personal  # noqa: E402
from kibitz.training.train import TrainSettings  # noqa: E402

DATA = Path(__file__).parent / "data"
PLAYER = "jowen93"
BATCH = 10
GAMES = 90
QUICK = TrainSettings(lr=3e-4, games_per_batch=16, max_epochs=2.0, evals_per_epoch=2, patience=2, threads=1)


def _scored(batch: list[pgn.PgnGame]) -> list[ScoredGame]:
    games = []
    for game in batch:
        colour = chess.WHITE if game.headers.get("White") == PLAYER else chess.BLACK
        start = chess.Board(game.fen) if game.fen else chess.Board()
        games.append(ScoredGame(start, [chess.Move.from_uci(u) for u in game.moves], colour))
    return games


def _top1(store: Store, player, info: models.ModelInfo, rating: int, games: list[ScoredGame]) -> Score:
    """``info``'s adapter with the player's live book (every stored game), as the app serves it."""
    session = AdapterSession(info)
    session.book = models.served_book(store, player, info)
    score = Score()
    for (ply,) in compare_models([session], rating, games):
        if len(ply.moves) > 1:
            score.add_ply(ply)
    return score


@pytest.mark.slow
def test_the_loop_keeps_installing_what_it_learns(kibitz_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratings, "SAMPLE_POSITIONS", 200)
    games = sorted((g for g in pgn.read_games(DATA / "jowen93-200.pgn.xz") if isinstance(g, pgn.PgnGame)),
                   key=lambda g: date_key(g.headers.get("Date")))[:GAMES]
    batches = [games[i : i + BATCH] for i in range(0, len(games), BATCH)]
    served_scores: list[Score] = []
    first_scores: list[Score] = []
    installs: list[Path] = []
    first: models.ModelInfo | None = None
    with Store.open(kibitz_home) as store:
        player = store.add_player(PLAYER)
        for number, batch in enumerate(batches):
            if number:  # prequential: what serves now, on games it has not seen
                served = models.served_model(store, player)
                served_scores.append(_top1(store, player, served.info, served.rating, _scored(batch)))
                first_scores.append(_top1(store, player, first, first.rating, _scored(batch)) if first else Score())
            store.import_games(batch)
            if number == len(batches) - 1:
                break  # nothing follows to be scored on
            assert personal.retrain_changed(kibitz_home, None, progress="none", settings=QUICK) == 0
            record = models.installed_record(store, player.id)
            if record is not None and record.path not in installs:
                installs.append(record.path)
                first = first or models.load_model_info(record.path)
    assert len(installs) >= 2, f"the loop installed {len(installs)} model(s)"
    late = slice(len(served_scores) - len(served_scores) // 3, None)
    moves = sum(s.positions for s in served_scores[late])
    served_hits, first_hits = (sum(s.top1 for s in scores[late]) for scores in (served_scores, first_scores))
    assert moves > 500 and moves == sum(s.positions for s in first_scores[late])
    print(f"last third: served {served_hits / moves:.1%}, first personal model {first_hits / moves:.1%} "
          f"on {moves} moves; {len(installs)} installs")
    assert served_hits >= first_hits
