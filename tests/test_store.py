"""The store: WAL, schema version, players and aliases, live games, dedup, export, crash safety."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import chess
import pytest

from kibitz.engine.pgn import PgnGame, read_games, starting_board
from kibitz.engine.store import SCHEMA_VERSION, Store, default_home

DATA = Path(__file__).parent / "data"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "home") as opened:
        yield opened  # type: ignore[misc]


def slice_games(name: str = "jowen93-200.pgn.xz") -> list[PgnGame]:
    return [g for g in read_games(DATA / name) if isinstance(g, PgnGame)]


def test_wal_foreign_keys_and_schema_version(store: Store) -> None:
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    assert store.path == store.home / "kibitz.sqlite3"


def test_reopening_keeps_data_and_refuses_newer_schema(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.add_player("Ann")
    with Store.open(tmp_path) as store:
        assert [p.name for p in store.players()] == ["Ann"]
    db = sqlite3.connect(tmp_path / "kibitz.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(RuntimeError):
        Store.open(tmp_path)


def test_default_home_follows_kibitz_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIBITZ_HOME", str(tmp_path / "k"))
    assert default_home() == tmp_path / "k"
    with Store.open() as store:
        assert store.home == tmp_path / "k"


def test_players_and_aliases(store: Store) -> None:
    dad = store.add_player("  Dad ")
    assert dad.name == "Dad"
    store.add_alias(dad.id, "Saubhi65")
    store.add_alias(dad.id, "saubhagya")
    store.add_alias(dad.id, "SAUBHI65")  # already his: no-op
    assert store.find_player("saubhi65 ") == store.find_player("DAD") == store.player(dad.id)
    assert store.player(dad.id).aliases == ("Saubhi65", "saubhagya")
    with pytest.raises(ValueError):
        store.add_player("dad")
    kid = store.add_player("Kid")
    with pytest.raises(ValueError):
        store.add_alias(kid.id, "Saubhagya")
    assert store.find_player("nobody") is None
    assert [p.name for p in store.players()] == ["Dad", "Kid"]


def test_live_game_moves_takeback_and_finish(store: Store) -> None:
    a, b = store.add_player("A"), store.add_player("B")
    game_id = store.start_game(a.id, b.id, event="evening")
    for ply, (uci, san) in enumerate([("e2e4", "e4"), ("e7e5", "e5"), ("g1f3", "Nf3")]):
        store.add_move(game_id, ply, uci, san)
    with pytest.raises(ValueError):
        store.add_move(game_id, 5, "b8c6", "Nc6")
    store.truncate_moves(game_id, 2)
    store.add_move(game_id, 2, "f1c4", "Bc4")
    record = store.game(game_id)
    assert record.moves == ("e2e4", "e7e5", "f1c4") and record.result == "*" and record.source == "app"
    assert store.sans(game_id) == ("e4", "e5", "Bc4")
    assert [g.id for g in store.unfinished_games()] == [game_id]
    store.finish_game(game_id, "1/2-1/2", "agreement")
    assert store.unfinished_games() == []
    assert store.game(game_id).termination == "agreement"
    with pytest.raises(ValueError):
        store.finish_game(game_id, "2-0", "nonsense")
    assert store.game_count(a.id) == store.game_count(b.id) == 1


def test_unfinished_games_newest_first_and_delete(store: Store) -> None:
    a, b = store.add_player("A"), store.add_player("B")
    first = store.start_game(a.id, b.id)
    second = store.start_game(b.id, a.id, fen="4k3/8/8/8/8/8/8/4K2R w K - 0 1")
    assert [g.id for g in store.unfinished_games()] == [second, first]
    assert store.game(second).fen == "4k3/8/8/8/8/8/8/4K2R w K - 0 1"
    store.delete_game(second)
    assert [g.id for g in store.unfinished_games()] == [first]
    with pytest.raises(KeyError):
        store.game(second)


def test_import_dedup_and_player_linking(store: Store) -> None:
    games = slice_games()
    player = store.add_player("jowen93")
    assert store.import_games(games[:50]) == (50, 0)
    assert store.import_games(games) == (150, 50)
    assert store.import_games(games) == (0, 200)
    assert store.game_count(player.id) == 200
    oldest_first = [g.date for g in store.games_of_player(player.id)]
    assert oldest_first == sorted(oldest_first)


def test_alias_added_later_relinks_imported_games(store: Store) -> None:
    store.import_games(slice_games())
    person = store.add_player("Jo")
    assert store.game_count(person.id) == 0
    store.add_alias(person.id, "JOWEN93")
    assert store.game_count(person.id) == 200
    later = store.add_player("Anonymous")  # a new player picks up existing games under its name
    assert store.game_count(later.id) > 0


def test_export_round_trip(store: Store, tmp_path: Path) -> None:
    games = slice_games("saubhi65-clock-40.pgn.xz")[:10]
    store.import_games(games)
    a, b = store.add_player("A"), store.add_player("B")
    live = store.start_game(a.id, b.id, fen="4k3/8/8/8/8/8/8/4K2R w K - 0 1")
    store.add_move(live, 0, "e1g1", "O-O")
    ids = store.game_ids()
    out = tmp_path / "out.pgn"
    assert store.export_pgn(ids, out) == 11
    back = list(read_games(out))
    assert [g.moves for g in back] == [store.game(i).moves for i in ids]  # type: ignore[union-attr]
    assert [g.key for g in back[:10]] == [g.key for g in games]  # type: ignore[union-attr]
    assert back[-1].fen == "4k3/8/8/8/8/8/8/4K2R w K - 0 1"  # type: ignore[union-attr]
    assert store.import_games(back[:10]) == (0, 10)  # type: ignore[arg-type]


def test_models(store: Store, tmp_path: Path) -> None:
    player = store.add_player("A")
    assert store.latest_model(player.id) is None
    store.record_model(player.id, tmp_path / "m1.onnx", 10, {"top1": 0.3})
    store.record_model(player.id, tmp_path / "m2.onnx", 12, {"top1": 0.4})
    model = store.latest_model(player.id)
    assert model is not None and model.path == tmp_path / "m2.onnx" and model.meta == {"top1": 0.4}
    since = time.time()
    other = store.add_player("B")
    store.start_game(player.id, other.id)
    assert store.games_changed_since(player.id, since) == 1
    assert store.games_changed_since(player.id, time.time() + 1) == 0


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kibitz.engine.store import Store
    store = Store.open(Path(sys.argv[1]))
    a, b = store.add_player("A"), store.add_player("B")
    game = store.start_game(a.id, b.id)
    moves = ["e2e4", "e7e5", "g1f3", "b8c6", "f1b5", "a7a6", "b5a4", "g8f6", "e1g1", "f8e7"]
    for ply, uci in enumerate(moves):
        store.add_move(game, ply, uci, uci)
        print(ply, flush=True)
    time.sleep(60)  # mid-game: the parent kills us here
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_moves_survive_sigkill_mid_game(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    committed = [child.stdout.readline() for _ in range(7)]  # wait until 7 moves are committed
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert committed[-1].strip() == "6"
    with Store.open(tmp_path) as store:
        [game] = store.unfinished_games()
        assert len(game.moves) >= 7
        assert game.moves[:7] == ("e2e4", "e7e5", "g1f3", "b8c6", "f1b5", "a7a6", "b5a4")
        board = chess.Board()
        for uci in game.moves:
            board.push_uci(uci)


def test_player_level_is_stored_and_is_the_rating_until_games_fit_one(tmp_path):
    from kibitz.engine.predictor import player_rating

    store = Store.open(tmp_path)
    alice = store.add_player("Alice")
    assert alice.level is None and player_rating(alice, store) == 1500
    store.set_player_level(alice.id, 1234)
    alice = store.player(alice.id)
    assert alice.level == 1234 and player_rating(alice, store) == 1250  # rounded as the prior reads it
    store.record_model(alice.id, tmp_path / "nowhere", 30, {"installed": False, "rating": 900, "reason": "not better"})
    assert player_rating(alice, store) == 900  # fitted on her games
    with pytest.raises(ValueError):
        store.set_player_level(alice.id, 99)
    store.close()
    assert Store.open(tmp_path).player(alice.id).level == 1234


# --------------------------------------------------------------------------------------------------
# one dedup key per game, surviving export -> import (issue 9)

PGN_WITHOUT_IDENTIFYING_TAGS = """[White "Ann"]
[Black "Bob"]
[Result "1-0"]

