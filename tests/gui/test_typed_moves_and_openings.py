"""Typing moves (SAN or UCI, completed from the legal ones), the opening's name wherever a game is
shown, and Escape closing the review window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chess
from PySide6.QtCore import Qt

from conftest import wait_predictions
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.gui.play.move_entry import legal_names, typed_move

DATA = Path(__file__).resolve().parents[1] / "data"


def type_move(qtbot: Any, window: Any, text: str) -> None:
    entry = window.play.move_entry
    entry.setFocus()
    entry.clear()
    qtbot.keyClicks(entry, text)
    qtbot.keyClick(entry, Qt.Key.Key_Return)


def test_typed_moves_in_san_and_uci_are_played_and_the_opening_is_named(qtbot: Any, make_window: Any,
                                                                        store: Any) -> None:
    window = make_window()
    window.startup()
    wait_predictions(qtbot, window)
    for text in ("e4", "c7c5", "nf3", "d6"):
        with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
            type_move(qtbot, window, text)
    assert window.play.session.sans == ["e4", "c5", "Nf3", "d6"]
    assert store.game(window.play.session.game_id).moves == ("e2e4", "c7c5", "g1f3", "d7d6")
    assert window.play.move_entry.text() == ""
    assert window.play.view.opening_label.text() == "B50 Sicilian Defense: Modern Variations"
    window.play.show_ply(2)  # walking back names the position shown
    assert window.play.view.opening_label.text() == "B20 Sicilian Defense"
    window.play.show_ply(None)

    type_move(qtbot, window, "Qh6")  # illegal: nothing is played, and the status bar says why
    assert window.play.session.ply == 4
    assert "not a legal move" in window.statusBar().currentMessage()
    assert window.play.move_entry.text() == "Qh6"  # left to correct

    # The completion offers the legal moves of the position (SAN and UCI).
    window.play.move_entry.clear()
    window.play.move_entry.setFocus()
    qtbot.keyClicks(window.play.move_entry, "Nc")
    completer = window.play.move_entry.completer()
    shown = [completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())]
    assert shown == ["Nc3"]


def test_completion_and_parsing_of_typed_moves() -> None:
    board = chess.Board("8/4P1k1/8/8/8/8/1p4K1/8 w - - 0 1")
    assert typed_move(board, "e7e8q") == chess.Move.from_uci("e7e8q")
    assert typed_move(board, "e8=N") == chess.Move.from_uci("e7e8n")
    assert typed_move(board, "e8") is None  # a promotion needs its piece
    board.turn = chess.BLACK
    assert typed_move(board, "b1q") == chess.Move.from_uci("b2b1q")
    start = chess.Board()
    assert typed_move(start, "  Nf3 ") == typed_move(start, "nf3") == typed_move(start, "g1f3")
    assert typed_move(start, "e5") is None and typed_move(start, "") is None and typed_move(start, "xyz") is None
    both = chess.Board("7k/8/8/8/8/2n5/1P6/4B2K w - - 0 1")  # the b-pawn and the bishop can both take on c3
    assert typed_move(both, "bxc3") == chess.Move.from_uci("b2c3")  # lower case b: the pawn, as SAN says
    assert typed_move(both, "Bxc3") == chess.Move.from_uci("e1c3")
    names = legal_names(start)
    assert len(names) == 40 and "Nf3" in names and "g1f3" in names


def test_the_games_list_and_the_review_name_the_opening_and_escape_closes_the_review(
        qtbot: Any, make_window: Any, store: Any) -> None:
    games = [g for g in read_games(DATA / "masters-100.pgn.xz") if isinstance(g, PgnGame)][:20]
    store.import_games(games)
    with store.transaction() as db:  # as in a store from before openings were named
        db.execute("UPDATE games SET eco = NULL, opening = NULL")
    window = make_window()
    window.library.reload()
    model = window.library.games_view.table.model()
    column = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())].index("Opening")
    # The rows come first, then the list again with the openings named in the background.
    qtbot.waitUntil(lambda: model.rowCount() == 20 and all(model.index(r, column).data() for r in range(20)),
                    timeout=20000)
    names = {model.game_id(r): model.index(r, column).data() for r in range(model.rowCount())}
    first = store.game_ids()[0]
    expected = store.opening(first)
    assert names[first] == expected.text()
    assert sum(bool(n) for n in names.values()) >= 19
    # The text filter finds games by their opening.
    family = expected.name.split(":")[0]
    window.library.games_view.search.setText(family)
    qtbot.waitUntil(lambda: 0 < model.rowCount() < 20 or model.rowCount() == sum(
        family.casefold() in n.casefold() for n in names.values()), timeout=5000)
    assert all(family.casefold() in model.index(r, column).data().casefold() for r in range(model.rowCount()))

    review = window.insight.review(first)
    qtbot.waitUntil(lambda: "Opening:" in review.summary.text(), timeout=20000)
    assert expected.name in review.summary.text()
    review.activateWindow()
    qtbot.waitExposed(review)
    review.setFocus()
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    assert not review.isVisible()


def test_a_big_store_from_before_names_shows_its_rows_first_and_names_them_in_batches(
        qtbot: Any, make_window: Any, store: Any, monkeypatch: Any) -> None:
    from kibitz.gui.library import feature

    monkeypatch.setattr(feature, "QUICK_NAMING", 5)  # as if 20 games were many thousands
    monkeypatch.setattr(feature, "NAMING_BATCH", 10)
    store.import_games([g for g in read_games(DATA / "masters-100.pgn.xz") if isinstance(g, PgnGame)][:20])
    with store.transaction() as db:
        db.execute("UPDATE games SET eco = NULL, opening = NULL")
    window = make_window()
    model = window.library.model
    named_per_load: list[int] = []
    window.library.games_loaded.connect(
        lambda: named_per_load.append(sum(bool(model.game_row(r).eco) for r in range(model.rowCount()))))
    window.library.reload()
    qtbot.waitUntil(lambda: named_per_load[-1:] == [20], timeout=20000)
    assert named_per_load == [0, 10, 10, 20]  # rows at once, then each batch of names as it is done
