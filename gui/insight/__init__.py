"""What the models know about each player: the page, and the feature that opens pages and reviews."""

from kibitz.gui.insight.page import InsightPage

__all__ = ["InsightPage"]
