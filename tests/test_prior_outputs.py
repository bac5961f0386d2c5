"""The prior's kept outputs (engine/prior_outputs.py): equal to the prior run directly on real games,
kept once per game and rating pair, found again, refused when damaged, gone with their game."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Any

import chess
import numpy as np
import pytest

from kibitz.engine import prior_outputs
from kibitz.engine.features import GameTokens
from kibitz.engine.moves import legal_move_indices
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.prior_outputs import (MAX_PLIES, PRIOR_VERSION, GameOutputs, KeptOutputs, compute_outputs,
                                         upkeep, wanted_outputs)
from kibitz.engine.priors import PriorOutputs, PriorSession, rating_key
from kibitz.engine.store import Store, StoreFullError

SHARED = Path(__file__).resolve().parents[2] / "shared"
SLICE = SHARED / "data" / "online" / "lichess_2021-10-01_slice.pgn.xz"
JOWEN = Path(__file__).parent / "data" / "jowen93-200.pgn.xz"  # real games, a slice of ../shared/data


class CountingSession(PriorSession):
    """The real prior, counting the positions it is asked to run."""

    def __init__(self) -> None:
        super().__init__(threads=1, remember=0)
        self.positions = 0

    def run_batched(self, tokens: np.ndarray, self_elo: Any, oppo_elo: Any, *, batch: int = 64) -> PriorOutputs:
        self.positions += len(tokens)
        return super().run_batched(tokens, self_elo, oppo_elo, batch=batch)


@pytest.fixture(scope="module")
def session() -> CountingSession:
    return CountingSession()


def _real_games(count: int) -> list[PgnGame]:
    path = SLICE if SLICE.exists() else JOWEN
    games = (g for g in read_games(path) if isinstance(g, PgnGame) and len(g.moves) >= 20)
    return list(itertools.islice(games, count))


def _moves(game: PgnGame) -> list[chess.Move]:
    return [chess.Move.from_uci(u) for u in game.moves]


def _elo(game: PgnGame, tag: str) -> int:
    value = game.headers.get(tag, "")
    return int(value) if value.isdigit() else 1500


def _direct(session: PriorSession, start: chess.Board, moves: list[chess.Move], white: int, black: int
            ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each ply run alone through the prior: pooled [T, 256] and the legal moves' logits per ply."""
    tokens = GameTokens.of(start, moves).tokens
    board = start.copy(stack=False)
    pooled, logits = [], []
    for ply, move in enumerate(moves[:MAX_PLIES]):
        mover, other = (white, black) if board.turn == chess.WHITE else (black, white)
        out = session.run(tokens[ply:ply + 1], mover, other)
        indices, _ = legal_move_indices(board)
        pooled.append(out.pooled[0])
        logits.append(out.logits[0, indices])
        board.push(move)
    return np.stack(pooled), logits


def _assert_close(outputs: GameOutputs, pooled: np.ndarray, logits: list[np.ndarray]) -> None:
    assert outputs.pooled.dtype == np.float16 and outputs.legal_logits.dtype == np.float16
    assert outputs.legal_counts.dtype == np.int16
    assert outputs.pooled.shape == pooled.shape
    assert list(outputs.legal_counts) == [len(x) for x in logits]
    # float16 keeps ~3 significant digits; batched and single runs agree to float32 rounding
    np.testing.assert_allclose(outputs.pooled.astype(np.float32), pooled, rtol=2e-3, atol=2e-3)
    for kept, direct in zip(outputs.ply_logits(), logits):
        np.testing.assert_allclose(kept.astype(np.float32), direct, rtol=2e-3, atol=1e-2)


def test_outputs_equal_the_prior_run_directly_on_real_games(session: CountingSession) -> None:
    games = _real_games(3)
    # A game from a FEN: the third game taken up after its 11th ply, its own position as the start.
    base = games[2]
    start = chess.Board()
    for move in _moves(base)[:11]:
        start.push(move)
    from_fen = chess.Board(start.fen())
    cases = [(chess.Board(), _moves(g), _elo(g, "WhiteElo"), _elo(g, "BlackElo")) for g in games[:2]]
    cases.append((from_fen, _moves(base)[11:], 1900, 1200))
    assert from_fen.turn == chess.BLACK  # the game from the FEN starts with Black's move
    computed = compute_outputs(session, cases)
    assert len(computed) == 3
    for (start_board, played, white, black), outputs in zip(cases, computed):
        assert outputs.plies == min(len(played), MAX_PLIES)
        pooled, logits = _direct(session, start_board, played, white, black)
        _assert_close(outputs, pooled, logits)


