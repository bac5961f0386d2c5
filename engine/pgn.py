"""Streaming, tolerant PGN reading: any size, any common encoding, bad games reported not fatal.

A file is read line by line (plain, ``.gz``, ``.xz`` or ``.bz2``) and split into one text chunk per
game, so the whole file is never in memory and the chunks can be parsed in a worker pool. Each chunk
is parsed by a python-chess visitor that builds no game tree: it keeps the headers and the mainline
moves only. Every game ends as a :class:`PgnGame` or a :class:`SkippedGame` that says where it
started and why it was skipped; nothing is silently repaired.

>>> import io
>>> text = b'[White "A"]\\n[Black "B"]\\n\\n1. e4 e5 2. Qh5 Nc6 3. Bc4 Nf6 4. Qxf7# 1-0\\n'
>>> [game.moves[-1] for game in read_games(io.BytesIO(text)) if isinstance(game, PgnGame)]
['h5f7']
"""

from __future__ import annotations

import codecs
import hashlib
import io
import lzma
import os
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Final

import chess
import chess.pgn

from kibitz.engine.clock import parse_clk
from kibitz.engine.pgn_input import CountingReader, open_input

#: Variant tag values that mean ordinary chess (compared case-insensitively).
STANDARD_VARIANTS: Final = frozenset({"", "standard", "chess", "normal", "from position", "fromposition"})
RESULTS: Final = frozenset({"1-0", "0-1", "1/2-1/2", "*"})
KEY_TAGS: Final = ("White", "Black", "Date", "Event", "Round", "Site")
#: Tags that tell apart games alike in the others (two quick games of one pair on one day, same
#: moves); a game keyed before they counted keeps its key when it has none of them.
MORE_KEY_TAGS: Final = ("UTCDate", "UTCTime", "Time", "Link", "GameId")
#: The tag holding a game's id when it was played in the app (it survives export and import).
GAME_ID_TAG: Final = "KibitzGameId"

_BOM: Final = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Chunk:
    """The text of one game, the 1-based line where it starts in its file, and what is wrong with it, if known."""

    line: int
    text: str
    problem: str | None = None  # set when the reader already knows the game cannot be imported whole


@dataclass(frozen=True, slots=True)
class PgnGame:
    """One readable game: headers, start position, mainline moves (UCI and SAN) and its dedup key."""

    line: int
    headers: dict[str, str]
    fen: str | None
    moves: tuple[str, ...]
    sans: tuple[str, ...]
    result: str
    key: str
    #: The mover's clock after each move from ``[%clk]`` comments (seconds; None where missing), or
    #: empty when the game has none.
    clocks: tuple[float | None, ...] = ()


def _clocks(clocks: list[float | None]) -> tuple[float | None, ...]:
    return tuple(clocks) if any(c is not None for c in clocks) else ()


@dataclass(frozen=True, slots=True)
class SkippedGame:
    """A game that could not be imported, where it starts and why (``reason`` reads as a sentence)."""

    line: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)


ParsedGame = PgnGame | SkippedGame


def dedup_key(headers: dict[str, str], fen: str | None, moves: Iterable[str]) -> str:
    """Key under which a game is stored once: sha1 of the normalized identifying tags, start and moves.

    Tags are whitespace-collapsed and case-folded, so a re-export that changes only spacing or case
    of a name is still recognised as the same game; a missing tag equals its placeholder (``?``,
    ``-``, ``????.??.??``), which an export writes for it. A game played in the app is keyed by
    its id tag alone (:data:`GAME_ID_TAG`): its moves change while it is played, and two quick
    games between the same players on one day may well have the same moves.
    """
    if headers.get(GAME_ID_TAG):
        return hashlib.sha1(f"kibitz-game\x1e{headers[GAME_ID_TAG]}".encode()).hexdigest()
    tags = "\x1f".join(_key_tag(headers.get(tag, "")) for tag in KEY_TAGS)
    more = [_key_tag(headers.get(tag, "")) for tag in MORE_KEY_TAGS]
    if any(more):
        tags += "\x1d" + "\x1f".join(more)
    text = f"{tags}\x1e{fen or ''}\x1e{' '.join(moves)}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def distinct_game_key(key: str, fen: str | None, moves: Iterable[str]) -> str:
    """The key of a game whose id tag (:data:`GAME_ID_TAG`) a different stored game already has.

    Copied tags must not merge different games; the moves tell them apart (a game is the same
    when one's moves continue the other's, as an export taken mid-game does).
    """
    return hashlib.sha1(f"{key}\x1e{fen or ''}\x1e{' '.join(moves)}".encode()).hexdigest()


