"""What the models know about a player (see :mod:`kibitz.gui.insight.page`)."""

from kibitz.gui.insight.page import InsightPage

__all__ = ["InsightPage"]
