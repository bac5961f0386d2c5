"""Words for people: counts with the right plural form (the engine's summaries and the GUI share them)."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 game"``, ``"2 games"``, ``"1,234 plies"``.

    >>> plural(1, "ply", "plies"), plural(4278, "game")
    ('1 ply', '4,278 games')
    """
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"
