"""The review window: computed in the background, surprising moves listed, a click shows the move."""

from __future__ import annotations

from typing import Any

import chess
from PySide6.QtCore import QPointF, Qt, QThreadPool

from insight_data import store_with_games
from kibitz.gui.review import ReviewWindow


def test_review_shows_plot_and_surprises_and_jumps_to_a_move(qtbot: Any, store: Any) -> None:
    player = store_with_games(store, 1)
    record = store.games_of_player(player.id)[0]
    pool = QThreadPool()
    window = ReviewWindow(store, pool)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.review_ready, timeout=30000) as ready:
        window.open_game(record.id)
    review = ready.args[0]
    assert window.surprises.count() == 6
    assert "jowen93" in window.summary.text()
    svg = window.chart.svg()
    assert f'data-name="{record.white}"' in svg and f'data-name="{record.black}"' in svg
    # Clicking the third surprising move shows the position before it, with the move played drawn.
    third = review.surprising(6)[2]
    with qtbot.waitSignal(window.move_chosen) as chosen:
        window.surprises.setCurrentRow(2)
    assert chosen.args == [third.ply]
    board = chess.Board()
    for uci in record.moves[: third.ply]:
        board.push_uci(uci)
    assert window.board.pieces() == board.piece_map()
    played = chess.Move.from_uci(record.moves[third.ply])
    assert any(s.orig == played.from_square and s.dest == played.to_square and s.brush.name == "played"
               for s in window.board.shapes())
    assert len(window.board.shapes()) == (1 if third.rank == 1 else 2)
    # A click on the plot picks the nearest move there.
    chart = window.chart.sized_chart()
    target = review.moves[10]
    x, y = chart._px(target.move_number), chart._py(target.probability)
    with qtbot.waitSignal(window.move_chosen) as clicked:
        qtbot.mouseClick(window.chart, Qt.MouseButton.LeftButton, pos=QPointF(x, y).toPoint())
    picked = next(m for m in review.moves if m.ply == clicked.args[0])
    assert abs(picked.move_number - target.move_number) <= 1
    # Left and Right step through the moves.
    before = clicked.args[0]
    with qtbot.waitSignal(window.move_chosen) as stepped:
        qtbot.keyClick(window, Qt.Key.Key_Right)
    assert stepped.args == [before + 1]
    pool.waitForDone(5000)


def test_the_review_reads_through_a_connection_of_its_own(qtbot: Any, store: Any) -> None:
    """The window writes moves through its store; a long review must not share that connection."""
    from kibitz.engine.store import Store

    player = store_with_games(store, 1)
    record = store.games_of_player(player.id)[0]
    opened: list[Store] = []

    def open_store() -> Store:
        opened.append(Store.open(store.home))
        return opened[-1]

    window = ReviewWindow(store, QThreadPool(), open_store=open_store)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.review_ready, timeout=30000) as ready:
        window.open_game(record.id)
    assert len(opened) == 1 and opened[0] is not store
    assert len(ready.args[0].moves) == len(record.moves)
