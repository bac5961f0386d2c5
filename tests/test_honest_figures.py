"""The player page and the report show no figure from games the measured model learned from."""

from __future__ import annotations

import json
from pathlib import Path

import chess
import pytest

from insight_data import store_with_games
from kibitz.engine import models
from kibitz.engine.book import OwnMoves, PlayerBook
from kibitz.engine.player_games import game_key
from kibitz.engine.player_profile import player_profile
from kibitz.engine.predictor import AdapterSession
from kibitz.engine.report import render_report
from kibitz.engine.scoring import Score, ScoredGame, compare_models
from kibitz.engine.store import Store


def _scored(store: Store, records: list, player_id: int) -> list[ScoredGame]:
    """The player's side of each game, the opponent at their rating tag (as the player page reads them)."""
    tags = [store.tags(r.id).get("BlackElo" if r.white_id == player_id else "WhiteElo", "") for r in records]
    opponents = [int(tag) if tag.isdigit() else None for tag in tags]
    return [ScoredGame(chess.Board(), [chess.Move.from_uci(u) for u in r.moves],
                       chess.WHITE if r.white_id == player_id else chess.BLACK, opponent)
            for r, opponent in zip(records, opponents)]


def _figures(info: models.ModelInfo, book, games: list[ScoredGame]) -> dict:
    session = AdapterSession(info)
    session.book = book
    score = Score()
    for (ply,) in compare_models([session], 1500, games):
        if len(ply.moves) > 1:
            score.add_ply(ply)
    return score.summary()


@pytest.fixture
def learned_most(kibitz_home: Path) -> tuple[Store, object, list]:
    """Thirty of jowen93's games and a personal model whose adapter learned from the newest 25
    (the base adapter's graph, with a strong book: what it memorised would show at once)."""
    store = Store.open(kibitz_home)
    player = store_with_games(store, 30)
    records = [store.game(i) for i in models.player_game_ids(store, player.id)]
    keys = [game_key(r.fen, r.moves) for r in records]
    folder = models.new_model_version_dir(store.home, player.id)
    base = models.base_model_dir()
    meta = {**json.loads((base / models.META_FILE).read_text(encoding="utf-8")), "kind": "personal",
            "player": player.name, "rating": 1500, "games_trained": 30, "training": {"adapter_games": keys[5:]}}
    book = OwnMoves.of([(chess.Board(), g.moves, g.colour) for g in _scored(store, records, player.id)]).book()
    models.write_model_folder(folder, (base / models.MODEL_FILE).read_bytes(), meta,
                              book=(book.to_bytes(), {"strength": 0.25, "half_life": None}))
    models.record_installed(store, player.id, folder, 30, {"rating": 1500})
    yield store, player, records
    store.close()


def test_the_player_page_measures_a_model_on_games_it_never_learned_from(learned_most) -> None:
    store, player, records = learned_most
    profile = player_profile(store, player)
    (version,) = profile.versions
    assert version.current
    # The five oldest games are the only ones its adapter did not learn from; its book is counted without them.
    assert version.measured_on.startswith("the newest 5 games it did not learn from")
    games = _scored(store, records, player.id)
    info = models.load_model_info(version.folder)
    others = OwnMoves.of([(chess.Board(), g.moves, g.colour) for g in games]).excluding(range(5))
    honest = _figures(info, others.book(strength=0.25), games[:5])
    assert version.newest == pytest.approx(honest)
    # What the page would have said with the book that counted the measured games: far higher.
    memorised = _figures(info, PlayerBook.load(info.book_path, 0.25), games[:5])
    assert memorised["top1"] > honest["top1"] + 0.1
    # Predictability by move number comes from the same games, the served model's view.
    assert sum(n for _, _, n in profile.by_move) == honest["positions"]
    # The report says which games, and shows that figure, not the memorised one.
    html = render_report(profile)
    assert "did not learn from" in html and f"{honest['top1']:.1%}" in html
    assert f"{memorised['top1']:.1%}" not in html