def test_each_side_is_run_at_its_own_rating(session: CountingSession) -> None:
    game = _real_games(1)[0]
    start, played = chess.Board(), _moves(game)[:6]
    one, = compute_outputs(session, [(start, played, 2400, 800)])
    swapped, = compute_outputs(session, [(start, played, 800, 2400)])
    # White's first ply at (2400, 800) vs (800, 2400): the ratings reach the graph
    assert not np.allclose(one.pooled[0], swapped.pooled[0])
    pooled, logits = _direct(session, start, played, 2400, 800)
    _assert_close(one, pooled, logits)


def test_round_trip_through_bytes_and_damage_refused(session: CountingSession) -> None:
    game = _real_games(1)[0]
    outputs, = compute_outputs(session, [(chess.Board(), _moves(game), 1500, 1500)])
    data = outputs.to_bytes()
    back = GameOutputs.from_bytes(data)
    assert np.array_equal(back.pooled, outputs.pooled)
    assert np.array_equal(back.legal_logits, outputs.legal_logits)
    assert np.array_equal(back.legal_counts, outputs.legal_counts)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    for damaged in (bytes(flipped), data[:-2], data[:10], b"XXXX" + data[4:], b""):
        with pytest.raises(ValueError):
            GameOutputs.from_bytes(damaged)


def test_an_empty_game_has_empty_outputs(session: CountingSession) -> None:
    outputs, = compute_outputs(session, [(chess.Board(), [], 1500, 1500)])
    assert outputs.pooled.shape == (0, 256) and len(outputs.legal_logits) == 0
    assert GameOutputs.from_bytes(outputs.to_bytes()).plies == 0


def _stored(store: Store, games: list[PgnGame], name: str = "Alice") -> list[int]:
    """Import ``games`` with ``name`` as White in the first, Black in the second, and so on."""
    player = store.find_or_add_player(name)
    for index, game in enumerate(games):
        side = "White" if index % 2 == 0 else "Black"
        game.headers[side] = name
    store.import_games(games)
    return [r.id for r in store.games_of_player(player.id)]


def test_ensure_computes_only_what_is_missing(store: Store, session: CountingSession) -> None:
    games = _real_games(4)
    ids = _stored(store, games)
    kept = KeptOutputs(store)
    wanted = [(gid, 1500, 1600) for gid in ids]
    session.positions = 0
    first = kept.ensure(wanted[:2], session)
    plies = {r.id: min(len(r.moves), MAX_PLIES) for r in (store.game(gid) for gid in ids)}
    assert session.positions == plies[ids[0]] + plies[ids[1]]
    session.positions = 0
    every = kept.ensure(wanted, session)
    assert session.positions == plies[ids[2]] + plies[ids[3]]  # the first two were read, not run
    assert sorted(every) == sorted(ids)
    assert np.array_equal(every[ids[0]].pooled, first[ids[0]].pooled)
    session.positions = 0
    again = kept.ensure(wanted, session)
    assert session.positions == 0
    record = store.game(ids[3])
    direct, = compute_outputs(session, [(chess.Board(), [chess.Move.from_uci(u) for u in record.moves], 1500, 1600)])
    assert np.array_equal(again[ids[3]].pooled, direct.pooled)


def test_ratings_differing_are_computed_again_and_old_pairs_pruned(store: Store, session: CountingSession) -> None:
    ids = _stored(store, _real_games(1))
    gid = ids[0]
    kept = KeptOutputs(store)
    at_1500 = kept.ensure([(gid, 1500, 1500)], session)[gid]
    session.positions = 0
    at_1800 = kept.ensure([(gid, 1800, 1500)], session)[gid]
    assert session.positions == at_1800.plies
    assert not np.allclose(at_1500.pooled[0], at_1800.pooled[0])
    assert kept.get(gid, 1500, 1500) is not None  # the pair before stays (KEEP_PAIRS = 2)
    kept.ensure([(gid, 2000, 1500)], session)
    assert kept.get(gid, 1500, 1500) is None  # the oldest of three went
    assert kept.get(gid, 1800, 1500) is not None and kept.get(gid, 2000, 1500) is not None
    assert kept.forget_other_ratings([(gid, 2000, 1500)]) == 1
    assert kept.get(gid, 1800, 1500) is None