1. e4 e5 2. Qh5 Nc6 3. Bc4 Nf6 4. Qxf7# 1-0

[Event "club"]
[Date "????.??.??"]
[Round "?"]
[White "Cy"]
[Black "Di"]
[Result "*"]

1. d4 d5 *

[Result "0-1"]

1. f3 e5 2. g4 Qh4# 0-1

[White "Ann"]
[Black "Cy"]
[FEN "4k3/8/8/8/8/8/8/4K2R w K - 0 1"]
[SetUp "1"]
[Result "*"]

1. O-O *
"""


def test_export_then_import_into_the_same_store_adds_nothing(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "untagged.pgn"
    source.write_text(PGN_WITHOUT_IDENTIFYING_TAGS, encoding="utf-8")
    assert store.import_games([g for g in read_games(source) if isinstance(g, PgnGame)]) == (4, 0)
    a, b = store.add_player("A"), store.add_player("B")
    finished = store.start_game(a.id, b.id)
    store.add_move(finished, 0, "e2e4", "e4")
    store.finish_game(finished, "1-0", "resignation")
    for _ in range(2):  # two app games alike (same players, day and moves) are still two games
        store.add_move(store.start_game(a.id, b.id), 0, "d2d4", "d4")
    unfinished = store.start_game(b.id, a.id, fen="4k3/8/8/8/8/8/8/4K2R w K - 0 1")
    store.add_move(unfinished, 0, "e1g1", "O-O")
    assert len(store.game_ids()) == 8

    exported = tmp_path / "export.pgn"
    assert store.export_pgn(store.game_ids(), exported) == 8
    back = [g for g in read_games(exported) if isinstance(g, PgnGame)]
    assert len(back) == 8
    assert store.import_games(back) == (0, 8)
    assert len(store.game_ids()) == 8

    # The keys survive a trip through another store too, and moves added after an export do not
    # make the game new.
    store.add_move(unfinished, 1, "e8d7", "Kd7")
    with Store.open(tmp_path / "other") as other:
        assert other.import_games(back) == (8, 0)
        again = tmp_path / "again.pgn"
        other.export_pgn(other.game_ids(), again)
    assert store.import_games([g for g in read_games(again) if isinstance(g, PgnGame)]) == (0, 8)


def test_migration_keys_old_app_games_and_untagged_games(tmp_path: Path) -> None:
    from kibitz.engine import store as store_module

    path = tmp_path / "kibitz.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in store_module._MIGRATIONS[:2]:  # a store as schema 2 left it
        db.executescript(migration)  # type: ignore[arg-type]
    db.execute("PRAGMA user_version = 2")
    old_tags = '{"Event": "kibitz game", "Site": "kibitz", "Date": "2026.01.02", "Round": "-", ' \
               '"White": "A", "Black": "B"}'
    db.execute("INSERT INTO games (white, black, white_key, black_key, date, source, tags, created_at)"
               " VALUES ('A', 'B', 'a', 'b', '2026.01.02', 'app', ?, 1.0)", (old_tags,))
    db.execute("INSERT INTO moves VALUES (1, 0, 'e2e4', 'e4')")
    # An imported game without Date or Round, keyed as schema 2 did (tags verbatim, "" for missing).
    db.execute("INSERT INTO games (white, black, white_key, black_key, date, source, tags, dedup_key, created_at)"
               " VALUES ('Ann', 'Bob', 'ann', 'bob', '????.??.??', 'pgn', '{\"White\": \"Ann\", \"Black\": \"Bob\"}',"
               " 'old-key', 1.0)")
    db.execute("INSERT INTO moves VALUES (2, 0, 'd2d4', 'd4')")
    db.close()

    with Store.open(tmp_path) as store:
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        keys = store.query("SELECT dedup_key FROM games ORDER BY id")
        assert all(key is not None and key != "old-key" for (key,) in keys)
        exported = tmp_path / "export.pgn"
        store.export_pgn(store.game_ids(), exported)
        back = [g for g in read_games(exported) if isinstance(g, PgnGame)]
        assert store.import_games(back) == (0, 2)


def test_migration_keeps_a_reimport_of_the_same_file_a_duplicate(tmp_path: Path) -> None:
    """Chess.com writes ``[Round "-"]``: schema 3 keys such games differently, so it rekeys the stored ones."""
    import hashlib
    import json

    from kibitz.engine.pgn import KEY_TAGS

    def schema_2_key(tags: dict[str, str], moves: list[str]) -> str:
        text = "\x1f".join(" ".join(tags.get(tag, "").split()).casefold() for tag in KEY_TAGS)
        return hashlib.sha1(f"{text}\x1e\x1e{' '.join(moves)}".encode()).hexdigest()

    games = slice_games("saubhi65-clock-40.pgn.xz")
    assert all(g.headers.get("Round") == "-" for g in games)
    with Store.open(tmp_path) as store:
        store.import_games(games)
    db = sqlite3.connect(tmp_path / "kibitz.sqlite3", isolation_level=None)
    for game_id, tags in db.execute("SELECT id, tags FROM games").fetchall():
        moves = [m for (m,) in db.execute("SELECT uci FROM moves WHERE game_id = ? ORDER BY ply", (game_id,))]
        db.execute("UPDATE games SET dedup_key = ? WHERE id = ?", (schema_2_key(json.loads(tags), moves), game_id))
    db.execute("DROP TABLE guesses")  # a schema-2 store had none
    db.execute("DROP TABLE prior_outputs")  # nor the prior's kept outputs
    for table, column in (("moves", "clock"), ("games", "eco"), ("games", "opening")):  # nor these
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute("PRAGMA user_version = 2")
    db.close()
    with Store.open(tmp_path) as store:
        assert store.import_games(games) == (0, 40)


# --------------------------------------------------------------------------------------------------
# issue 18: Chess960 positions, distinct games kept apart, names


def chess960_games(count: int) -> tuple[str, list[list[str]]]:
    """PGN of games from Chess960 starts that castle, without a Variant tag (as some sites write "From
    Position" games), and each game's moves as python-chess plays them (castling king-takes-rook)."""
    import random

    texts, moves = [], []
    rng = random.Random(960)
    while len(texts) < count:
        board = chess.Board.from_chess960_pos(rng.randrange(960))
        if not board.has_chess960_castling_rights():
            continue  # a start whose castling is the standard one
        castled = False
        while not board.is_game_over() and len(board.move_stack) < 30:
            legal = list(board.legal_moves)
            castles = [m for m in legal if board.is_castling(m)]
            castled = castled or bool(castles)
            board.push(castles[0] if castles else rng.choice(legal))
        if not castled:
            continue
        game = chess.pgn.Game.from_board(board)
        game.headers["White"], game.headers["Black"] = "Alice", f"Bob {len(texts)}"
        if len(texts) % 2:
            game.headers["Variant"] = "From Position"
        else:
            del game.headers["Variant"]
        texts.append(str(game))
        moves.append([m.uci() for m in board.move_stack])
    return "\n\n".join(texts) + "\n", moves


def test_chess960_positions_are_stored_exported_and_read_back_as_chess960(store: Store, tmp_path: Path) -> None:
    from kibitz.engine.report import write_report

    text, moves = chess960_games(8)
    source = tmp_path / "960.pgn"
    source.write_text(text, encoding="utf-8")
    games = [g for g in read_games(source) if isinstance(g, PgnGame)]
    assert [list(g.moves) for g in games] == moves
    alice = store.add_player("Alice")
    assert store.import_games(games) == (8, 0)
    for game_id, expected in zip(store.game_ids(), moves):
        record = store.game(game_id)
        board = starting_board(record.fen)
        assert board.chess960 and list(record.moves) == expected
        for uci in record.moves:
            move = chess.Move.from_uci(uci)
            assert board.is_legal(move)
            board.push(move)

    exported = tmp_path / "export.pgn"
    store.export_pgn(store.game_ids(), exported)
    back = [g for g in read_games(exported) if isinstance(g, PgnGame)]
    assert [list(g.moves) for g in back] == moves
    assert all(g.headers.get("Variant", "From Position") == "From Position" for g in back)
    assert store.import_games(back) == (0, 8)
    with Store.open(tmp_path / "other") as other:
        assert other.import_games(back) == (8, 0)

    report = tmp_path / "alice.html"
    profile = write_report(store, alice, report)
    assert profile.player.name == "Alice" and "Alice" in report.read_text(encoding="utf-8")


CHESS_COM = """[Event "Live Chess"]
[Site "Chess.com"]
[Date "2020.07.30"]
[Round "-"]
[White "mobile_legend_2344"]
[Black "falc0nfeast"]
[Result "0-1"]
[UTCDate "2020.07.30"]
[UTCTime "{time}"]
[TimeControl "60"]
[Termination "falc0nfeast won by resignation"]
[Link "https://www.chess.com/live/game/{number}"]

1. e4 d5 0-1
"""


def two_quick_games(tmp_path: Path) -> Path:
    """Two games of a real chess.com export alike in players, date and moves, not in Link and UTCTime."""
    path = tmp_path / "quick.pgn"
    path.write_text(CHESS_COM.format(time="08:33:02", number=5225179624) + "\n"
                    + CHESS_COM.format(time="08:33:35", number=5225181119), encoding="utf-8")
    return path


def read_all(path: Path) -> list[PgnGame]:
    return [g for g in read_games(path) if isinstance(g, PgnGame)]


def test_games_alike_but_for_link_and_time_are_two_games(store: Store, tmp_path: Path) -> None:
    games = read_all(two_quick_games(tmp_path))
    assert store.import_games(games) == (2, 0)
    assert store.import_games(games) == (0, 2)
    exported = tmp_path / "export.pgn"
    store.export_pgn(store.game_ids(), exported)
    assert store.import_games(read_all(exported)) == (0, 2)


def test_different_games_sharing_one_game_id_tag_stay_apart(store: Store, tmp_path: Path) -> None:
    text = "".join(f'[Event "Club"]\n[White "A"]\n[Black "B"]\n[KibitzGameId "copied"]\n\n1. {first} e5 *\n\n'
                   for first in ("e4", "d4", "c4"))
    source = tmp_path / "copied.pgn"
    source.write_text(text, encoding="utf-8")
    games = read_all(source)
    assert store.import_games(games) == (3, 0)
    assert sorted(store.game(i).moves[0] for i in store.game_ids()) == ["c2c4", "d2d4", "e2e4"]
    assert store.import_games(games) == (0, 3)
    exported = tmp_path / "export.pgn"
    store.export_pgn(store.game_ids(), exported)
    assert store.import_games(read_all(exported)) == (0, 3)
    # The first game with more moves (an export taken later in the game) is still that game.
    more = read_games(io.BytesIO(b'[White "A"]\n[Black "B"]\n[KibitzGameId "copied"]\n\n1. e4 e5 2. Nf3 *\n'))
    assert store.import_games([g for g in more if isinstance(g, PgnGame)]) == (0, 1)


@pytest.mark.parametrize("spelling", ["Jose\u0301 Pe\u0301rez", "Jos\u00e9\u200b P\u00e9rez", " jos\u00e9  p\u00e9rez\u2060"])
def test_names_compare_in_nfc_without_invisible_characters(store: Store, spelling: str) -> None:
    player = store.add_player("José Pérez")
    text = f'[White "{spelling}"]\n[Black "B"]\n[Date "2024.01.01"]\n\n1. e4 e5 *\n\n' \
           '[White "José Pérez"]\n[Black "B"]\n[Date "2024.01.01"]\n\n1. e4 e5 *\n'
    games = [g for g in read_games(io.BytesIO(text.encode())) if isinstance(g, PgnGame)]
    assert store.import_games(games) == (1, 1)  # one game, spelled two ways
    assert store.game_count(player.id) == 1
    assert store.find_player(spelling) == player
    with pytest.raises(ValueError, match="already taken"):
        store.add_player(spelling)


def test_a_name_of_only_invisible_characters_is_refused_with_a_sentence(store: Store) -> None:
    with pytest.raises(ValueError, match="only invisible characters"):
        store.add_player("\u200b\u200d\u2060")
    alice = store.add_player("Al\u200bice")
    assert alice.name == "Alice"
    with pytest.raises(ValueError, match="invisible"):
        store.add_alias(alice.id, "\ufeff")
    assert [p.name for p in store.players()] == ["Alice"]


def test_migration_rekeys_merged_games_and_unnormalised_names(tmp_path: Path) -> None:
    """A store keyed before: the second chess.com game and the NFD spelling's link come back on reimport."""
    import hashlib
    import json

    from kibitz.engine.pgn import KEY_TAGS

    def previous_key(tags: dict[str, str], moves: list[str]) -> str:
        def tag(value: str) -> str:
            value = " ".join(value.split()).casefold()
            return value if value.strip("?.-") else ""
        text = "\x1f".join(tag(tags.get(name, "")) for name in KEY_TAGS)
        return hashlib.sha1(f"{text}\x1e\x1e{' '.join(moves)}".encode()).hexdigest()

    first, second = read_all(two_quick_games(tmp_path))
    nfd = "Jose\u0301"
    with Store.open(tmp_path) as store:
        store.import_games([first])
        player = store.add_player("José")
    db = sqlite3.connect(tmp_path / "kibitz.sqlite3", isolation_level=None)
    for game_id, tags in db.execute("SELECT id, tags FROM games").fetchall():
        moves = [m for (m,) in db.execute("SELECT uci FROM moves WHERE game_id = ? ORDER BY ply", (game_id,))]
        db.execute("UPDATE games SET dedup_key = ? WHERE id = ?", (previous_key(json.loads(tags), moves), game_id))
    db.execute("UPDATE player_names SET key = ?, name = ? WHERE player_id = ?", (nfd.casefold(), nfd, player.id))
    db.execute("INSERT INTO games (white, black, white_key, black_key, date, source, tags, dedup_key, created_at)"
               " VALUES (?, 'B', ?, 'b', '2024.01.01', 'pgn', ?, 'k', 1.0)",
               ("José", "José".casefold(), json.dumps({"White": "José", "Black": "B"})))
    from kibitz.engine import store as store_module

    rekey = store_module._MIGRATIONS.index(store_module._rekey_names_and_distinct_games)
    for table, column in (("moves", "clock"), ("games", "eco"), ("games", "opening")):  # the migration after it
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute("DROP TABLE prior_outputs")  # and the one after that
    db.execute(f"PRAGMA user_version = {rekey}")
    db.close()
    with Store.open(tmp_path) as store:
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert store.import_games([first, second]) == (1, 1)
        assert store.game_count(player.id) == 1  # the NFC-spelled game found its player


def test_another_program_s_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    from kibitz.engine.store import StoreError

    path = tmp_path / "kibitz.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE recipes (name TEXT)")
    db.execute("INSERT INTO recipes VALUES ('soup')")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program's database"):
        Store.open(tmp_path)
    assert path.read_bytes() == before
    assert not (tmp_path / "kibitz.sqlite3-wal").exists()


