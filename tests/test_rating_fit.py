"""A player's rating for the prior: fitted on their own games once they have enough, kept beside
their models, fitted again only when their games have grown by a quarter, and the rating the
background work keeps the prior's outputs at (jowen93's real games, a store made here)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from kibitz.engine import library, models, pgn, ratings
from kibitz.engine.player_games import MIN_RATING_GAMES
from kibitz.engine.predictor import open_predictor
from kibitz.engine.prior_outputs import KeptOutputs, upkeep, wanted_outputs
from kibitz.engine.store import Store

DATA = Path(__file__).parent / "data"


@pytest.fixture
def jowen(kibitz_home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(ratings, "SAMPLE_POSITIONS", 40)  # a fit on 40 moves: seconds, not a minute
    games = [g for g in pgn.read_games(DATA / "jowen93-200.pgn.xz") if isinstance(g, pgn.PgnGame)]
    store = Store.open(kibitz_home)
    player = store.add_player("jowen93")
    yield store, player, iter(games)
    store.close()


def test_the_rating_is_fitted_once_there_are_games_and_again_only_when_they_have_grown(jowen) -> None:
    store, player, games = jowen
    store.set_player_level(player.id, 1000)
    store.import_games(itertools.islice(games, MIN_RATING_GAMES - 1))
    assert ratings.fit_player_rating(store, player.id) is None  # too few: the level serves
    assert models.player_rating(store, store.player(player.id)) == 1000
    store.import_games(itertools.islice(games, 3))  # 12 games
    fit = ratings.fit_player_rating(store, player.id)
    assert fit is not None and fit.nll[fit.rating] == min(fit.nll.values()) and fit.positions == 40
    kept = models.rating_fit(store, player.id)
    assert kept == models.RatingFit(fit.rating, 12, "games")
    assert models.player_rating(store, store.player(player.id)) == fit.rating  # the games, not the level
    assert open_predictor(store.player(player.id), store).status.rating == fit.rating  # and it is served
    assert library.rating_origin(store, store.player(player.id), fit.rating) == library.FITTED
    store.import_games(itertools.islice(games, 2))  # 14 games: less than a quarter more
    assert ratings.fit_player_rating(store, player.id) is None
    store.import_games(itertools.islice(games, 1))  # 15 games = 12 x 1.25: fitted again
    assert ratings.fit_player_rating(store, player.id) is not None
    assert models.rating_fit(store, player.id).games == 15


def test_a_damaged_rating_file_is_fitted_again(jowen) -> None:
    store, player, games = jowen
    store.import_games(itertools.islice(games, 12))
    folder = models.player_model_dir(store.home, player.id)
    folder.mkdir(parents=True)
    (folder / models.RATING_FILE).write_text('{"rating": "strong", "games": 12, "fitted_by": "games"}')
    assert models.rating_fit(store, player.id) is None
    assert models.player_rating(store, store.player(player.id)) == 1500  # no level: the default
    assert ratings.fit_player_rating(store, player.id) is not None


def test_the_background_work_fits_the_rating_before_it_keeps_the_outputs(jowen) -> None:
    """Outputs are kept at the rating the games chose, so a retrain finds them: not at the level
    first and again at the fitted rating."""
    store, player, games = jowen
    store.set_player_level(player.id, 2900)  # far from jowen93's play: the fit moves it
    store.import_games(itertools.islice(games, 12))
    assert upkeep(store, [player.id]) == 12
    rating = models.player_rating(store, store.player(player.id))
    assert rating != 2900 and models.rating_fit(store, player.id).fitted_by == "games"
    wanted = wanted_outputs(store, [player.id])
    assert all(rating in (white, black) for _, white, black in wanted)
    assert KeptOutputs(store).missing(wanted) == []
