"""The PGN reader: real slices, encodings, layout quirks, bad games reported, never an exception."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import re
from collections.abc import Callable
from pathlib import Path

import chess
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kibitz.engine.pgn import (Chunk, PgnGame, PgnSource, SkippedGame, dedup_key, parse_chunk, parse_chunks,
                               read_games)

DATA = Path(__file__).parent / "data"

GAME = """[Event "Club"]
[Site "Here"]
[Date "2024.01.02"]
[Round "1"]
[White "{white}"]
[Black "Someone"]
[Result "1-0"]

1. e4 e5 2. Qh5 Nc6 3. Bc4 Nf6 4. Qxf7# 1-0
"""


def games_of(text: str | bytes) -> list[PgnGame | SkippedGame]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(read_games(io.BytesIO(data)))


@pytest.mark.parametrize("name, count", [("jowen93-200.pgn.xz", 200), ("masters-100.pgn.xz", 100),
                                         ("saubhi65-clock-40.pgn.xz", 40)])
def test_real_slices_read_completely(name: str, count: int) -> None:
    games = list(read_games(DATA / name))
    assert len(games) == count
    assert all(isinstance(g, PgnGame) for g in games)
    assert len({g.key for g in games if isinstance(g, PgnGame)}) == count


def test_real_slice_matches_python_chess() -> None:
    """Moves and SAN agree with python-chess's own game builder, clock comments included."""
    with lzma.open(DATA / "saubhi65-clock-40.pgn.xz", "rt", encoding="utf-8") as handle:
        for ours in read_games(DATA / "saubhi65-clock-40.pgn.xz"):
            theirs = chess.pgn.read_game(handle)
            assert theirs is not None and isinstance(ours, PgnGame)
            assert ours.moves == tuple(m.uci() for m in theirs.mainline_moves())
            board = theirs.board()
            sans = []
            for move in theirs.mainline_moves():
                sans.append(board.san(move))
                board.push(move)
            assert ours.sans == tuple(sans)
            assert ours.result == theirs.headers["Result"]


def test_bom_and_crlf_and_line_numbers() -> None:
    text = (GAME.format(white="A") + "\n" + GAME.format(white="B")).replace("\n", "\r\n")
    games = games_of(b"\xef\xbb\xbf" + text.encode())
    assert [g.headers["White"] for g in games] == ["A", "B"]
    assert [g.line for g in games] == [1, 11]


def test_cp1252_names_fall_back_and_say_so(tmp_path: Path) -> None:
    path = tmp_path / "old.pgn"
    path.write_bytes((GAME.format(white="Müller, Jürgen") + "\n" + GAME.format(white="Œuvre")).encode("cp1252"))
    with PgnSource.open(path) as source:
        games = list(source.games())
        assert source.encoding == "cp1252"
    assert [g.headers["White"] for g in games] == ["Müller, Jürgen", "Œuvre"]


def test_utf8_file_reports_utf8(tmp_path: Path) -> None:
    path = tmp_path / "new.pgn"
    path.write_text(GAME.format(white="Müller"), encoding="utf-8")
    with PgnSource.open(path) as source:
        assert [g.headers["White"] for g in source.games()] == ["Müller"]
        assert source.encoding == "utf-8"


