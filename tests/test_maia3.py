"""The Maia-3 prior: its vocabulary, its encoder and the batched graph in ``assets/maia3``, checked
against CSSLab's published batch-1 graph (``../shared/maia3``) on real games (``../shared/data``)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import chess
import numpy as np
import onnxruntime as ort
import pytest

from kibitz.engine import moves as vocab
from kibitz.engine.priors import PriorError, PriorSession, prior_path, rating_key
from kibitz.engine.ratings import Plies, fit_rating, legal_softmax
from kibitz.engine.features import GameTokens, PositionHistory, position_tokens
from kibitz.engine.pgn import PgnGame, read_games
from kibitz.engine.scoring import ScoredGame

SHARED = Path(__file__).resolve().parents[2] / "shared"
PUBLISHED = SHARED / "maia3" / "maia3-5m.onnx"
SLICE = SHARED / "data" / "online" / "lichess_2021-10-01_slice.pgn.xz"
BANDS = SHARED / "data" / "online" / "lichess_bands_2018.pgn.xz"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


def _games(path: Path, count: int, *, skip: int = 0) -> list[PgnGame]:
    games = (g for g in read_games(_need(path)) if isinstance(g, PgnGame))
    return list(itertools.islice(games, skip, skip + count))


def _scored(game: PgnGame, colour: chess.Color | None = None) -> ScoredGame:
    start = chess.Board(game.fen) if game.fen else chess.Board()
    return ScoredGame(start, [chess.Move.from_uci(u) for u in game.moves], colour)


def _elo(game: PgnGame, key: str) -> int:
    return int(game.headers.get(key) or 1500)


@pytest.fixture(scope="module")
def session() -> PriorSession:
    return PriorSession(threads=2)


@pytest.fixture(scope="module")
def real_plies() -> tuple[Plies, np.ndarray, set[int]]:
    """Every move of 48 real lichess games (forced moves skipped; over 3,000), each mover at their
    rating, and the rows where the move played is castling."""
    games = _games(SLICE, 48)
    scored = [_scored(g) for g in games]
    plies = Plies.of(scored)
    white = np.array([(ply % 2 == 0) for ply in plies.ply])  # the slice's games start from the start
    # Rounded as the session rounds them, so the published graph is asked the same question.
    mine = np.array([rating_key(_elo(games[g], "WhiteElo" if w else "BlackElo")) for g, w in zip(plies.game, white)])
    theirs = np.array([rating_key(_elo(games[g], "BlackElo" if w else "WhiteElo")) for g, w in zip(plies.game, white)])
    castling = set()
    for row, (g, ply) in enumerate(zip(plies.game, plies.ply)):
        board = scored[g].start.copy()
        for move in scored[g].moves[:ply]:
            board.push(move)
        if board.is_castling(scored[g].moves[ply]):
            castling.add(row)
    return Plies(plies.tokens, plies.legal, plies.moves, plies.played, theirs.astype(float), plies.hashes,
                 plies.game, plies.ply), mine, castling


# --- the vocabulary ----------------------------------------------------------------------------

@pytest.mark.parametrize("turn", chess.COLORS)
def test_every_index_round_trips_through_a_move(turn):
    # The 64 from == to indices are the graph's but no move's (python-chess reads them as null).
    indices = [i for i in range(vocab.VOCAB_SIZE) if i >= vocab.FROM_TO or i // 64 != i % 64]
    moves = [vocab.index_to_move(i, turn) for i in indices]
    assert [vocab.move_to_index(m, turn) for m in moves] == indices
    assert len(set(moves)) == len(indices) == vocab.VOCAB_SIZE - 64


@pytest.mark.parametrize("turn", chess.COLORS)
def test_every_promotion_has_its_own_index_and_round_trips(turn):
    rank_from, rank_to = (6, 7) if turn == chess.WHITE else (1, 0)
    seen = {}
    for file in range(8):
        for step in (-1, 0, 1):
            if not 0 <= file + step < 8:
                continue
            for piece in (chess.QUEEN, chess.ROOK, chess.BISHOP, chess.KNIGHT):
                move = chess.Move(chess.square(file, rank_from), chess.square(file + step, rank_to), piece)
                index = vocab.move_to_index(move, turn)
                assert index >= vocab.FROM_TO  # never the plain from-to index
                assert vocab.index_to_move(index, turn) == move
                seen[index] = move
    assert len(seen) == 22 * 4
    # Upstream's formula: 4096 + (from_file * 8 + to_file) * 4 + {q, r, b, n}.
    assert vocab.move_to_index(chess.Move.from_uci("b7a8n"), chess.WHITE) == 4096 + (1 * 8 + 0) * 4 + 3
    assert vocab.move_to_index(chess.Move.from_uci("g2h1q"), chess.BLACK) == 4096 + (6 * 8 + 7) * 4 + 0


def test_promotions_on_a_board_are_all_legal_indices_and_distinct():
    board = chess.Board("rn2k3/1P4P1/8/8/8/8/1p4p1/RN2K2R w KQ - 0 1")
    for turn in chess.COLORS:
        board.turn = turn
        indices, legal = vocab.legal_move_indices(board)
        promotions = [m for m in legal if m.promotion]
        # White: b7xa8 and g7-g8; Black: b2xa1, g2-g1 and g2xh1 - four pieces each.
        assert len(promotions) == (8 if turn == chess.WHITE else 12)
        assert len(set(indices.tolist())) == len(legal)
        assert [vocab.index_to_move(int(i), turn) for i in indices] == legal


def test_castling_is_the_kings_move_in_the_movers_view():
    board = chess.Board("r3k2r/8/8/8/8/8/8/R3K2R w KQkq - 0 1")
    assert vocab.move_to_index(chess.Move.from_uci("e1g1"), chess.WHITE) == chess.E1 * 64 + chess.G1
    assert vocab.move_to_index(chess.Move.from_uci("e1c1"), chess.WHITE) == chess.E1 * 64 + chess.C1
    assert vocab.move_to_index(chess.Move.from_uci("e8g8"), chess.BLACK) == chess.E1 * 64 + chess.G1
    assert vocab.move_to_index(chess.Move.from_uci("e8c8"), chess.BLACK) == chess.E1 * 64 + chess.C1
    for turn in chess.COLORS:
        board.turn = turn
        indices, legal = vocab.legal_move_indices(board)
        castles = [m for m in legal if board.is_castling(m)]
        assert len(castles) == 2
        assert all(vocab.index_to_move(vocab.move_to_index(m, turn), turn) == m for m in castles)


def test_the_vocabulary_refuses_what_it_cannot_hold():
    with pytest.raises(ValueError, match="null move"):
        vocab.move_to_index(chess.Move.null(), chess.WHITE)
    with pytest.raises(ValueError, match="promotion"):
        vocab.move_to_index(chess.Move.from_uci("e2e4q"), chess.WHITE)
    with pytest.raises(ValueError, match="4351"):
        vocab.index_to_move(vocab.VOCAB_SIZE, chess.WHITE)


def test_every_legal_move_of_real_games_round_trips():
    for game in _games(SLICE, 40):
        board = chess.Board()
        for uci in game.moves:
            indices, legal = vocab.legal_move_indices(board)
            assert len(set(indices.tolist())) == len(legal)
            assert [vocab.index_to_move(int(i), board.turn) for i in indices] == legal
            board.push_uci(uci)


# --- the encoder -------------------------------------------------------------------------------

def test_a_position_and_its_colour_mirrored_twin_encode_alike(session):
    for game in _games(SLICE, 10):
        boards = [chess.Board()]
        for uci in game.moves[:30]:
            boards.append(boards[-1].copy())
            boards[-1].push_uci(uci)
        while boards[-1].is_game_over():  # a position with moves to compare
            boards.pop()
        twins = [b.mirror() for b in boards]
        for view in ("board", "mover"):
            for end in (1, 5, 8, len(boards)):
                assert np.array_equal(position_tokens(boards[:end], view), position_tokens(twins[:end], view))
        board, twin = boards[-1], twins[-1]
        for move in board.legal_moves:
            mirrored = chess.Move(chess.square_mirror(move.from_square), chess.square_mirror(move.to_square),
                                  move.promotion)
            assert vocab.move_to_index(move, board.turn) == vocab.move_to_index(mirrored, twin.turn)
        # And through the graph: the same probability for each move and its mirror image.
        out = session.run(np.stack([position_tokens(boards), position_tokens(twins)]), [1400, 1400], [1700, 1700])
        p = legal_softmax(out.logits[0], vocab.legal_move_indices(board)[0])
        q = legal_softmax(out.logits[1], vocab.legal_move_indices(twin)[0])
        assert np.allclose(sorted(p), sorted(q), atol=1e-6)


def test_game_tokens_match_tokens_made_position_by_position():
    game = _games(SLICE, 1, skip=3)[0]
    moves = [chess.Move.from_uci(u) for u in game.moves]
    for view in ("board", "mover"):
        tokens = GameTokens.of(chess.Board(), moves, view).tokens
        boards = [chess.Board()]
        for move in moves:
            boards.append(boards[-1].copy())
            boards[-1].push(move)
        for i in (0, 1, 7, 8, 9, len(moves)):
            assert np.array_equal(tokens[i], position_tokens(boards[: i + 1], view)), (view, i)


def test_an_illegal_move_is_refused_with_the_position():
    with pytest.raises(ValueError, match="e2e5 is not legal"):
        GameTokens.of(chess.Board(), [chess.Move.from_uci("e2e5")])


# --- the graph ---------------------------------------------------------------------------------

def test_the_shipped_batched_graph_matches_the_published_one(session, real_plies):
    """On 200 positions of real lichess games: the shipped graph (weights stored fp16) in batches of
    1, 7 and 64 against the published batch-1 graph with its weights rounded the same way (exactly
    what the converter checks), and against the published graph as it is: the same top move."""
    pytest.importorskip("onnx")
    from kibitz.training.maia3_export import PARITY_TOLERANCE, parity_error

    plies, ratings, _ = real_plies
    rows = np.arange(0, len(plies), max(1, len(plies) // 200))[:200]  # 200 positions across the games
    sample = plies.take(rows)
    dtype = json.loads((prior_path().parent / "provenance.json").read_text(encoding="utf-8"))["output"]["dtype"]
    assert parity_error(_need(PUBLISHED), prior_path(), sample, ratings[rows], dtype) <= PARITY_TOLERANCE
    published = ort.InferenceSession(str(PUBLISHED), providers=["CPUExecutionProvider"])
    oppo = np.rint(sample.opponent).astype(np.int64)
    tokens = sample.tokens.astype(np.float32)
    expected = np.concatenate([published.run(["logits_move"], {"tokens": tokens[i:i + 1], "self_elo": ratings[rows][i:i + 1],
                                                               "oppo_elo": oppo[i:i + 1]})[0] for i in range(len(rows))])
    got = session.run_batched(sample.tokens, ratings[rows], oppo, batch=64)
    assert got.logits.shape == (len(rows), vocab.VOCAB_SIZE) and got.pooled.shape == (len(rows), 256)
    assert [int(np.argmax(g[legal])) for g, legal in zip(got.logits, sample.legal)] == \
        [int(np.argmax(e[legal])) for e, legal in zip(expected, sample.legal)]


@pytest.mark.slow
def test_the_encoding_is_the_one_the_graph_learned_on_thousands_of_real_positions(session, real_plies):
    """The encoder and vocabulary predict real moves as upstream reports (top-1 in the 50s); the
    same positions with Black's boards not mirrored, or the planes in the other order, do not."""
    plies, ratings, castling = real_plies
    assert len(plies) >= 3000
    logits = session.run_batched(plies.tokens, ratings, plies.opponent).logits
    probabilities = [legal_softmax(row, legal) for row, legal in zip(logits, plies.legal)]
    played = np.array([p[i] for p, i in zip(probabilities, plies.played)])
    top1 = np.mean([int(np.argmax(p) == i) for p, i in zip(probabilities, plies.played)])
    assert top1 > 0.5 and -np.log(played).mean() < 1.7
    promotions = [played[row] for row, moves in enumerate(plies.moves) if moves[plies.played[row]].promotion]
    castles = [played[row] for row in sorted(castling)]
    assert len(castles) >= 50 and np.mean(castles) > 0.4
    assert len(promotions) >= 5 and np.mean(promotions) > 0.4
    some = slice(0, 600)
    plane_major = plies.tokens[some].reshape(-1, 64, 8, 12).transpose(0, 1, 3, 2).reshape(-1, 64, 96)
    wrong = session.run_batched(plane_major, ratings[some], plies.opponent[some]).logits
    wrong_top1 = np.mean([int(np.argmax(row[legal]) == i)
                          for row, legal, i in zip(wrong, plies.legal[some], plies.played[some])])
    assert wrong_top1 < top1 - 0.2


