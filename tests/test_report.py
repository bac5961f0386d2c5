"""`kibitz-train report`: the HTML holds the right figures for a small store made here (no torch needed)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import chess
import pytest

from insight_data import PLAYER, add_model_versions, store_with_games
from kibitz.engine.guess import Guess, record_guess
from kibitz.engine.player_profile import player_profile, revert_model
from kibitz.engine.store import Store
from kibitz.training.cli import main


def _svg(html: str, figure: str) -> ET.Element:
    match = re.search(rf'<figure id="{figure}">(.*?)</figure>', html, re.S)
    assert match, f"no figure {figure}"
    return ET.fromstring(match.group(1))


def _points(svg: ET.Element, series: str) -> list[tuple[float, float]]:
    ns = "{http://www.w3.org/2000/svg}"
    for group in svg.iter(f"{ns}g"):
        if group.get("data-name") == series:
            return [(float(c.get("data-x")), float(c.get("data-y"))) for c in group if c.get("data-y") is not None]
    raise AssertionError(f"no series {series!r}")


@pytest.fixture
def small_store(kibitz_home: Path) -> Path:
    """Twelve of jowen93's games and two model versions."""
    with Store.open(kibitz_home) as store:
        add_model_versions(store, store_with_games(store, 12))
    return kibitz_home


def test_report_holds_the_profile_figures(small_store: Path, tmp_path: Path, capsys) -> None:
    with Store.open(small_store) as store:  # one guess at an opponent's move, who is a player too
        player = store.find_player(PLAYER)
        game = store.games_of_player(player.id)[0]
        opponent = store.add_player(game.black if game.white_id == player.id else game.white)
        mover_ply = 1 if game.white_id == player.id else 0
        record_guess(store, Guess(game.id, mover_ply, player.id, "a2a3", "", game.moves[mover_ply]))
    out = tmp_path / "report.html"
    assert main(["--home", str(small_store), "report", "--player", PLAYER, "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched
    with Store.open(small_store) as store:
        profile = player_profile(store, store.find_player(PLAYER))
    # Results by colour, as the store has them.
    assert f"<td>White</td><td>{profile.results[chess.WHITE].games}</td>" in html
    assert profile.results[chess.WHITE].games + profile.results[chess.BLACK].games == 12
    # Predictability by move number: one point per move number, the profile's values.
    points = _points(_svg(html, "predictability"), "probability of the move played")
    assert [x for x, _ in points] == [n for n, _, _ in profile.by_move]
    assert [y for _, y in points] == pytest.approx([p for _, p, _ in profile.by_move], abs=1e-3)  # 4 digits
    # Model history: two versions, the same adapter, so the same top-1 on the newest games; the
    # second was not installed, so the first is served.
    assert len(profile.versions) == 2 and [v.current for v in profile.versions] == [True, False]
    accuracy = _points(_svg(html, "accuracy"), "model top-1")
    assert [x for x, _ in accuracy] == [1, 2] and accuracy[0][1] == accuracy[1][1]
    assert accuracy[0][1] == pytest.approx(profile.versions[0].newest["top1"], abs=1e-3)
    assert "not installed" in html and "served now" in html
    # Each version's rating, and the served model's words say the player's rating and its source.
    assert html.count("<td>1500</td>") >= 2 and "<th>rating</th>" in html
    assert "Served model: Maia-3 at 1,500" in html and "(rating 1,500: fitted on their games)" in html
    # The opening tree: the player's first moves as White, with counts.
    first = profile.openings[chess.WHITE].children
    assert first and f'data-san="{first[0].san}" data-games="{first[0].games}"' in html
    assert first[0].rare and f'<li class=rare data-games="{first[0].rare}">{first[0].rare_text()}</li>' in html
    assert _svg(html, "phases") is not None
    assert f"<tr><td>{opponent.name}</td><td>1</td><td>0</td><td>0</td></tr>" in html  # guess the move


def test_revert_serves_an_earlier_version(small_store: Path) -> None:
    with Store.open(small_store) as store:
        player = store.find_player(PLAYER)
        folders = [v.folder for v in player_profile(store, player).versions]
        revert_model(store, player, folders[1])
        assert store.latest_model(player.id).path == folders[1]
        assert store.latest_model(player.id).meta["installed"] is True
        assert [v.current for v in player_profile(store, player).versions] == [False, True]


def test_report_for_an_unknown_player_fails_cleanly(small_store: Path, tmp_path: Path) -> None:
    assert main(["--home", str(small_store), "report", "--player", "nobody", "--out", str(tmp_path / "x.html")]) == 2
