"""Work around PySide6 builds that return ``None`` from void methods without a reference.

PySide6/shiboken6 6.12.0 on CPython 3.11 drops one reference to ``None`` on every call of a
void C++ method (``painter.fillRect``, ``label.setText``...). From 3.12 ``None`` is immortal and
nothing happens; on 3.11 the count reaches zero after a few thousand calls and the interpreter
aborts ("none_dealloc: deallocating None"), i.e. the board crashes after some repaints.

``protect_none()`` probes for the bug and, only where it is found, gives ``None`` a reference
count it cannot exhaust — what CPython 3.12 does for every immortal object. The proper fix is a
PySide6 without the bug (or Python >= 3.12).
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtGui import QColor

log = logging.getLogger(__name__)

_RESERVE = 1 << 40
_applied = False


def leaks_none(calls: int = 64) -> bool:
    """True when calling a void Qt method loses references to ``None``."""
    if sys.version_info >= (3, 12):
        return False  # None is immortal
    color = QColor(0, 0, 0)
    before = sys.getrefcount(None)
    for _ in range(calls):
        color.setAlphaF(0.5)
    return sys.getrefcount(None) < before - calls // 2


def protect_none() -> bool:
    """Apply the work-around once if this PySide6 needs it; returns whether it is in effect."""
    global _applied
    if _applied:
        return True
    if not leaks_none():
        return False
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is the first field
    refcount.value += _RESERVE
    _applied = True
    log.warning("PySide6 %s drops references to None on this Python; kept None alive (see "
                "kibitz.gui.qt_compat)", _pyside_version())
    return True


def _pyside_version() -> str:
    import PySide6

    return getattr(PySide6, "__version__", "?")
