"""Names are data (never HTML); the GUI never pulls in torch or the training package."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from gui_helpers import ScriptedDialogs
from kibitz.gui.dialogs import NewGameChoice, NewGameDialog

HTML_NAME = "<b>x</b>"


def test_html_like_names_show_as_plain_text(qtbot: Any, make_window: Any, dialogs: ScriptedDialogs) -> None:
    dialogs.new_game_choice = NewGameChoice(HTML_NAME, "<i>y</i>", "<h1>Club</h1>")
    window = make_window()
    window.startup()
    labels = [w for w in window.findChildren(QLabel) if HTML_NAME in w.text()]
    assert labels, "the name should be shown somewhere"
    for label in window.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText or not label.text(), label.text()
    assert window.play.session.seats[True].name == HTML_NAME


def test_new_game_dialog_validates_and_swaps(qtbot: Any) -> None:
    dialog = NewGameDialog(["Alice", "Bob"], white="Alice", black="alice")
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.result() != NewGameDialog.DialogCode.Accepted
    assert "different" in dialog.error.text()
    dialog.black.setCurrentText("Bob")
    dialog.swap()
    assert dialog.choice() == NewGameChoice("Bob", "Alice", None, 1500, 1500)  # new players start at 1500


def test_gui_never_imports_torch_or_training() -> None:
    code = (
        "import sys, pkgutil, importlib, kibitz.gui\n"
        "for m in pkgutil.iter_modules(kibitz.gui.__path__): importlib.import_module('kibitz.gui.' + m.name)\n"
        "bad = [n for n in sys.modules if n == 'torch' or n.startswith(('torch.', 'kibitz.training'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""}, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_resume_dialog_abandons_a_game_for_good(qtbot: Any, store: Any) -> None:
    from kibitz.gui.dialogs import ResumeDialog
    from kibitz.gui.play.session import ABANDONED

    alice, bob = store.add_player("Alice"), store.add_player("Bob")
    game_id = store.start_game(alice.id, bob.id)
    store.add_move(game_id, 0, "e2e4", "e4")
    dialog = ResumeDialog(store.unfinished_games(), abandon=lambda r: store.finish_game(r.id, "*", ABANDONED))
    qtbot.addWidget(dialog)
    assert "1 ply" in dialog.list.item(0).text()
    dialog.abandon_selected()
    assert dialog.result() == ResumeDialog.DialogCode.Rejected and store.unfinished_games() == []
    assert store.game(game_id).moves == ("e2e4",)  # kept in the Games tab
