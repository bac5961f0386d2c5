"""Reviewing a game against the models (see :mod:`kibitz.gui.review.review_window`)."""

from kibitz.gui.review.review_window import ReviewWindow

__all__ = ["ReviewWindow"]
