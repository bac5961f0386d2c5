"""Opening names (ECO code and name) by position, from lichess's ``chess-openings`` (CC0).

Named by position, not by move order, so a transposition gets its name: a game's opening is the
name of the last position along its moves that has one (lichess's own rule). The table ships as
``assets/openings/openings.tsv`` (ECO, name, EPD), derived from ``../shared/openings`` by
``python -m kibitz.engine.eco SOURCE_DIR OUT.tsv``; see ``assets/openings/README.md``.

Not to be confused with :mod:`kibitz.engine.openings`, a player's opening *tree* from their games.

>>> classify(["e2e4", "c7c5", "g1f3", "d7d6", "d2d4", "c5d4", "f3d4", "g8f6", "b1c3", "a7a6"])
Opening(eco='B90', name='Sicilian Defense: Najdorf Variation')
>>> classify(["g1f3", "d7d5", "d2d4"]) == classify(["d2d4", "d7d5", "g1f3"])  # one position, one name
True
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final

import chess
import chess.pgn

from kibitz.engine.pgn import starting_board

#: The deepest named position is 36 plies in; after that a game's opening cannot change.
MAX_PLIES: Final = 36
ASSET: Final = ("openings", "openings.tsv")


@dataclass(frozen=True, slots=True)
class Opening:
    eco: str
    name: str

    def text(self) -> str:
        """``"B90 Sicilian Defense: Najdorf Variation"``."""
        return f"{self.eco} {self.name}"


def position_key(board: chess.Board) -> Hashable:
    """What makes two positions the same for naming them: as the EPD compares (en passant only if legal),
    without building the string (a game is named in a fraction of a millisecond)."""
    return (board.pawns, board.knights, board.bishops, board.rooks, board.queens, board.kings,
            board.occupied_co[chess.WHITE], board.occupied_co[chess.BLACK], board.turn,
            board.clean_castling_rights(), board.ep_square if board.has_legal_en_passant() else None)


def key_text(board: chess.Board) -> str:
    """:func:`position_key` as the table stores it: parsing 3,807 EPDs took a second; this, milliseconds."""
    return " ".join("-" if v is None else f"{int(v):x}" for v in position_key(board))  # type: ignore[attr-defined]


def _key_from_text(text: str) -> Hashable:
    *bitboards, turn, castling, ep = text.split()
    return (*(int(b, 16) for b in bitboards), bool(int(turn)), int(castling, 16), None if ep == "-" else int(ep, 16))


@lru_cache(maxsize=1)
def table() -> dict[Hashable, Opening]:
    """Every named position (read once from the bundled table)."""
    text = resources.files("kibitz.assets").joinpath(*ASSET).read_text(encoding="utf-8")
    named: dict[Hashable, Opening] = {}
    for eco, name, _epd, key in csv.reader(io.StringIO(text), delimiter="\t"):
        if eco != "eco":  # the header
            named[_key_from_text(key)] = Opening(eco, name)
    return named


def name_of(board: chess.Board) -> Opening | None:
    """The name of exactly this position, if it has one."""
    return table().get(position_key(board))


def classify(moves: Sequence[str], fen: str | None = None) -> Opening | None:
    """A game's opening: the last named position along its first :data:`MAX_PLIES` moves (UCI)."""
    named = table()
    board = starting_board(fen)  # a Chess960 start too, whose castling is stored king-takes-rook
    found = named.get(position_key(board))
    for uci in moves[:MAX_PLIES]:
        try:
            board.push(chess.Move.from_uci(uci))
        except (AssertionError, ValueError):  # a damaged stored game: named by its moves up to there
            break
        found = named.get(position_key(board), found)
    return found


def opening_of(board: chess.Board) -> Opening | None:
    """The opening of the game that led to ``board`` (its moves from the root), as :func:`classify`."""
    root = board.root()
    return classify([m.uci() for m in board.move_stack], None if root.fen() == chess.STARTING_FEN else root.fen())


def derive(source: Path) -> list[tuple[str, str, str, str]]:
    """(ECO, name, EPD, key) for every line of lichess's ``a.tsv`` … ``e.tsv`` in ``source`` (the position
    after its moves)."""
    rows = []
    for path in sorted(source.glob("[a-e].tsv")):
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                game = chess.pgn.read_game(io.StringIO(row["pgn"]))
                assert game is not None and not game.errors, (path, row)
                board = game.end().board()
                rows.append((row["eco"], row["name"], board.epd(), key_text(board)))
    return rows


def write_table(rows: Iterable[tuple[str, str, str, str]], out: Path) -> None:
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("eco", "name", "epd", "key"))
        writer.writerows(rows)


if __name__ == "__main__":  # python -m kibitz.engine.eco ../shared/openings assets/openings/openings.tsv
    write_table(derive(Path(sys.argv[1])), Path(sys.argv[2]))
