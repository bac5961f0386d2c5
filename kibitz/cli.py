"""The ``kibitz`` command: open the board, ``kibitz import FILE...`` to import games,
``kibitz export OUT.pgn`` to write them out, or ``kibitz review FILE.pgn`` to review one with the models and
the engine."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "import":
        from kibitz.engine.importer import main as import_main

        return import_main(args[1:])
    if args and args[0] == "export":
        from kibitz.engine.pgn_export import main as export_main

        return export_main(args[1:])
    if args and args[0] == "review":
        from kibitz.engine.review_cli import main as review_main

        return review_main(args[1:])
    if args == ["--version"]:  # answered without loading Qt
        from kibitz import __version__

        print(f"kibitz {__version__}")
        return 0
    from kibitz.gui.app import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
