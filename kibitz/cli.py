"""The ``kibitz`` command: open the board, or ``kibitz import FILE...`` to import games."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "import":
        from kibitz.engine.importer import main as import_main

        return import_main(args[1:])
    from kibitz.gui.app import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
