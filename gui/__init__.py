"""kibitz.gui: the PySide6 desktop app (board, overlay, players, import, training runner)."""

from kibitz.gui.qt_compat import protect_none

protect_none()