def starting_board(fen: str | None) -> chess.Board:
    """The board a game starts from: Chess960 where the position's castling rights say so.

    A game from a position whose castling rooks or king stand off the standard squares is a
    Chess960 game whatever its tags say (python-chess reads a FEN tag so); a plain ``chess.Board(fen)``
    would drop those castling rights, and castling (stored king-takes-rook) would then be illegal.

    >>> starting_board("bqnb1rkr/pppppppp/8/8/8/8/PPPPPPPP/BQNB1RKR w KQkq - 0 1").chess960
    True
    """
    if not fen:
        return chess.Board()
    board = chess.Board(fen, chess960=True)
    board.chess960 = board.has_chess960_castling_rights()
    return board


#: Characters that show nothing and are no format character: fillers.
_INVISIBLE: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def clean_name(text: str) -> str:
    """A name or tag as people see it: Unicode NFC, invisible characters dropped, spaces collapsed.

    ``"Jose\u0301"`` (decomposed) and ``"José"`` are one name, as are ``"Al\u200bice"`` and ``"Alice"``.

    >>> clean_name("  Al\u200bice   Smith ")
    'Alice Smith'
    """
    text = unicodedata.normalize("NFC", text)
    if not text.isprintable() or not _INVISIBLE.isdisjoint(text):
        text = "".join(c for c in text if c not in _INVISIBLE and (c.isspace() or unicodedata.category(c) not in
                                                                   ("Cf", "Cc", "Co", "Cs", "Cn")))
    return " ".join(text.split())


def name_key(name: str) -> str:
    """The form in which player names are compared: :func:`clean_name`, case-folded."""
    return unicodedata.normalize("NFC", clean_name(name).casefold())


def _key_tag(value: str) -> str:
    value = name_key(value)
    return value if value.strip("?.-") else ""  # unknown or not applicable


# --------------------------------------------------------------------------------------------------
# Opening files and splitting them into games


#: What reading a damaged or unreadable file raises (also what the importer expects from a file).
READ_ERRORS: Final = (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError)
#: A line longer than this is not PGN (an endless stream without line ends, such as zero bytes).
MAX_LINE_BYTES: Final = 1 << 28
_BLOCK: Final = 1 << 16
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
_CR_LINE_END: Final = re.compile(rb"\r+\n")
# Where the chunker looks inside a movetext line: comment and variation marks, and results that
# end a game (as separate tokens, so "1-0" inside "11-0" or a name does not count).
_RESULT_MARK: Final = re.compile(rb"(?<![^\s\x00.)}])(?:1-0|0-1|1/2-1/2|\*)(?![^\s\x00({;])")
_MARKS: Final = re.compile(rb"[{};()]|" + _RESULT_MARK.pattern)
_CLOSED_COMMENT: Final = re.compile(rb"\{[^}]*\}")
_BLANKS: Final = b" \t\r\n\x00\x0b\x0c"  # NUL bytes pad some real files
_NEVER_CLOSED: Final = "is never closed"  # how the reason for a comment or variation left open ends
_HELD_LINES: Final = 5000  # a comment or variation open this long after a suspect line ran on
_HELD_BYTES: Final = 1 << 22
_MOVE_ONE: Final = re.compile(rb"1\.\s*(?:[NBRQK]?[a-h]?[1-8]?x?[a-h][1-8]|O-O)")
_TAG_LINE: Final = re.compile(chess.pgn.TAG_REGEX.pattern.encode())


