"""The prior's outputs are kept in the background after a game ends here and after an import, on a
thread and store connection of their own, and closing the window stops that work."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from gui_helpers import ScriptedDialogs, drag_move
from kibitz.engine import pgn
from kibitz.engine.prior_outputs import KeptOutputs, wanted_outputs

DATA = Path(__file__).parents[1] / "data"


def _real_games(count: int) -> list[pgn.PgnGame]:
    games = (g for g in pgn.read_games(DATA / "jowen93-200.pgn.xz") if isinstance(g, pgn.PgnGame))
    return list(itertools.islice(games, count))


def test_a_finished_game_is_run_through_the_prior_and_kept(qtbot: Any, make_window: Any, store: Any,
                                                           dialogs: ScriptedDialogs) -> None:
    window = make_window()
    window.startup()
    session = window.play.session
    for uci in ("e2e4", "e7e5", "g1f3"):
        with qtbot.waitSignal(session.move_played, timeout=2000):
            drag_move(window.play.board, uci)
    dialogs.confirm_answer = True
    with qtbot.waitSignal(window.upkeep.kept, timeout=60000) as kept:
        window.play.resign()
    assert kept.args == [1]  # the one game the two players have
    alice = store.find_player("Alice")
    (game_id, white, black), = wanted_outputs(store, [alice.id])
    assert game_id == session.game_id
    outputs = KeptOutputs(store).get(game_id, white, black)
    assert outputs is not None and outputs.plies == 3
    assert list(outputs.legal_counts) == [20, 20, 29]  # legal moves at the start, after e4, after e4 e5


def test_an_import_keeps_the_outputs_of_the_players_games(qtbot: Any, make_window: Any, store: Any) -> None:
    window = make_window()
    bob = store.add_player("Bob")
    store.add_alias(bob.id, "jowen93")
    text = "\n\n".join(game_text for game_text in _pgn_texts(2))
    with qtbot.waitSignal(window.upkeep.kept, timeout=60000) as kept:
        window.importing.paste(text)
    assert kept.args == [2]
    wanted = wanted_outputs(store, [bob.id])
    assert len(wanted) == 2
    assert all(KeptOutputs(store).get(*key) is not None for key in wanted)


def test_closing_the_window_stops_the_upkeep_and_keeps_what_it_did(qtbot: Any, make_window: Any, store: Any) -> None:
    window = make_window()
    store.import_games(_real_games(40))
    bob = store.add_player("Bob")
    store.add_alias(bob.id, "jowen93")
    window.upkeep.request([bob.id])
    window.shutdown()  # cancels: the running batch of a few games ends, the rest is not started
    assert window.upkeep.idle
    kept, _ = KeptOutputs(store).stats()
    assert kept < 40
    window.upkeep.request([bob.id])  # a closed window takes no more work
    assert window.upkeep.idle


def _pgn_texts(count: int) -> list[str]:
    """The first ``count`` games of the file as PGN text, as a user would paste them."""
    import lzma

    text = lzma.open(DATA / "jowen93-200.pgn.xz", "rt", encoding="utf-8").read()
    games = text.split("\n\n[Event ")
    return [games[0]] + ["[Event " + g for g in games[1:count]]