def test_a_write_lock_held_too_long_is_a_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from kibitz.engine import store as store_module
    from kibitz.engine.importer import import_files
    from kibitz.engine.importer import main as import_main

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    Store.open(tmp_path).close()
    holder = sqlite3.connect(tmp_path / "kibitz.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store.open(tmp_path) as store:
            summary = import_files(store, [DATA / "jowen93-200.pgn.xz"], workers=0)
        assert summary.stopped is not None and "stayed locked by another program" in summary.stopped
        assert "0 games were imported and are safe" in summary.stopped
        assert import_main([str(DATA / "jowen93-200.pgn.xz"), "--home", str(tmp_path), "--quiet"]) == 1
        err = capsys.readouterr().err
        assert "stayed locked by another program" in err and "Traceback" not in err
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_find_or_add_player_is_one_transaction(tmp_path: Path) -> None:
    """Two imports started together with --player X: the second died with "the name 'X' is already taken"."""
    Store.open(tmp_path).close()
    with Store.open(tmp_path) as first, Store.open(tmp_path) as second:
        # The second process looks while the first creates: it waits for the write, then finds the player.
        with first.transaction():
            waiter = threading.Thread(target=lambda: found.append(second.find_or_add_player("Racer")))
            found: list[Any] = []
            waiter.start()  # it looks now, or once the player is there: one player either way
            first._insert_player(first._db, "Racer")
        waiter.join()
        assert found and found[0].name == "Racer"
        assert [p.name for p in second.players()] == ["Racer"]


def test_exported_pgn_files_follow_the_umask(store: Store, tmp_path: Path) -> None:
    from kibitz.gui.importing.feature import export_games

    store.import_games(slice_games()[:3])
    old = os.umask(0o022)
    try:
        path = tmp_path / "all.pgn"
        assert export_games(lambda: Store.open(store.home), store.game_ids(), path, lambda _: None,
                            lambda: False) == 3
        single = tmp_path / "one.pgn"
        store.export_pgn(store.game_ids()[:1], single)
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o644
    assert (single.stat().st_mode & 0o777) == 0o644


def test_a_players_book_counts_chess960_castling_as_played(store: Store, tmp_path: Path) -> None:
    """The live book replays a Chess960 game from its Chess960 start: castling (king takes rook) is
    counted as the move it is there, not read on a standard board that has no such castling."""
    from kibitz.engine import models, moves as vocabulary
    from kibitz.engine.book import position_hash
    from kibitz.engine.player_games import replay

    text, _ = chess960_games(4)
    source = tmp_path / "960.pgn"
    source.write_text(text, encoding="utf-8")
    alice = store.add_player("Alice")
    store.import_games([g for g in read_games(source) if isinstance(g, PgnGame)])
    table, ids = models.own_moves(store, alice.id)
    expected_keys, expected_moves = [], []
    for game_id in ids:
        record = store.game(game_id)
        for _, board, move in replay(starting_board(record.fen), [chess.Move.from_uci(u) for u in record.moves],
                                     chess.WHITE):
            expected_keys.append(position_hash(board))
            expected_moves.append(vocabulary.move_to_index(move, board.turn))
    assert list(table.key) == expected_keys and list(table.move) == expected_moves