def test_the_session_says_what_is_wrong(tmp_path, session):
    with pytest.raises(PriorError, match="missing"):
        PriorSession(path=tmp_path / "none.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a graph")
    with pytest.raises(PriorError, match="cannot be loaded"):
        PriorSession(path=broken)
    with pytest.raises(ValueError, match=r"\[N, 64, 96\]"):
        session.run(np.zeros((1, 64, 12), np.float32), 1500, 1500)
    with pytest.raises(ValueError, match="not a number"):
        session.run(np.zeros((1, 64, 96), np.float32), float("nan"), 1500)
    assert prior_path().is_file()


# --- ratings -----------------------------------------------------------------------------------

def test_a_fitted_rating_follows_the_players_real_strength(session):
    """Moves of lichess players rated about 1,000 fit lower than those of players rated about 2,300
    (lichess 2018 rating-band games, each side's moves against its recorded opponent)."""
    games = _games(BANDS, 3000)
    fits = {}
    for low, high in ((900, 1100), (2200, 2500)):
        scored, opponents = [], []
        for game in games:
            white, black = _elo(game, "WhiteElo"), _elo(game, "BlackElo")
            for colour, mine, theirs in ((chess.WHITE, white, black), (chess.BLACK, black, white)):
                if low <= mine <= high and len(scored) < 8:
                    scored.append(_scored(game, colour))
                    opponents.append(theirs)
        plies = Plies.of(scored, opponents)
        fit = fit_rating(session, plies, max_positions=100, grid=(800, 1400, 2000, 2600), refine=(300,))
        assert fit.positions == 100
        assert fit.nll[fit.rating] == min(fit.nll.values())
        assert set(fit.nll) >= {800, 1400, 2000, 2600} and len(fit.nll) <= 6
        fits[low] = fit.rating
    assert fits[2200] - fits[900] >= 600, fits


