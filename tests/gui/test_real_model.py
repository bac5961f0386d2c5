"""The window with the real predictor and the bundled base model (no fakes): arrows and status."""

from __future__ import annotations

from typing import Any

import chess

from conftest import wait_predictions
from gui_helpers import ScriptedDialogs, click_move
from kibitz.engine.predictor import NullPredictor
from kibitz.engine.store import Store
from kibitz.gui.dialogs import NewGameChoice
from kibitz.gui.overlay import MAX_ARROWS
from kibitz.gui.play.predictions import Follower, default_predictor_factory, load_predictors

# Replies to 1.e4 that people actually play; a base model ranking anything else first is broken.
COMMON_REPLIES = {"c5", "e5", "e6", "c6", "d5", "d6", "g6", "Nf6", "Nc6"}


def test_base_model_draws_arrows_for_blacks_moves_after_e4(qtbot: Any, make_window: Any) -> None:
    window = make_window(predictor_factory=default_predictor_factory)  # the app's own
    window.startup()
    wait_predictions(qtbot, window)
    # Neither Alice nor Bob has a starting rating: both at the default, each the other's opponent.
    panel = window.play.prediction_panel
    assert panel.status.text() == "Maia-3 at 1,500 vs 1,500"
    assert panel.ratings.text() == ("Alice 1,500: the default, no starting rating given\n"
                                    "Bob 1,500: the default, no starting rating given")
    with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
        click_move(qtbot, window.play.board, "e2e4")
    wait_predictions(qtbot, window)

    board = window.play.session.board
    assert board.turn == chess.BLACK
    legal = {(m.from_square, m.to_square) for m in board.legal_moves}
    shapes = window.play.board.shapes()
    assert 1 <= len(shapes) <= MAX_ARROWS
    assert all((s.orig, s.dest) in legal for s in shapes)
    assert shapes[0].brush.opacity >= 0.6 and all(s.label.endswith("%") for s in shapes)

    predictions = list(window.predictions.predictions())
    assert len(predictions) == 5 and all(p.move in board.legal_moves for p in predictions)
    assert (shapes[0].orig, shapes[0].dest) == (predictions[0].move.from_square, predictions[0].move.to_square)
    assert predictions[0].san in COMMON_REPLIES
    rows = window.play.prediction_panel.texts()
    assert [row.split()[0] for row in rows] == [p.san for p in predictions]
    assert "Likely moves for Bob" in window.play.prediction_panel.title.text()
    assert window.play.prediction_panel.status.text().startswith("Maia-3 at 1,500 vs 1,500")
    assert window.play.prediction_panel.ratings.text().startswith("Bob 1,500: ")

    before = window.play.board.paint_count
    window.play.board.repaint()  # the real shapes paint
    assert window.play.board.paint_count > before


def test_a_new_game_between_two_levels_reads_each_at_theirs_against_the_other(
        qtbot: Any, make_window: Any, store: Any, dialogs: ScriptedDialogs) -> None:
    """Ann (1200) against Ben (1800): each side's predictions run the prior at the mover's rating
    against the other's, and the panel says both ratings and where they came from."""
    window = make_window(predictor_factory=default_predictor_factory)
    dialogs.new_game_choice = NewGameChoice("Ann", "Ben", None, 1200, 1800)
    assert window.play.new_game()
    wait_predictions(qtbot, window)
    panel = window.play.prediction_panel
    assert panel.status.text() == "Maia-3 at 1,200 vs 1,800"
    assert panel.ratings.text() == "Ann 1,200: their starting rating\nBen 1,800: their starting rating"
    assert panel.ratings.shown_lines() == panel.ratings.text().split("\n")  # both whole at 900x640
    for uci in ("e2e4", "c7c5", "g1f3"):
        with qtbot.waitSignal(window.play.session.move_played, timeout=2000):
            click_move(qtbot, window.play.board, uci)
        wait_predictions(qtbot, window)
    assert window.play.board.shapes() and len(window.predictions.predictions()) == 5  # Ben's arrows
    assert panel.status.text() == "Maia-3 at 1,800 vs 1,200"
    assert panel.ratings.text() == "Ben 1,800: their starting rating\nAnn 1,200: their starting rating"
    # Paired: both predictors ask the prior at the same (White, Black) ratings, so one run serves both.
    follower = window.predictions._follower
    ann, ben = (follower.predictors[c].predictor for c in (chess.WHITE, chess.BLACK))
    assert ann.ratings == ben.ratings == {chess.WHITE: 1200, chess.BLACK: 1800}


def test_both_colours_predict_when_one_side_has_no_player_or_no_model(store: Any) -> None:
    """No player on one side: the base adapter at the default rating, paired with the other; a
    factory that gives one side no model (a NullPredictor) leaves the other predicting, unpaired."""
    ann = store.add_player("Ann")
    store.set_player_level(ann.id, 1200)
    ann = store.player(ann.id)
    opened = load_predictors(default_predictor_factory, {chess.WHITE: ann, chess.BLACK: None},
                             lambda: Store.open(store.home))
    board = chess.Board()
    board.push_san("e4")
    for colour, predictor in opened.predictors.items():
        predictor.reset(board)
    assert opened.predictors[chess.BLACK].top_moves(3) and opened.predictors[chess.BLACK].status.description == \
        "Maia-3 at 1,500 vs 1,200"
    assert opened.origins == {chess.WHITE: "their starting rating", chess.BLACK: "the default, not a player here"}
    follower = Follower(opened.predictors, {chess.WHITE: ann, chess.BLACK: None}, opened.origins,
                        {chess.WHITE: "Ann", chess.BLACK: "connales21"})  # the names in the game's record
    assert follower.descriptions()[chess.BLACK] == ("Maia-3 at 1,500 vs 1,200\n"
                                                    "connales21 1,500: the default, not a player here\n"
                                                    "Ann 1,200: their starting rating")

    def no_model_for_black(player: Any, store: Any) -> Any:
        return default_predictor_factory(player, store) if player is not None else NullPredictor("no model here")

    opened = load_predictors(no_model_for_black, {chess.WHITE: ann, chess.BLACK: None},
                             lambda: Store.open(store.home))
    white = opened.predictors[chess.WHITE]
    white.reset(chess.Board())
    assert white.top_moves(3) and white.status.description == "Maia-3 at 1,200"  # nobody to play against
    assert opened.predictors[chess.BLACK].top_moves(3) == [] and opened.origins[chess.BLACK] == ""