@pytest.mark.parametrize("opener, suffix", [(gzip.open, ".gz"), (lzma.open, ".xz"), (bz2.open, ".bz2")])
def test_compressed_files(tmp_path: Path, opener, suffix: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"games.pgn{suffix}"
    with opener(path, "wb") as out:
        out.write(GAME.format(white="Z").encode())
    games = list(read_games(path))
    assert len(games) == 1 and isinstance(games[0], PgnGame)
    assert games[0].moves[-1] == "h5f7"


def test_comments_variations_nags_and_clocks() -> None:
    text = """[White "A"]
[Black "B"]
[Result "*"]

{An opening comment} 1. e4 {[%clk 0:03:00]} $1 e5!? (1... c5 2. Nf3 (2. c3) d6) 2. Nf3 {a comment
spanning [two] lines
[%clk 0:02:59]} Nc6 ; rest of line ignored ( e4
3. Bb5 a6?! $6 *
"""
    [game] = games_of(text)
    assert isinstance(game, PgnGame)
    assert game.moves == ("e2e4", "e7e5", "g1f3", "b8c6", "f1b5", "a7a6")
    assert game.sans == ("e4", "e5", "Nf3", "Nc6", "Bb5", "a6")
    assert game.result == "*"


def test_promotion_without_equals_sign_and_check_suffix() -> None:
    text = '[White "A"]\n[Black "B"]\n[FEN "8/4P1k1/8/8/8/8/8/4K3 w - - 0 1"]\n[SetUp "1"]\n\n1. e8Q Kf6 2. Qe2 *\n'
    [game] = games_of(text)
    assert isinstance(game, PgnGame)
    assert game.moves == ("e7e8q", "g7f6", "e8e2")
    assert game.sans == ("e8=Q", "Kf6", "Qe2")
    assert game.fen == "8/4P1k1/8/8/8/8/8/4K3 w - - 0 1"


def test_checks_and_mate_suffixes_are_canonical() -> None:
    [game] = games_of(GAME.format(white="A").replace("Qxf7#", "Qxf7"))  # the file forgot the '#'
    assert isinstance(game, PgnGame)
    assert game.sans[-1] == "Qxf7#"


def test_bad_game_in_the_middle_is_reported_and_reading_goes_on() -> None:
    bad = GAME.format(white="Bad").replace("Qh5", "Qh6")
    text = "\n".join([GAME.format(white="First"), bad, GAME.format(white="After")])
    games = games_of(text)
    assert [type(g).__name__ for g in games] == ["PgnGame", "SkippedGame", "PgnGame"]
    skipped = games[1]
    assert isinstance(skipped, SkippedGame)
    assert skipped.line == 11
    assert "Qh6" in skipped.reason and "move 2." in skipped.reason and "(line 19)" in skipped.reason
    assert games[2].headers["White"] == "After"


def test_garbage_token_is_not_silently_dropped() -> None:
    """python-chess's tokenizer skips text it does not know; that would truncate the game quietly."""
    text = '[White "A"]\n[Black "B"]\n\n1. e4 e5\n\n2. Nf3 Nc6 3. Bc4 Qxd9 Nf6 *\n'
    [game] = games_of(text)
    assert isinstance(game, SkippedGame)
    assert "Qxd9" in game.reason and "move 3..." in game.reason and "(line 6)" in game.reason


def test_ambiguous_san_is_skipped() -> None:
    text = '[White "A"]\n[Black "B"]\n[FEN "4k3/8/8/8/8/8/8/1N1NK3 w - - 0 1"]\n\n1. Nc3 *\n'
    [game] = games_of(text)
    assert isinstance(game, SkippedGame) and "ambiguous" in game.reason


def test_variants_skipped_with_reason() -> None:
    variant = GAME.format(white="V").replace('[Result "1-0"]', '[Result "1-0"]\n[Variant "Chess960"]')
    standard = GAME.format(white="S").replace('[Result "1-0"]', '[Result "1-0"]\n[Variant "Standard"]')
    games = games_of(variant + "\n" + standard)
    assert isinstance(games[0], SkippedGame) and "Chess960" in games[0].reason
    assert isinstance(games[1], PgnGame)


def test_games_without_moves_and_garbage() -> None:
    text = 'this is not PGN at all\n\n[White "Empty"]\n[Black "B"]\n\n*\n\n' + GAME.format(white="Real")
    games = games_of(text)
    assert [g.line for g in games] == [1, 3, 8]
    assert isinstance(games[0], SkippedGame)
    assert isinstance(games[1], SkippedGame) and games[1].reason == "no moves"
    assert isinstance(games[2], PgnGame)


def test_headers_only_game_followed_by_a_game() -> None:
    text = '[White "OnlyTags"]\n[Black "B"]\n\n' + GAME.format(white="Real")
    games = games_of(text)
    assert [type(g).__name__ for g in games] == ["SkippedGame", "PgnGame"]


def test_fen_start_standard_game_kept() -> None:
    fen = "r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3"
    text = f'[White "A"]\n[Black "B"]\n[SetUp "1"]\n[FEN "{fen}"]\n\n3. Bb5 a6 *\n'
    [game] = games_of(text)
    assert isinstance(game, PgnGame) and game.fen == fen and game.moves == ("f1b5", "a7a6")


def test_dedup_key_ignores_spacing_and_case() -> None:
    a = dedup_key({"White": "Carlsen,M", "Black": "x"}, None, ["e2e4"])
    b = dedup_key({"White": " carlsen,m ", "Black": "X"}, None, ["e2e4"])
    c = dedup_key({"White": "Carlsen,M", "Black": "x"}, None, ["d2d4"])
    assert a == b != c


def test_chunks_parse_in_batches_like_one_by_one() -> None:
    with PgnSource.open(DATA / "jowen93-200.pgn.xz") as source:
        chunks = list(source.chunks())
    assert parse_chunks(chunks[:20]) == [parse_chunk(c) for c in chunks[:20]]


# ------------------------------------------------------------------------------------------------
# property tests: mutated and truncated PGN never raises; every game is accounted for

_SAMPLE = lzma.open(DATA / "masters-100.pgn.xz").read()[:6000]
_NOISE = st.sampled_from([b"{", b"}", b"(", b")", b"[", b"]", b"\n", b"\r\n", b"\n\n", b"e8Q", b"Nf9", b"1-0",
                          b"\xff", b"\xef\xbb\xbf", b";", b"%", b"$", b"--", b"O-O-O", b"\"", b"\x00"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, len(_SAMPLE)), edits=st.lists(st.tuples(st.integers(0, len(_SAMPLE)), _NOISE),
                                                        max_size=6))
def test_mutated_and_truncated_pgn_never_raises(cut: int, edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(_SAMPLE[:cut])
    for position, noise in edits:
        data[position:position] = noise
    games = list(read_games(io.BytesIO(bytes(data))))
    for game in games:
        assert isinstance(game, (PgnGame, SkippedGame))
        assert game.line >= 1
        if isinstance(game, SkippedGame):
            assert game.reason


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    for game in read_games(io.BytesIO(data)):
        assert isinstance(game, (PgnGame, SkippedGame))


def test_chunk_with_arbitrary_text_never_raises() -> None:
    for text in ["", "(", ")", "{", "1.", "[", '[White "x"', "1. e4 (((", "1. e4 ) ) e5", "1. -- e5"]:
        assert isinstance(parse_chunk(Chunk(1, text)), (PgnGame, SkippedGame))


# ------------------------------------------------------------------------------------------------
# issue 9: nothing lost, nothing invented

def jowen_text() -> str:
    return lzma.open(DATA / "jowen93-200.pgn.xz", "rt", encoding="utf-8").read()


@pytest.mark.parametrize("comment", ["\n; an aside with a { in it", " ; see {this"])
def test_brace_inside_rest_of_line_comment_does_not_swallow_the_file(comment: str) -> None:
    """A real export behind one such line imported 1 of 2,273 games; python-chess reads them all."""
    text = jowen_text()
    end_of_first = text.index("\n\n[Event")
    games = games_of(text[:end_of_first] + comment + text[end_of_first:])
    assert len(games) == 200
    assert all(isinstance(g, PgnGame) for g in games)


def test_game_without_tags_after_a_game_is_its_own_game() -> None:
    text = GAME.format(white="First") + "\n1. d4 d5 2. c4 *\n"
    games = games_of(text)
    assert len(games) == 2
    assert isinstance(games[0], PgnGame) and games[0].moves[-1] == "h5f7" and len(games[0].moves) == 7
    assert isinstance(games[1], PgnGame) and games[1].moves == ("d2d4", "d7d5", "c2c4")
    assert games[1].line == 11 and games[1].headers == {}


def test_encoding_is_decided_per_game_not_per_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pgn"
    path.write_bytes(GAME.format(white="Zoë").encode("utf-8") + b"\n" + GAME.format(white="Müller").encode("latin-1")
                     + b"\n" + GAME.format(white="Zoë Ærø").encode("utf-8"))
    with PgnSource.open(path) as source:
        names = [g.headers["White"] for g in source.games()]
        assert "cp1252" in source.encoding and "utf-8" in source.encoding
    assert names == ["Zoë", "Müller", "Zoë Ærø"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_import(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "wide.pgn"
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    path.write_bytes(bom + (GAME.format(white="Zoë") + "\n" + GAME.format(white="Łukasz")).encode(codec))
    with PgnSource.open(path) as source:
        games = list(source.games())
        assert source.encoding.startswith("utf-16")
    assert [g.headers["White"] for g in games] == ["Zoë", "Łukasz"]
    assert all(isinstance(g, PgnGame) and len(g.moves) == 7 for g in games)


def test_old_mac_line_endings_are_read() -> None:
    text = (GAME.format(white="A") + "\n" + GAME.format(white="B")).replace("\n", "\r")
    games = games_of(text)
    assert [g.headers["White"] for g in games] == ["A", "B"]
    assert all(isinstance(g, PgnGame) and len(g.moves) == 7 for g in games)
    assert [g.line for g in games] == [1, 11]


def test_unclosed_variation_is_reported_with_its_line() -> None:
    text = GAME.format(white="A").replace("2. Qh5", "2. Qh5 (2. Nf3 Nc6\n")
    [game] = games_of(text)
    assert isinstance(game, SkippedGame)
    assert "never closed" in game.reason and "line 9" in game.reason


def test_unclosed_comment_is_reported_and_does_not_swallow_the_next_game() -> None:
    text = GAME.format(white="A").replace("2. Qh5", "2. Qh5 {oops") + "\n" + GAME.format(white="B")
    games = games_of(text)
    assert isinstance(games[0], SkippedGame) and "never closed" in games[0].reason and "line 9" in games[0].reason
    assert isinstance(games[1], PgnGame) and games[1].headers["White"] == "B"


def test_tag_line_inside_movetext_is_reported_not_shortened() -> None:
    text = GAME.format(white="A").replace("3. Bc4", '\n[Annotator "x"]\n3. Bc4'.replace("\n\n", "\n"))
    games = games_of(text)
    assert not any(isinstance(g, PgnGame) and g.headers.get("White") == "A" and len(g.moves) < 7 for g in games)
    assert isinstance(games[0], SkippedGame)
    assert "tag" in games[0].reason and "line 10" in games[0].reason


def test_nul_bytes_after_the_result_do_not_reject_the_game() -> None:
    data = GAME.format(white="A").encode().replace(b"1-0\n", b"1-0\x00\x00\x00\n", 1)
    data = data[: data.rindex(b"1-0")] + b"1-0\x00\x00\n"
    [game] = games_of(data)
    assert isinstance(game, PgnGame) and len(game.moves) == 7


def test_move_number_glued_to_castling_is_read() -> None:
    text = '[White "A"]\n[Black "B"]\n\n1. e4 e5 2. Nf3 Nc6 3. Bc4 Bc5 4O-O Nf6 *\n'
    [game] = games_of(text)
    assert isinstance(game, PgnGame) and game.moves[-2:] == ("e1g1", "g8f6")


def test_san_is_the_board_s_not_the_file_s() -> None:
    [game] = games_of(GAME.format(white="A").replace("Qxf7#", "Qf7#").replace("Bc4", "Bfc4"))
    assert isinstance(game, PgnGame)
    assert game.sans == ("e4", "e5", "Qh5", "Nc6", "Bc4", "Nf6", "Qxf7#")
    [game] = games_of('[White "A"]\n[Black "B"]\n\n1. e4 d5 2. Bb5 c6 3. Bc6 *\n')
    assert isinstance(game, PgnGame) and game.sans[-1] == "Bxc6+"


@pytest.mark.parametrize("compress", [gzip.compress, lzma.compress, lambda data: bz2.compress(data, 1)],
                         ids=["gz", "xz", "bz2"])
@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_compressed_file_reads_every_game_before_the_damage(tmp_path: Path, compress, damage: str) -> None:  # type: ignore[no-untyped-def]
    """A real file cut at three quarters, or with random bytes there: the games before it are read."""
    text = jowen_text().encode()
    whole = list(read_games(io.BytesIO(text)))
    data = compress(text)
    cut = len(data) * 3 // 4  # bzip2 (100 kB blocks at level 1) cannot give back less than a block
    garbage = random.Random(9).randbytes(300)
    path = tmp_path / "games.pgn.damaged"
    path.write_bytes(data[:cut] if damage == "truncated" else data[:cut] + garbage + data[cut + 300:])
    with PgnSource.open(path) as source:
        games = list(source.games())
        assert source.error is not None and "damaged or cut short at line" in source.error
    read = [g for g in games if isinstance(g, PgnGame)]
    assert read == whole[:len(read)]  # nothing invented or garbled before the damage
    assert len(read) >= 100  # more than half of the 200 games lie before the damage
    assert isinstance(games[-1], SkippedGame) and "line" in games[-1].reason


def test_a_tag_line_cutting_a_game_does_not_make_its_rest_a_game() -> None:
    text = GAME.format(white="A").replace("2. Qh5", '\n[Annotator "x"]\n2. Qh5')
    games = games_of(text)
    assert [type(g).__name__ for g in games] == ["SkippedGame", "SkippedGame"]
    assert "cut by the tag line at line 10" in games[1].reason


def test_result_then_more_moves_on_the_next_line_stays_one_game_as_in_python_chess() -> None:
    text = '[White "A"]\n[Black "B"]\n\n1. e4 e5 1-0\n2. Nf3 Nc6 *\n'
    [game] = games_of(text)
    assert isinstance(game, PgnGame) and len(game.moves) == 4


# ------------------------------------------------------------------------------------------------
# the proof: mutated real games are read whole as python-chess reads them, or reported

def _real_games() -> list[str]:
    texts = []
    for name in ("masters-100.pgn.xz", "saubhi65-clock-40.pgn.xz", "jowen93-200.pgn.xz"):
        text = lzma.open(DATA / name, "rt", encoding="utf-8").read().strip()
        texts += ["[Event " + g if not g.startswith("[Event ") else g for g in text.split("\n\n[Event ")][:12]
    return texts


_GAMES = _real_games()
_MUTATIONS = st.sampled_from(["{", "}", "(", ")", ";", "; {", "; }", "\n[Annotator \"x\"]\n", "\n[", "\x00", "Nf9",
                              "1-0", " 1-0\n", "*", "8O-O", "O-O", "$1", "%", "\n%", "--", "[", "]", "\"", "{ ( }",
                              "(1. e4)", "\n; {\n", "é", "\ufeff"])


class _MainlineBuilder(chess.pgn.GameBuilder):
    """python-chess's game builder, told to skip variations: kibitz keeps the mainline only."""

    def begin_variation(self) -> chess.pgn.SkipType:
        return chess.pgn.SKIP

    def end_variation(self) -> None:
        pass  # nothing was begun


def _python_chess_moves(text: str) -> tuple[tuple[str, ...], bool]:
    """python-chess's reading of one game's text alone: its mainline, and whether it saw no error there."""
    game = chess.pgn.read_game(io.StringIO(text), Visitor=_MainlineBuilder)
    if game is None:
        return (), True
    return tuple(m.uci() for m in game.mainline_moves()), not game.errors


class _HeaderReader(chess.pgn.BaseVisitor[dict[str, str]]):
    """The tag pairs python-chess reads (``read_headers`` would add the seven-tag roster's "?")."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}

    def visit_header(self, tagname: str, tagvalue: str) -> None:
        self.headers[tagname] = tagvalue

    def end_headers(self) -> chess.pgn.SkipType:
        return chess.pgn.SKIP

    def result(self) -> dict[str, str]:
        return self.headers


def _python_chess_headers(text: str) -> dict[str, str]:
    return chess.pgn.read_game(io.StringIO(text), Visitor=_HeaderReader) or {}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.integers(0, len(_GAMES) - 1), min_size=1, max_size=4),
       edits=st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1), _MUTATIONS), max_size=5),
       tagless=st.lists(st.integers(1, 3), max_size=1))
@example(picks=[0, 0, 0], edits=[(0, 0.0, "{"), (1, 0.0, "{")], tagless=[])  # two comments left open in a row
@example(picks=[0, 0], edits=[(0, 0.0, "{"), (1, 1.0, "{")], tagless=[])  # the next one opens after its result
@example(picks=[0, 0], edits=[(0, 0.0, "{"), (1, 0.0, "}")], tagless=[])  # the next game's "}" closes it
def test_mutated_real_games_are_read_whole_or_reported(picks: list[int], edits: list[tuple[int, float, str]],
                                                      tagless: list[int]) -> None:
    """Every game read is exactly python-chess's reading of one input game's text; none shortened or merged."""
    texts = [_GAMES[i] for i in picks]
    for which, where, noise in edits:
        if which >= len(texts) or which in tagless:
            # A game without tags is told from the one before only by its clean start (a result, or
            # move 1 after a blank line); a "}" in it would close a comment left open before it.
            continue
        head, _, movetext = texts[which].partition("\n\n")
        at = max(1, int(where * len(movetext)))  # inside the movetext, not between it and the tags
        movetext = movetext[:at] + noise + movetext[at:]
        # No blank lines inside (python-chess ends a game at one, kibitz does not): the truth stays one game.
        texts[which] = head + "\n\n" + re.sub(r"\n\s*\n", "\n", movetext).lstrip()
    for which in tagless:
        if which < len(texts):
            texts[which] = texts[which].partition("\n\n")[2]  # a game without tag pairs after another
    starts, line = [], 1
    for text in texts:
        starts.append(line)
        line += text.count("\n") + 2
    data = "\n\n".join(texts) + "\n"
    check_read_as_python_chess(data, starts, texts)


def check_read_as_python_chess(data: str, starts: list[int], texts: list[str],
                               must_read: Callable[[int], bool] = lambda index: False) -> None:
    """Each game read from ``data`` is python-chess's reading of one input game's text (tags too), or
    reported; none shortened, merged or made from a middle; every input game with moves is accounted
    for where it stands, and read when ``must_read(index)``.
    """
    truths = [_python_chess_moves(text) for text in texts]
    read = games_of(data)
    seen: dict[int, int] = {}
    for game in read:
        index = max(i for i, start in enumerate(starts) if start <= game.line) if game.line >= starts[0] else 0
        if isinstance(game, PgnGame):
            moves, clean = truths[index]
            assert game.line == starts[index], f"a game made from the middle of input game {index}"
            assert clean and game.moves == moves, f"input game {index} read differently from python-chess"
            assert game.headers == _python_chess_headers(texts[index]), "tags lost or changed"
            seen[index] = seen.get(index, 0) + 1
        else:
            assert game.reason
    assert all(count == 1 for count in seen.values()), "one input game read as two"
    for index, (moves, clean) in enumerate(truths):
        if clean and must_read(index):
            assert seen.get(index) == 1, f"input game {index} was not read"
        elif moves:  # every game with moves is accounted for: read, or reported where it stands
            end = starts[index + 1] if index + 1 < len(starts) else 10**9
            assert any(starts[index] <= g.line < end for g in read), f"input game {index} vanished"


def test_files_joined_each_with_its_byte_order_mark() -> None:
    data = b"\xef\xbb\xbf" + GAME.format(white="A").encode() + b"\n\xef\xbb\xbf" + GAME.format(white="B").encode()
    games = games_of(data)
    assert [g.headers["White"] for g in games] == ["A", "B"]
    assert all(isinstance(g, PgnGame) for g in games)


# ------------------------------------------------------------------------------------------------
# issue 18: comments and variations holding blank lines, tag-like and move-number lines; line ends

_BLOB_LINES = st.sampled_from(["", "", "1. e4 e5 2. Nf3", "1.d4", "[White \"x\"]", "[Event \"Other\"]",
                               "some words", "1... c5", "[%clk 0:01:00]", "1-0", "12. Qxf7#", "*"])
_LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r\r\n"])  # mixable: each ends in "\n", so none merges with the next


def _blob(kind: str, lines: list[str]) -> tuple[str, str]:
    """A closed comment or variation holding ``lines``, and the text python-chess is given for it.

    python-chess ends a game at a blank line outside a comment, kibitz does not (a blank line in
    movetext is a layout accident): its truth for a variation has the blank lines taken out.
    """
    body = "\n".join(lines)
    if kind == "comment":
        return "{ " + body + " }", "{ " + body + " }"
    return "( " + body + " )", "( " + re.sub(r"\n\s*(?=\n)", "", body) + " )"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.integers(0, len(_GAMES) - 1), min_size=1, max_size=4),
       blobs=st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1), st.sampled_from(["comment", "variation"]),
                                st.lists(_BLOB_LINES, min_size=1, max_size=6)), max_size=4),
       unclosed=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["{ left open", "( 1... a6 left open"])),
                         max_size=1),
       ends=st.lists(st.sampled_from(["\n", "\r\n", "\r\r\n", "\r", "mixed"]), min_size=4, max_size=4),
       mix=st.randoms(use_true_random=False))
def test_comments_and_variations_with_blank_and_game_like_lines_never_invent_or_drop(
        picks: list[int], blobs: list[tuple[int, float, str, list[str]]], unclosed: list[tuple[int, str]],
        ends: list[str], mix: random.Random) -> None:
    """Each game is read as python-chess reads its text alone, or reported; none invented from a comment."""
    texts = [_GAMES[i] for i in picks]
    truth_texts = list(texts)
    for which, where, kind, lines in blobs:
        if which >= len(texts):
            continue
        text, truth = texts[which], truth_texts[which]
        # Before a move number after move 1 (a "(" before the first move opens nothing in python-chess).
        spots = [m.start() for m in re.finditer(r" (?=[2-9]\d*\.)", text)]
        if not spots:
            continue
        at = spots[int(where * (len(spots) - 1))]
        blob, truth_blob = _blob(kind, lines)
        texts[which] = text[:at] + " " + blob + text[at:]
        truth_at = [m.start() for m in re.finditer(r" (?=[2-9]\d*\.)", truth)][int(where * (len(spots) - 1))]
        truth_texts[which] = truth[:truth_at] + " " + truth_blob + truth[truth_at:]
    for which, opener in unclosed:
        if which < len(texts):
            at = texts[which].index(" 2.")
            texts[which] = texts[which][:at] + " " + opener + texts[which][at:]
            truth_texts[which] = truth_texts[which][:truth_texts[which].index(" 2.")] + " " + opener + \
                truth_texts[which][truth_texts[which].index(" 2."):]
    starts, line = [], 1
    for text in texts:
        starts.append(line)
        line += text.count("\n") + 2
    # Every line-ending mix: per game one style, or LF, CRLF and CR-CR-LF mixed line by line.
    parts = []
    for index, text in enumerate(texts):
        style = ends[index % len(ends)]
        pieces = (text + "\n\n").split("\n")
        parts.append("".join(piece + (mix.choice(["\n", "\r\n", "\r\r\n"]) if style == "mixed" else style)
                             for piece in pieces[:-1]))
    data = "".join(parts)
    left_open = {which for which, _ in unclosed}
    # Games whose comments and variations are all closed are read, whatever they hold.
    check_read_as_python_chess(data, starts, truth_texts, must_read=lambda index: index not in left_open)


def test_a_comment_with_a_blank_line_and_move_one_is_the_game_s_own_text() -> None:
    text = GAME.format(white="A").replace("2. Qh5", "2. Qh5 {the books say\n\n1. e4 e5 2. Qh5 is rare\n\n"
                                                    '[White "Morphy"]\n}') + "\n" + GAME.format(white="B")
    games = games_of(text)
    assert [(type(g).__name__, g.headers["White"], len(g.moves)) for g in games if isinstance(g, PgnGame)] == \
        [("PgnGame", "A", 7), ("PgnGame", "B", 7)]
    assert len(games) == 2


def test_a_variation_with_a_blank_line_and_move_one_is_the_game_s_own_text() -> None:
    text = GAME.format(white="A").replace("2. Qh5", "2. Qh5 (2. Nf3 Nc6\n\n1. d4 d5\n\n[White \"x\"]\n2. c4)")
    [game] = games_of(text)
    assert isinstance(game, PgnGame) and len(game.moves) == 7


@pytest.mark.parametrize("opener", ["{oops", "(2. Nf3 Nc6"])
def test_a_comment_or_variation_left_open_still_ends_at_the_next_game(opener: str) -> None:
    """When it truly ran on, the game is reported and the games after it are read."""
    text = "\n".join([GAME.format(white="A").replace("2. Qh5", "2. Qh5 " + opener), GAME.format(white="B"),
                      GAME.format(white="C").replace("1. e4", "1. e4 {[%clk 0:01:00]}")])
    games = games_of(text)
    assert isinstance(games[0], SkippedGame) and "never closed" in games[0].reason and "line 9" in games[0].reason
    assert [(g.headers["White"], len(g.moves)) for g in games[1:] if isinstance(g, PgnGame)] == [("B", 7), ("C", 7)]


@pytest.mark.parametrize("end", ["\r\r\n", "\r\n", "\r", "\n"])
def test_every_line_end_keeps_the_tags(end: str) -> None:
    text = (GAME.format(white="A") + "\n" + GAME.format(white="B")).replace("\n", end)
    games = games_of(text)
    assert [(g.headers.get("White"), g.headers.get("Event"), len(g.moves)) for g in games if isinstance(g, PgnGame)] \
        == [("A", "Club", 7), ("B", "Club", 7)]
    assert [g.line for g in games] == [1, 11]


_ANNOTATED = {"±": ("3. Bc4", "3. Bc4 ±"), "+-": ("3. Bc4", "3. Bc4 +-"), "++": ("Qxf7#", "Qxf7++"),
              "N": ("3. Bc4", "3. Bc4 N"), "D": ("3. Bc4", "3. Bc4 D"), "=+ ∓": ("3. Bc4", "3. Bc4 =+ ∓"),
              "Pe4": ("1. e4", "1. Pe4"), "result then a tag": ("1-0\n", '1-0 [White "x"]\n'),
              "clock outside braces": ("3. Bc4", "3. Bc4 [%clk 0:01:00]")}


@pytest.mark.parametrize("case", list(_ANNOTATED))
def test_games_python_chess_reads_whole_are_not_skipped(case: str) -> None:
    old, new = _ANNOTATED[case]
    text = GAME.format(white="A").replace(old, new, 1)
    [game] = games_of(text)
    theirs = chess.pgn.read_game(io.StringIO(text))
    assert theirs is not None and not theirs.errors
    assert isinstance(game, PgnGame), game
    assert game.moves == tuple(m.uci() for m in theirs.mainline_moves()) and len(game.moves) == 7


@pytest.mark.parametrize("capture", ["exd6 e.p.", "exd6e.p."])
def test_en_passant_marks_are_read(capture: str) -> None:
    text = f'[White "A"]\n[Black "B"]\n\n1. e4 Nf6 2. e5 d5 3. {capture} e6 *\n'
    [game] = games_of(text)
    assert isinstance(game, PgnGame) and game.moves[4:] == ("e5d6", "e7e6")


def test_a_typo_after_an_annotation_is_still_reported() -> None:
    """The visitor reads annotations; python-chess would drop "Qxd9" there too, so it is looked for."""
    [game] = games_of(GAME.format(white="A").replace("3. Bc4", "3. Bc4 ± Qxd9"))
    assert isinstance(game, SkippedGame) and "Qxd9" in game.reason and "line 9" in game.reason