def test_a_deleted_game_loses_its_outputs(store: Store, session: CountingSession) -> None:
    ids = _stored(store, _real_games(2))
    kept = KeptOutputs(store)
    kept.ensure([(gid, 1500, 1500) for gid in ids], session)
    store.delete_game(ids[0])
    assert kept.get(ids[0], 1500, 1500) is None
    assert store.query("SELECT COUNT(*) FROM prior_outputs WHERE game_id = ?", (ids[0],))[0][0] == 0
    assert kept.get(ids[1], 1500, 1500) is not None


def test_another_prior_version_is_ignored_and_dropped(store: Store, session: CountingSession) -> None:
    ids = _stored(store, _real_games(1))
    gid = ids[0]
    kept = KeptOutputs(store)
    outputs = kept.ensure([(gid, 1500, 1500)], session)[gid]
    with store.transaction() as db:
        db.execute("UPDATE prior_outputs SET prior_version = 'an-older-graph'")
    assert kept.get(gid, 1500, 1500) is None
    session.positions = 0
    again = kept.ensure([(gid, 1500, 1500)], session)[gid]
    assert session.positions == outputs.plies  # computed again under this version
    with store.transaction() as db:  # an old row at another pair: dropped by upkeep
        db.execute("INSERT INTO prior_outputs VALUES (?, 900, 900, 'an-older-graph', 0, ?)", (gid, again.to_bytes()))
    upkeep(store, [], session=session)
    assert store.query("SELECT DISTINCT prior_version FROM prior_outputs") == [(PRIOR_VERSION,)]


def test_a_damaged_kept_blob_is_computed_again(store: Store, session: CountingSession) -> None:
    gid = _stored(store, _real_games(1))[0]
    kept = KeptOutputs(store)
    good = kept.ensure([(gid, 1500, 1500)], session)[gid]
    with store.transaction() as db:
        db.execute("UPDATE prior_outputs SET outputs = substr(outputs, 1, 100)")
    assert kept.get(gid, 1500, 1500) is None
    again = kept.ensure([(gid, 1500, 1500)], session)[gid]
    assert np.array_equal(again.pooled, good.pooled)
    assert kept.get(gid, 1500, 1500) is not None


def test_upkeep_keeps_every_game_of_the_players_at_their_ratings(store: Store, session: CountingSession) -> None:
    games = _real_games(3)
    ids = _stored(store, games)
    alice = store.find_player("Alice")
    assert alice is not None
    store.set_player_level(alice.id, 1720)
    session.positions = 0
    assert upkeep(store, [alice.id], session=session) == 3
    wanted = wanted_outputs(store, [alice.id])
    assert sorted(g for g, _, _ in wanted) == sorted(ids)
    for gid, white, black in wanted:
        record = store.game(gid)
        alice_white = record.white_id == alice.id
        assert (white if alice_white else black) == rating_key(1720)
        assert KeptOutputs(store).get(gid, white, black) is not None
    assert upkeep(store, None, session=session) == 0  # nothing new: nothing run
    assert session.positions == sum(min(len(store.game(g).moves), MAX_PLIES) for g in ids)
    store.set_player_level(alice.id, 2100)  # another rating: every game again
    assert upkeep(store, [alice.id], session=session) == 3


def test_upkeep_stops_when_cancelled_and_keeps_what_it_did(store: Store, session: CountingSession) -> None:
    ids = _stored(store, _real_games(6))
    player = store.find_player("Alice")
    assert player is not None
    calls: list[int] = []
    # cancelled after the first batch: those games stay kept, the rest are left for later
    computed = upkeep(store, [player.id], session=session, progress=lambda done, total: calls.append(done),
                      cancel=lambda: bool(calls))
    assert 0 < computed < len(ids)
    assert KeptOutputs(store).stats()[0] == computed
    assert upkeep(store, [player.id], session=session) == len(ids) - computed


