"""Words for people: counts with the right plural form, and the sentences the GUI and the command lines share."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 game"``, ``"2 games"``, ``"1,234 plies"``.

    >>> plural(1, "ply", "plies"), plural(4278, "game")
    ('1 ply', '4,278 games')
    """
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


#: How to get training (torch): the one sentence the app, ``kibitz-train`` and the README say.
TRAINING_INSTALL_HINT = 'Training needs the training extra (torch, CPU build): pip install ".[train]" in the kibitz folder'