class PgnSource:
    """An open PGN file: yields per-game chunks and remembers the encodings it had to use.

    The encoding is decided per game: a game is decoded as UTF-8 when it can be, otherwise line by
    line (UTF-8 where a line is valid UTF-8, else CP1252 with Latin-1 for the five bytes CP1252
    leaves undefined), so one Latin-1 game does not turn later UTF-8 names into mojibake. A file
    with a UTF-16 byte order mark (or the NUL-byte pattern of UTF-16 without one) is read as UTF-16.
    ``encoding`` says what happened, e.g. ``"utf-8"``, ``"utf-8-sig"``, ``"cp1252"``, ``"utf-16"``
    or ``"utf-8 (cp1252 in 2 games)"``. Line ends may be LF, CRLF or CR (old Macs).

    Compression is recognised by magic bytes (gzip, xz, bzip2), not by the file name. When the file
    is cut short or damaged, every game before the damage is read, the game it cuts is reported as
    skipped, and ``error`` says where and why the file ends.

    >>> with PgnSource.open(path) as source:               # doctest: +SKIP
    ...     for chunk in source.chunks(): ...
    """

    def __init__(self, stream: IO[bytes], *, name: str = "<stream>", counter: CountingReader | None = None,
                 size: int = 0) -> None:
        self._stream = stream
        self._counter = counter
        self.name = name
        self.bytes_total = size
        self.error: str | None = None  # why reading stopped before the end of the file
        self._base_encoding = "utf-8"
        self._utf8_games = 0  # games with non-ASCII text, by how they were decoded
        self._cp1252_games = 0

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> PgnSource:
        """Open ``path`` (plain or compressed; a pipe, or ``-`` for standard input, too).

        :raises OSError: when the file cannot be opened or read.
        :raises NotPgnInput: for what cannot be a PGN file (a device, an archive, a pipe without a writer).
        """
        stream, counter, size, name = open_input(path)
        return cls(stream, name=name, counter=counter, size=size)

    @property
    def encoding(self) -> str:
        """How the text was decoded (see the class docstring)."""
        if not self._cp1252_games:
            return self._base_encoding
        if not self._utf8_games:
            return "cp1252"
        plural = "game" if self._cp1252_games == 1 else "games"
        return f"{self._base_encoding} (cp1252 in {self._cp1252_games} {plural})"

    @property
    def bytes_read(self) -> int:
        """Bytes taken so far from the file on disk (compressed bytes for a compressed file)."""
        return self._counter.count if self._counter is not None else 0

    def close(self) -> None:
        self._stream.close()
        if self._counter is not None:
            self._counter.close()

    def __enter__(self) -> PgnSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _decode(self, data: bytes) -> str:
        if data.isascii():
            return data.decode("ascii")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            self._utf8_games += 1
            return text
        self._cp1252_games += 1
        return "\n".join(decode_line(line) for line in data.split(b"\n"))

    def blocks(self) -> Iterator[bytes]:
        """The file's text in blocks of whole lines, each line ending in LF (LF, CRLF, CR and CRCRLF ends
        all become LF), as UTF-8 or 8-bit bytes: a UTF-16 file is re-encoded, a UTF-8 byte order mark
        dropped. For scans that look for a few lines (the names in the tags) without splitting every line.

        A read error ends the blocks early and is kept in ``error``, with the line it happened at; the
        line it cut is not given.
        """
        # read1 (one underlying read), so a read error loses no text that came before it
        read = getattr(self._stream, "read1", self._stream.read)
        pending: list[bytes] = []  # the pieces of the line not yet ended
        pending_size = 0
        decoder: codecs.IncrementalDecoder | None = None
        count = 0
        try:
            block = read(_BLOCK)
            if block.startswith(_BOM):
                block = block[len(_BOM):]
                self._base_encoding = "utf-8-sig"
            elif block.startswith(_UTF16_BOMS) or _looks_like_utf16(block):
                codec = "utf-16" if block.startswith(_UTF16_BOMS) else \
                    "utf-16-le" if block[1:2] == b"\x00" else "utf-16-be"
                decoder = codecs.getincrementaldecoder(codec)(errors="replace")
                self._base_encoding = "utf-16"
            while block:
                if decoder is not None:
                    block = decoder.decode(block).encode("utf-8")
                if b"\n" not in block and b"\r" not in block:
                    # Inside a long line (a comment of megabytes): keep the pieces, join once at its end.
                    pending.append(block)
                    pending_size += len(block)
                    if pending_size > MAX_LINE_BYTES:
                        raise ValueError(f"a line longer than {MAX_LINE_BYTES >> 20} MB: this is not PGN text")
                    block = read(_BLOCK)
                    continue
                data = b"".join(pending) + block
                held = b""
                if b"\r" in data:
                    trimmed = data.rstrip(b"\r")
                    # CRs at the end may be half of a line end split between blocks
                    data, held = trimmed, data[len(trimmed):]
                    # "\r\r\n" is one line end (a file converted to CRLF twice), as is "\r\n" or "\r"
                    data = _CR_LINE_END.sub(b"\n", data).replace(b"\r", b"\n")
                end = data.rfind(b"\n") + 1
                rest = data[end:] + held
                pending, pending_size = [rest], len(rest)
                count += data.count(b"\n", 0, end)
                if end:
                    yield data[:end]
                block = read(_BLOCK)
        except READ_ERRORS as error:
            where = f"line {count + 1}" if pending_size or not count else f"the end of line {count}"
            self.error = f"the file is damaged or cut short at {where}: {_describe(error)}"
            pending = []  # a line cut by the damage is not trusted
        last = b"".join(pending).rstrip(b"\r")
        if last:
            yield last + b"\n"

    def _lines(self) -> Iterator[bytes]:
        """The file's lines without their ends (LF, CRLF or CR), as UTF-8 or 8-bit bytes.

        A read error ends the lines early and is kept in ``error``, with the line it happened at.
        """
        for block in self.blocks():
            yield from block[:-1].split(b"\n")

    def chunks(self) -> Iterator[Chunk]:
        """Split the file into per-game text chunks, without parsing the moves.

        A game ends where a tag pair follows its result or a blank line after its movetext; where,
        after a blank line, movetext follows its result or starts again at move 1 (the next game has
        no tag pairs); where a tag line follows a blank line after its tags, or two blank lines end
        them (a game with headers only, as python-chess reads it). A blank line inside movetext
        otherwise does not end a game. Braces are followed outside ``;`` rest-of-line comments, so
        tag-looking lines inside a ``{...}`` comment do not split.

        A comment or variation holding a blank line and then a tag line or move 1 is read on as the
        game's own text, as python-chess reads it, unless it ran on into the next games: the whole
        does not read (or a game's tag block sits in it) and the rest does; then the game is cut at
        that line (see :meth:`_ran_on`). A chunk has a ``problem`` (the game is reported, never
        shortened) when a tag pair cuts its movetext before any result (and the rest of that game,
        unless it starts at move 1), when a comment or variation left open runs into the next game,
        and when the file ends in damage. Blank and ``%``
        lines become ``;`` (comment) lines, so python-chess never ends a game early at a blank line
        inside its movetext and line numbers inside the chunk still match the file.
        """
        return self._chunks(_Pushback(enumerate(self._lines(), 1)), final=True)

    def _chunks(self, numbered: _Pushback, *, final: bool) -> Iterator[Chunk]:
        """The chunker over numbered lines; ``final``: the file's own lines (its read error is reported)."""
        lines: list[bytes] = []
        start = 0
        number = 0
        in_movetext = blank_after_movetext = False
        in_comment = blank_in_comment = terminated = False
        blanks_after_tags = comment_line = variation_line = 0
        depth = 0

        cut_at = 0  # the line of the tag that cut the previous game's movetext, when this chunk starts there
        cut_here = 0
        # Where a comment or variation with a blank line meets what may be the next game (its tags, or
        # move 1): the chunk goes on, as python-chess reads it, but keeps the lines from there to cut
        # it at that line if the whole does not read and the rest does (the comment ran on).
        suspect: tuple[int, str] | None = None  # (index in lines, the problem of the game cut there)
        held: list[tuple[int, bytes]] = []
        held_bytes = 0

        def chunk(problem: str | None = None) -> Chunk:
            if problem is None and cut_at and not _starts_at_move_one(lines):
                problem = f"the rest of a game cut by the tag line at line {cut_at} (its moves do not start at move 1)"
            return Chunk(start, self._decode(b"\n".join(lines)), problem)

        def restart() -> None:
            """Forget the game read so far: the next line begins a chunk."""
            nonlocal lines, suspect, held, held_bytes, in_movetext, blank_after_movetext, in_comment, \
                blank_in_comment, terminated, depth, blanks_after_tags
            lines, suspect, held, held_bytes = [], None, [], 0
            in_movetext = blank_after_movetext = in_comment = blank_in_comment = terminated = False
            depth = blanks_after_tags = 0

        def cut_at_suspect(problem: str | None, *, check: bool = True) -> Chunk | None:
            """The game before the suspect line, when the chunk is to be cut there: its rest is read again."""
            nonlocal cut_at
            assert suspect is not None
            if check and not self._ran_on(chunk(problem), held):
                return None
            index, why = suspect
            del lines[index:]
            numbered.push(held)
            cut = chunk(why)
            restart()
            cut_at = 0
            return cut

        while True:
            item = numbered.next()
            if item is None:
                if suspect is not None and lines and (cut := cut_at_suspect(None)) is not None:
                    yield cut
                    continue
                break
            number, line = item
            if suspect is not None:
                held.append(item)
                held_bytes += len(line)
                if (in_comment or depth) and (len(held) > _HELD_LINES or held_bytes > _HELD_BYTES):
                    # Open for too long: the comment or variation did run on into other games.
                    cut = cut_at_suspect(None, check=False)
                    assert cut is not None
                    yield cut
                    continue
            stripped = line.strip(_BLANKS)
            if stripped.startswith(_BOM):  # files joined with cat, each with its byte order mark
                line = stripped = stripped[len(_BOM):]
            if not stripped:
                if lines:
                    if in_comment:
                        blank_in_comment = True
                    elif in_movetext:
                        blank_after_movetext = True
                    else:
                        blanks_after_tags += 1
                    lines.append(b";")  # keeps line numbers; a blank line would end the game early
                continue
            first = stripped[:1]
            problem = None
            cut_here = 0
            if in_comment or depth:
                if suspect is None and (_TAG_LINE.match(stripped) or _MOVE_ONE.match(stripped)) and \
                        (blank_in_comment if in_comment else first == b"[" or blank_after_movetext):
                    # Maybe a comment or variation left open running into the next game, maybe its text.
                    what, opened = ("comment", comment_line) if in_comment else ("variation", variation_line)
                    suspect = (len(lines), f"a {what} opened at line {opened} {_NEVER_CLOSED}")
                    held, held_bytes = [item], len(line)
            elif first == b"[" and (not in_movetext or _TAG_LINE.match(stripped)):
                # (in movetext, a "[" line that is no tag pair is movetext, as python-chess reads it)
                if in_movetext and not (terminated or blank_after_movetext):
                    problem = f"the movetext is cut off by a tag line at line {number}, before any result"
                    cut_here = number
                elif not (in_movetext or blanks_after_tags):
                    if not lines:
                        start = number
                    lines.append(stripped)
                    continue
                else:
                    problem = ""  # the next game's tags
            elif first in (b"{", b";", b"%"):
                pass
            elif blank_after_movetext and (terminated or _MOVE_ONE.match(stripped)):
                problem = ""  # after a blank line, movetext after a result or from move 1: a game without tags
            elif blanks_after_tags > 1 and not in_movetext:
                problem = ""  # two blank lines end a game's tags without movetext (as in python-chess)
            if problem is not None:
                if lines:
                    # (held ends with this line: it is read again after a cut)
                    if suspect is not None and (cut := cut_at_suspect(problem or None)) is not None:
                        yield cut
                        continue
                    yield chunk(problem or None)
                restart()
                cut_at = cut_here
                if first == b"[":
                    start = number
                    lines.append(stripped)
                    continue
                start = number
            if not lines:
                start = number
            if first == b"%" and not in_comment:
                lines.append(b";")  # an escaped line
                continue
            in_movetext = True
            lines.append(line)
            rest = line
            if in_comment:
                close = rest.find(b"}")
                if close < 0:
                    continue
                in_comment, rest = False, rest[close + 1:]
            if b"(" in rest or b")" in rest:
                terminated = False  # moves on this line; a result after them ends the game again
                for mark in _MARKS.finditer(rest):  # token by token: a result inside a variation ends nothing
                    token = mark.group()
                    if in_comment:
                        if token == b"}":
                            in_comment = False
                    elif token == b"{":
                        in_comment, blank_in_comment, comment_line = True, False, number
                    elif token == b";":
                        break  # the rest of the line is a comment: braces in it open nothing
                    elif token == b"(":
                        if not depth:
                            variation_line = number
                        depth += 1
                    elif token == b")":
                        depth = max(depth - 1, 0)
                    elif not depth:
                        terminated = True
                continue
            # The common line (no variation) at C speed: drop closed comments, then a ";" comment,
            # then an unclosed "{" and what follows it; what is left is movetext.
            if b"{" in rest:
                rest = _CLOSED_COMMENT.sub(b" ", rest)
            semicolon = rest.find(b";")
            if semicolon >= 0:
                rest = rest[:semicolon]
            brace = rest.find(b"{")
            if brace >= 0:
                in_comment, blank_in_comment, comment_line = True, False, number
                rest = rest[:brace]
            if not depth:
                # The game is over when a result is the last movetext; moves after it continue the game.
                result = None
                for result in _RESULT_MARK.finditer(rest):
                    pass
                if result is not None:
                    terminated = not rest[result.end():].strip(_BLANKS)
                elif rest.strip(_BLANKS):
                    terminated = False
        if not final:
            if lines:
                yield chunk()
        elif self.error is not None:
            if lines and not terminated:
                yield chunk(f"the game is cut off where the file ends early: {self.error}")
            else:
                if lines:
                    yield chunk()
                yield Chunk(number + 1, "", f"nothing after line {number} could be read: {self.error}")
        elif lines:
            yield chunk()

    def _ran_on(self, whole: Chunk, rest: list[tuple[int, bytes]]) -> bool:
        """Whether a comment or variation ran on into the next games, so the chunk is cut at the suspect line.

        Yes when the whole chunk is left open to its end; or when a game in the rest reads and the
        whole does not, or the rest holds a game's tag block (tags, a blank line, movetext) that a
        later ``}`` only seemed to join to this game. Otherwise the text is the game's own comment:
        nothing is cut, and no game is made from a comment's text.
        """
        counts = self._utf8_games, self._cp1252_games  # what is decoded here is decoded again later
        try:
            read = parse_chunk(whole)
            if isinstance(read, SkippedGame) and read.reason.endswith(_NEVER_CLOSED):
                return True
            if isinstance(read, PgnGame) and not _holds_tag_block(rest):
                return False
            return any(isinstance(parse_chunk(part), PgnGame)
                       for part in self._chunks(_Pushback(iter(rest)), final=False))
        finally:
            self._utf8_games, self._cp1252_games = counts

    def games(self) -> Iterator[ParsedGame]:
        """Parse the file's games one after the other in this process."""
        for chunk in self.chunks():
            yield parse_chunk(chunk)