def test_a_rating_cannot_be_fitted_on_nothing(session):
    with pytest.raises(ValueError, match="no moves"):
        fit_rating(session, Plies.of([]))


def test_a_book_keyed_by_maia3s_vocabulary_counts_the_players_own_moves():
    from kibitz.engine.book import OwnMoves

    start = chess.Board()
    games = [ScoredGame(start, [chess.Move.from_uci(u) for u in line], chess.BLACK)
             for line in (("e2e4", "e7e5"), ("d2d4", "e7e5"), ("e2e4", "c7c5"))]
    book = OwnMoves.of([(g.start, g.moves, chess.BLACK) for g in games]).book(strength=2.0)
    plies = Plies.of(games)
    assert len(plies) == 3  # Black's moves only
    counts = plies.book_counts(book)
    after_e4 = [c for c, g in zip(counts, plies.game) if games[g].moves[0].uci() == "e2e4"][0]
    moves = plies.moves[0]
    assert {moves[i].uci(): after_e4[i] for i in np.flatnonzero(after_e4)} == {"e7e5": 1.0, "c7c5": 1.0}
    assert float(book.counts(start, vocab.legal_move_indices(start)[0]).sum()) == 0  # White's never counted


def test_the_live_history_gives_the_tokens_of_the_whole_game_encoder():
    """PositionHistory (the predictor's, ply by ply) and GameTokens (scoring's, whole games) agree
    at every ply of a real game, short games' repeated first position included."""
    game = _scored(_games(SLICE, 1)[0])
    whole = GameTokens.of(game.start, game.moves).tokens
    history = PositionHistory(game.start)
    for ply, move in enumerate(game.moves[:30]):
        assert np.array_equal(history.tokens(), whole[ply]), ply
        history.push(move)
