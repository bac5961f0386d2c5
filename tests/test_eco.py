"""Opening names by position: transpositions named, the shipped table as derived from lichess's data,
and the store naming imported and played games."""

from __future__ import annotations

from pathlib import Path

import chess
import pytest

from kibitz.engine import eco
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "openings"
DATA = Path(__file__).parent / "data"


def uci(*sans: str) -> list[str]:
    board = chess.Board()
    return [board.push_san(san).uci() for san in sans]


def test_a_game_is_named_by_the_last_named_position_along_its_moves() -> None:
    najdorf = uci("e4", "c5", "Nf3", "d6", "d4", "cxd4", "Nxd4", "Nf6", "Nc3", "a6", "Be2", "e5")
    assert eco.classify(najdorf[:10]) == eco.Opening("B90", "Sicilian Defense: Najdorf Variation")
    assert eco.classify(najdorf).eco == "B92"  # 6.Be2 e5: the Opocensky line, named in the table
    assert eco.classify(uci("e4")) == eco.Opening("B00", "King's Pawn Game")
    assert eco.classify([]) is None
    # Past the named moves the name stays (the last named position).
    assert eco.classify(najdorf[:10] + uci(*"e4 c5 Nf3 d6 d4 cxd4 Nxd4 Nf6 Nc3 a6 h3".split())[10:]).eco == "B90"


def test_transpositions_get_the_name_of_the_position() -> None:
    via_nf3 = eco.classify(uci("Nf3", "d5", "d4", "Nf6", "c4", "e6", "Nc3"))
    via_d4 = eco.classify(uci("d4", "Nf6", "c4", "e6", "Nf3", "d5", "Nc3"))
    assert via_nf3 == via_d4 is not None
    assert via_d4.name.startswith("Queen's Gambit Declined")


def test_a_game_from_a_set_up_position_is_named_from_there() -> None:
    board = chess.Board()
    for san in ("e4", "e5", "Nf3"):
        board.push_san(san)
    assert eco.classify(uci("e4", "e5", "Nf3", "Nc6", "Bb5")).name == "Ruy Lopez"
    assert eco.classify(["b8c6", "f1b5"], board.fen()).name == "Ruy Lopez"
    board.push_san("Nc6")
    board.push_san("Bb5")
    assert eco.opening_of(board).name == "Ruy Lopez"


def test_every_line_of_the_shipped_table_names_its_own_position() -> None:
    rows = (ROOT / "assets" / "openings" / "openings.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == len(eco.table()) == 3807
    for row in rows[::50]:
        code, name, epd, key = row.split("\t")
        board, _ = chess.Board.from_epd(epd)
        assert eco.name_of(board) == eco.Opening(code, name)
        assert eco.key_text(board) == key


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/openings is not here")
def test_the_shipped_table_is_what_the_derivation_writes(tmp_path: Path) -> None:
    out = tmp_path / "openings.tsv"
    eco.write_table(eco.derive(SHARED), out)
    assert out.read_bytes() == (ROOT / "assets" / "openings" / "openings.tsv").read_bytes()


def test_the_store_names_imported_games_and_renames_a_game_being_played(tmp_path: Path) -> None:
    games = [g for g in read_games(DATA / "masters-100.pgn.xz") if isinstance(g, PgnGame)]
    with Store.open(tmp_path / "home") as store:
        store.import_games(games)
        ids = store.game_ids()
        named = [store.opening(gid) for gid in ids]
        assert sum(o is not None for o in named) >= 95
        assert named[0] == eco.classify(games[0].moves, games[0].fen)
        a, b = store.add_player("A"), store.add_player("B")
        game = store.start_game(a.id, b.id)
        for ply, (move, san) in enumerate(zip(uci("e4", "c5"), ("e4", "c5"))):
            store.add_move(game, ply, move, san)
        assert store.opening(game).name == "Sicilian Defense"
        store.truncate_moves(game, 1)
        assert store.opening(game).name == "King's Pawn Game"


def test_a_damaged_game_is_named_by_its_moves_up_to_the_damage(tmp_path: Path) -> None:
    from kibitz.engine.library import game_rows, name_openings, unnamed_games

    assert eco.classify(uci("e4", "c5") + ["e2e4", "g1f3"]).name == "Sicilian Defense"
    assert eco.classify(["zz"]) is None
    with Store.open(tmp_path / "home") as store:
        a, b = store.add_player("A"), store.add_player("B")
        game = store.start_game(a.id, b.id)
        with store.transaction() as db:  # written around the store's checks, as a damaged file might hold
            db.executemany("INSERT INTO moves (game_id, ply, uci, san) VALUES (?, ?, ?, ?)",
                           [(game, 0, "d2d4", "d4"), (game, 1, "d2d4", "d4")])
        assert unnamed_games(store) == 1 and game_rows(store)[0].eco == ""
        assert name_openings(store) == 1 and unnamed_games(store) == 0
        (row,) = game_rows(store)
        assert (row.eco, row.opening) == ("A40", "Queen's Pawn Game")
