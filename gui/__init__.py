"""kibitz's window: a board that knows how its players play (PySide6)."""
