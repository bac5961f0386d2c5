"""Guess the move (see :mod:`kibitz.gui.guess.controller`)."""

from kibitz.gui.guess.controller import GuessController

__all__ = ["GuessController"]