class _Pushback:
    """An iterator of numbered lines that takes lines back, to be read again first."""

    def __init__(self, items: Iterator[tuple[int, bytes]]) -> None:
        self._items = items
        self._back: list[tuple[int, bytes]] = []  # reversed: the next one last

    def next(self) -> tuple[int, bytes] | None:
        if self._back:
            return self._back.pop()
        return next(self._items, None)

    def push(self, items: list[tuple[int, bytes]]) -> None:
        self._back.extend(reversed(items))


def _holds_tag_block(lines: list[tuple[int, bytes]]) -> bool:
    """Whether the lines hold a game's start: tag lines, a blank line, then a line of movetext."""
    tags = blank = False
    for _, line in lines:
        stripped = line.strip(_BLANKS)
        if _TAG_LINE.match(stripped):
            tags, blank = True, False
        elif not stripped:
            blank = tags
        elif tags and blank:
            return True
        else:
            tags = blank = False
    return False


def _starts_at_move_one(lines: list[bytes]) -> bool:
    """Whether a chunk's movetext begins with move 1 (or it has a FEN, which may start anywhere)."""
    for line in lines:
        if line.startswith(b"[FEN "):
            return True
        if not line.startswith((b"[", b";")):
            return line.lstrip().startswith(b"1.")
    return True