def test_a_full_disk_loses_no_game_and_ensure_still_answers(kibitz_home: Path, session: CountingSession) -> None:
    with Store.open(kibitz_home) as store:
        ids = _stored(store, _real_games(3))
        games_before = store.query("SELECT COUNT(*) FROM moves")[0][0]
        # the store may grow by a few pages only: the first batch of outputs does not fit
        pages = store.query("PRAGMA page_count")[0][0]
        store.query(f"PRAGMA max_page_count = {pages + 2}")
        player = store.find_player("Alice")
        assert player is not None
        with pytest.raises(StoreFullError):
            upkeep(store, [player.id], session=session)
        answered = KeptOutputs(store).ensure([(gid, 1500, 1500) for gid in ids], session)
        assert sorted(answered) == sorted(ids)  # computed, though not kept
        assert store.query("SELECT COUNT(*) FROM moves")[0][0] == games_before
    with Store.open(kibitz_home) as store:  # the store opens (quick_check passes) with its games whole
        assert len(store.game_ids()) == 3
        assert store.query("PRAGMA integrity_check") == [("ok",)]


def test_the_table_cascades_from_games_in_the_schema(store: Store) -> None:
    sql = store.query("SELECT sql FROM sqlite_master WHERE name = 'prior_outputs'")[0][0]
    assert "ON DELETE CASCADE" in sql
    assert isinstance(store.query("PRAGMA foreign_keys")[0][0], int)
    with pytest.raises(sqlite3.IntegrityError):  # no outputs for a game that does not exist
        with store.transaction() as db:
            db.execute("INSERT INTO prior_outputs VALUES (12345, 1500, 1500, ?, 0, x'00')", (PRIOR_VERSION,))
    assert prior_outputs.KEEP_PAIRS >= 2


def test_kibitz_train_keep_outputs_runs_the_upkeep(kibitz_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kibitz.training.cli import main

    with Store.open(kibitz_home) as store:
        ids = _stored(store, _real_games(2))
    assert main(["--home", str(kibitz_home), "keep-outputs", "--player", "Alice", "--progress", "none"]) == 0
    assert "2 games run through the prior" in capsys.readouterr().out
    with Store.open(kibitz_home) as store:
        assert sorted(g for g, _, _ in store.query("SELECT game_id, 0, 0 FROM prior_outputs")) == sorted(ids)
    assert main(["keep-outputs", "--home", str(kibitz_home), "--player", "Nobody", "--progress", "none"]) == 2


def test_an_app_game_from_a_fen_is_kept_as_the_prior_reads_it(store: Store, session: CountingSession) -> None:
    game = _real_games(1)[0]
    board = chess.Board()
    for move in _moves(game)[:9]:
        board.push(move)
    fen = board.fen()  # Black to move, after nine plies of a real game
    alice, bob = store.add_player("Alice"), store.add_player("Bob")
    game_id = store.start_game(alice.id, bob.id, fen=fen)
    rest = _moves(game)[9:]
    replay = chess.Board(fen)
    for ply, move in enumerate(rest):
        store.add_move(game_id, ply, move.uci(), replay.san(move))
        replay.push(move)
    store.set_player_level(alice.id, 1300)
    store.set_player_level(bob.id, 2000)
    assert upkeep(store, [alice.id], session=session) == 1
    (gid, white, black), = wanted_outputs(store, [bob.id])
    assert (gid, white, black) == (game_id, 1300, 2000)
    kept = KeptOutputs(store).get(game_id, white, black)
    assert kept is not None
    pooled, logits = _direct(session, chess.Board(fen), rest, 1300, 2000)
    _assert_close(kept, pooled, logits)


def test_ratings_are_found_as_the_prior_rounds_them(store: Store, session: CountingSession) -> None:
    gid = _stored(store, _real_games(1))[0]
    kept = KeptOutputs(store)
    at_1550 = kept.ensure([(gid, 1537, 1512)], session)[gid]
    assert kept.missing([(gid, 1550, 1500)]) == []
    again = kept.get(gid, 1550, 1500)
    assert again is not None and np.array_equal(again.pooled, at_1550.pooled)
