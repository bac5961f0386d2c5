"""A page per player (see :mod:`kibitz.gui.player_page.player_page`)."""

from kibitz.gui.player_page.player_page import PlayerPage

__all__ = ["PlayerPage"]
