"""Words for people: the engine's, so the window and ``kibitz import`` count alike."""

from __future__ import annotations

from kibitz.engine.words import plural

__all__ = ["plural"]