def _looks_like_utf16(block: bytes) -> bool:
    """UTF-16 without a byte order mark: text whose every other byte is NUL."""
    sample = block[:512]
    return len(sample) >= 8 and (sample[1::2].count(0) > 0.9 * (len(sample) // 2)
                                 or sample[0::2].count(0) > 0.9 * (len(sample) // 2))


def decode_line(line: bytes) -> str:
    """One line of a PGN file as text: UTF-8 where it is valid, else CP1252 (Latin-1 for the bytes
    CP1252 leaves undefined), as games are read.

    >>> decode_line("Réti".encode("utf-8")), decode_line("Réti".encode("cp1252"))
    ('Réti', 'Réti')
    """
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes CP1252 leaves undefined are read as Latin-1
        return "".join(chr(b) if 0x80 <= b < 0xA0 else bytes([b]).decode("cp1252") for b in line)


def read_games(source: str | os.PathLike[str] | IO[bytes]) -> Iterator[ParsedGame]:
    """Every game of a PGN file or binary stream, as :class:`PgnGame` or :class:`SkippedGame`."""
    if isinstance(source, (str, os.PathLike)):
        with PgnSource.open(source) as pgn:
            yield from pgn.games()
    else:
        yield from PgnSource(source).games()


# --------------------------------------------------------------------------------------------------
# Parsing one game


class _MainlineVisitor(chess.pgn.BaseVisitor["ParsedGame | None"]):
    """Collects headers and mainline moves; skips variations and builds no tree (that is the speed)."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.headers: dict[str, str] = {}
        self.moves: list[str] = []
        self.sans: list[str] = []
        self.clocks: list[float | None] = []
        self.movetext_result: str | None = None
        self.error: str | None = None
        self.skip_reason: str | None = None
        self._start_fen: str | None = None

    def visit_header(self, tagname: str, tagvalue: str) -> None:
        self.headers[tagname] = tagvalue

    def end_headers(self) -> chess.pgn.SkipType | None:
        variant = self.headers.get("Variant", "").strip().casefold()
        if variant not in STANDARD_VARIANTS:
            self.skip_reason = f"variant {self.headers['Variant']!r} is not standard chess"
            return chess.pgn.SKIP
        return None

    def begin_variation(self) -> chess.pgn.SkipType:
        return chess.pgn.SKIP

    def parse_san(self, board: chess.Board, san: str) -> chess.Move:
        move = board.parse_san(san)
        if not move:
            raise chess.IllegalMoveError(f"null move {san!r} in the mainline")
        return move

    def visit_move(self, board: chess.Board, move: chess.Move) -> None:
        self.moves.append(move.uci())
        self.sans.append(board.san(move))  # the board's spelling: "Bxf7+" where the file says "Bf7"
        self.clocks.append(None)

    def visit_comment(self, comment: str) -> None:
        if self.clocks and "%clk" in comment:  # variations are skipped, so this follows a mainline move
            self.clocks[-1] = parse_clk(comment)

    def visit_board(self, board: chess.Board) -> None:
        if self._start_fen is None:
            self._start_fen = board.fen()

    def visit_result(self, result: str) -> None:
        self.movetext_result = result

    def handle_error(self, error: Exception) -> None:
        if self.error is None:
            ply = len(self.moves)
            where = f" at move {ply // 2 + 1}{'.' if ply % 2 == 0 else '...'}" if self.moves else ""
            self.error = f"{_describe(error)}{where}"

    def result(self) -> ParsedGame | None:
        return None


def _describe(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    if text.startswith(("illegal san", "ambiguous san", "invalid san")):
        text = text.split(" in ", 1)[0]  # python-chess appends the FEN; the move number says where
    return text[:200]


def parse_chunk(chunk: Chunk) -> ParsedGame:
    """Parse one game's text (from :meth:`PgnSource.chunks`). Never raises for bad input.

    Well-formed games take a fast path (a flat tokenizer, no visitor calls per token). Anything it
    does not fully understand, including every error, is parsed again by the python-chess visitor,
    which is the authority on what is readable and gives the reason reported for a skipped game.
    """
    if chunk.problem is not None:
        return SkippedGame(chunk.line, chunk.problem, _read_headers(chunk.text)[0])
    try:
        game = _parse_fast(chunk)
    except Exception:  # noqa: BLE001 - the fast path gives up; the visitor decides
        game = None
    return game if game is not None else _parse_with_visitor(chunk)


# A comment left open is the lone "{"; a move number may be glued to its move ("8O-O"); control
# characters (NUL bytes after a result in real files) separate tokens as python-chess's reader treats them.
_TOKEN: Final = re.compile(r"\{[^}]*\}|\{|;[^\n]*|[()]|\$\d+|1-0|0-1|1/2-1/2|\*|\d+(?:\.+|(?=[A-Za-z]))"
                           r"|[?!]+|[^\s\x00-\x1f\x7f{};()$?!]+")
_MOVE_NUMBER: Final = re.compile(r"\d+\.*")
_MOVE_SHAPED: Final = re.compile(r"[PNBRQK]?[a-h]?[0-9]?[x:-]?[a-z][0-9]")  # a piece or file, then a square-ish
_TAG: Final = re.compile(chess.pgn.TAG_REGEX.pattern.lstrip("^"))  # python-chess's, usable at an offset


def _read_headers(text: str) -> tuple[dict[str, str], int]:
    """The tag pairs at the start of a game's text, and where the first line that is not one starts."""
    headers: dict[str, str] = {}
    position = 0
    while text.startswith("[", position):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        match = _TAG.match(text, position, end)
        if match is None:
            break
        headers[match.group(1)] = match.group(2)
        position = end + 1
    return headers, position


def _parse_fast(chunk: Chunk) -> ParsedGame | None:
    """The common case quickly, or None to hand the chunk to the visitor."""
    text = chunk.text
    headers, position = _read_headers(text)
    if text.startswith("[", position):
        return None  # a tag line python-chess may read differently
    if headers.get("Variant", "").strip().casefold() not in STANDARD_VARIANTS:
        return None
    fen = headers.get("FEN")
    board = chess.Board() if fen is None else chess.Board(fen)
    start_fen = None if fen is None or board.fen() == chess.STARTING_FEN else board.fen()
    if board.chess960 or board.has_chess960_castling_rights():
        return None
    moves: list[str] = []
    sans: list[str] = []
    clocks: list[float | None] = []
    depth = 0
    movetext_result = None
    for number, token in enumerate(_TOKEN.findall(text, position)):
        first = token[0]
        if token == "{":
            return None  # a comment never closed: the visitor path reports it
        if first == "{" or first == ";" or first == "$" or first == "?" or first == "!":
            if first == "{" and not depth and moves and "%clk" in token:
                clocks[-1] = parse_clk(token)  # the clock after the move the comment follows
            continue
        if first == "(":
            if moves:  # as python-chess: a "(" before the first move opens nothing
                depth += 1
            continue
        if first == ")":
            depth -= 1
            if depth < 0:
                return None
            continue
        if depth:
            continue
        if token in RESULTS:
            movetext_result = token
            continue
        if first.isdigit() and not token.startswith("0-0") and _MOVE_NUMBER.fullmatch(token):
            continue
        try:
            move = board.parse_san(token)
        except ValueError as error:
            whole_move = chess.pgn.MOVETEXT_REGEX.fullmatch(token)
            if not (_garbage(token) or (whole_move and whole_move.group(1))):
                return None  # an annotation ("±", "N", "e.p.") or a move inside one ("Qxf7++"): the visitor reads it
            return _bad_token(chunk, headers, position, number, len(moves), _describe(error))
        if not move:
            return _bad_token(chunk, headers, position, number, len(moves), f"null move {token!r}")
        moves.append(move.uci())
        sans.append(board.san_and_push(move))  # the board's spelling, not the file's ("Bf7" for "Bxf7")
        clocks.append(None)
    if depth or not moves:
        return None
    result = headers.get("Result", "").strip()
    if result not in RESULTS:
        result = movetext_result or "*"
    moves_tuple = tuple(moves)
    return PgnGame(chunk.line, headers, start_fen, moves_tuple, tuple(sans), result,
                   dedup_key(headers, start_fen, moves_tuple), _clocks(clocks))


def _garbage(token: str) -> bool:
    """Whether a token is a move gone wrong ("Qxd9", "Nf9") that python-chess would drop without a word.

    python-chess ignores text in which it finds no move; that is right for annotations ("±", "+-",
    "N", "D", "e.p.", "[%clk 0:01:00]") and wrong for a move with a typo, which would make the next
    move the other side's. A token in which it finds a move ("Qxf7++", "Pe4") is read as that move.
    """
    return _MOVE_SHAPED.match(token) is not None and not any(
        match.group(1) for match in chess.pgn.MOVETEXT_REGEX.finditer(token))


def _first_garbage(chunk: Chunk) -> str | None:
    """Why python-chess's reading of a game is not whole: a mainline token it dropped (see :func:`_garbage`)."""
    text = chunk.text
    depth = 0
    for token in _TOKEN.finditer(text, _read_headers(text)[1]):
        mark = token.group()
        if mark == "(":
            depth += 1
        elif mark == ")":
            depth = max(depth - 1, 0)
        elif not depth and mark[0] not in "{;$" and _garbage(mark):
            line = chunk.line + text.count("\n", 0, token.start())
            return f"bad move text: invalid san: {mark!r} (line {line})"
    return None


def _bad_token(chunk: Chunk, headers: dict[str, str], position: int, number: int, ply: int,
               why: str) -> SkippedGame:
    """The skipped game for the ``number``-th movetext token, with the line it is on."""
    match = next(m for i, m in enumerate(_TOKEN.finditer(chunk.text, position)) if i == number)
    line = chunk.line + chunk.text.count("\n", 0, match.start())
    move = f"move {ply // 2 + 1}{'.' if ply % 2 == 0 else '...'}"
    return SkippedGame(chunk.line, f"bad move text: {why} at {move} (line {line})", headers)


def _parse_with_visitor(chunk: Chunk) -> ParsedGame:
    visitor = _MainlineVisitor(chunk.line)
    try:
        chess.pgn.read_game(io.StringIO(chunk.text), Visitor=lambda: visitor)
    except Exception as error:  # noqa: BLE001 - a reader bug must not stop an import
        return SkippedGame(chunk.line, f"unreadable: {_describe(error)}", visitor.headers)
    headers = visitor.headers
    if visitor.skip_reason is not None:
        return SkippedGame(chunk.line, visitor.skip_reason, headers)
    if visitor.error is not None:
        return SkippedGame(chunk.line, f"bad move text: {visitor.error}", headers)
    unclosed = _unclosed(chunk) or _first_garbage(chunk)
    if unclosed is not None:
        return SkippedGame(chunk.line, unclosed, headers)
    if not visitor.moves:
        reason = "no moves" if headers else "no game here (text without tags or moves)"
        return SkippedGame(chunk.line, reason, headers)
    fen = None
    if "FEN" in headers and visitor._start_fen != chess.STARTING_FEN:
        fen = visitor._start_fen
    result = headers.get("Result", "").strip()
    if result not in RESULTS:
        result = visitor.movetext_result or "*"
    moves = tuple(visitor.moves)
    return PgnGame(chunk.line, headers, fen, moves, tuple(visitor.sans), result, dedup_key(headers, fen, moves),
                   _clocks(visitor.clocks))


def _unclosed(chunk: Chunk) -> str | None:
    """Why python-chess read less than the whole movetext: a variation or comment left open, or None.

    python-chess reads an unclosed ``(`` or ``{`` to the end of the game without an error, which
    would store a shortened game; this says where it was opened instead.
    """
    text = chunk.text
    position = _read_headers(text)[1]
    opened: list[int] = []
    for token in _TOKEN.finditer(text, position):
        mark = token.group()
        if mark == "{":
            return f"a comment opened at line {chunk.line + text.count(chr(10), 0, token.start())} {_NEVER_CLOSED}"
        if mark == "(":
            opened.append(token.start())
        elif mark == ")" and opened:
            opened.pop()
    if opened:
        return f"a variation opened at line {chunk.line + text.count(chr(10), 0, opened[0])} {_NEVER_CLOSED}"
    return None


def parse_chunks(chunks: list[Chunk]) -> list[ParsedGame]:
    """Parse a batch of chunks: the unit of work sent to a worker process."""
    return [parse_chunk(chunk) for chunk in chunks]
