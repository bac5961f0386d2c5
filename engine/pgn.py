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

import bz2
import codecs
import functools
import hashlib
import io
import lzma
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, Final, cast

import chess
import chess.pgn

#: Variant tag values that mean ordinary chess (compared case-insensitively).
STANDARD_VARIANTS: Final = frozenset({"", "standard", "chess", "normal", "from position", "fromposition"})
RESULTS: Final = frozenset({"1-0", "0-1", "1/2-1/2", "*"})
KEY_TAGS: Final = ("White", "Black", "Date", "Event", "Round", "Site")
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
    text = f"{tags}\x1e{fen or ''}\x1e{' '.join(moves)}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _key_tag(value: str) -> str:
    value = " ".join(value.split()).casefold()
    return value if value.strip("?.-") else ""  # unknown or not applicable


# --------------------------------------------------------------------------------------------------
# Opening files and splitting them into games


class _CountingReader(io.RawIOBase):
    """A raw reader that counts the bytes taken from the file on disk (for progress bars)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Decompressing(io.RawIOBase):
    """Decompresses a gzip, xz or bzip2 stream (concatenated members too) in small input steps.

    The standard library's file classes lose everything decompressed in the read call that meets
    damaged data (up to tens of kilobytes of games); feeding small steps keeps that loss to a few
    games, so every game before the damage is read. Damage raises ``EOFError`` (cut short) or the
    codec's own error when the data is read up to it.
    """

    _STEP: Final = 1 << 12  # compressed bytes per decompress call: ~25 kB of PGN, a handful of games

    def __init__(self, raw: IO[bytes], new_decompressor: Callable[[], Any]) -> None:
        self._raw = raw
        self._new = new_decompressor
        self._decompressor = new_decompressor()
        self._output = b""
        self._started = False  # a member has begun (so a cut-off end is an error)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._output:
            if self._decompressor.eof:
                rest = self._decompressor.unused_data
                self._decompressor = self._new()
                self._started = False
                if rest:
                    self._started = True
                    self._output = self._decompressor.decompress(rest)
                    continue
            data = self._raw.read(self._STEP)
            if not data:
                if self._started and not self._decompressor.eof:
                    raise EOFError("the compressed data ends before its end marker (the file was cut short)")
                return 0
            self._started = True
            self._output = self._decompressor.decompress(data)
        n = min(len(buffer), len(self._output))
        buffer[:n] = self._output[:n]
        self._output = self._output[n:]
        return n


def _decompressor(path: Path, raw: IO[bytes]) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(6)
    new: Callable[[], Any] | None = None
    if magic.startswith(b"\x1f\x8b"):
        new = functools.partial(zlib.decompressobj, wbits=16 + zlib.MAX_WBITS)
    elif magic.startswith(b"\xfd7zXZ\x00"):
        new = lzma.LZMADecompressor
    elif magic.startswith(b"BZh"):
        new = bz2.BZ2Decompressor
    if new is None:
        return raw
    return cast(IO[bytes], _Decompressing(raw, new))  # unbuffered: a buffered read() drops what it had when an error comes


#: What reading a damaged or unreadable file raises (also what the importer expects from a file).
READ_ERRORS: Final = (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError)
_BLOCK: Final = 1 << 16
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
# Where the chunker looks inside a movetext line: comment and variation marks, and results that
# end a game (as separate tokens, so "1-0" inside "11-0" or a name does not count).
_RESULT_MARK: Final = re.compile(rb"(?<![^\s\x00.)}])(?:1-0|0-1|1/2-1/2|\*)(?![^\s\x00({;])")
_MARKS: Final = re.compile(rb"[{};()]|" + _RESULT_MARK.pattern)
_CLOSED_COMMENT: Final = re.compile(rb"\{[^}]*\}")
_BLANKS: Final = b" \t\r\n\x00\x0b\x0c"  # NUL bytes pad some real files
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

    def __init__(self, stream: IO[bytes], *, name: str = "<stream>", counter: _CountingReader | None = None,
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
        """Open ``path`` (plain or compressed).

        :raises OSError: when the file cannot be opened or read.
        """
        path = Path(path)
        size = path.stat().st_size
        counter = _CountingReader(open(path, "rb"))  # noqa: SIM115 - closed by close()
        buffered = io.BufferedReader(counter, buffer_size=1 << 16)
        stream = _decompressor(path, buffered)
        return cls(stream, name=str(path), counter=counter, size=size)

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
        return "\n".join(_decode_line(line) for line in data.split(b"\n"))

    def _lines(self) -> Iterator[bytes]:
        """The file's lines without their ends (LF, CRLF or CR), as UTF-8 or 8-bit bytes.

        A read error ends the lines early and is kept in ``error``, with the line it happened at.
        """
        # read1 (one underlying read), so a read error loses no text that came before it
        read = getattr(self._stream, "read1", self._stream.read)
        pending = b""
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
                data = pending + block
                held = b""
                if b"\r" in data:
                    if data.endswith(b"\r"):  # may be half of a CRLF split between blocks
                        data, held = data[:-1], b"\r"
                    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                lines = data.split(b"\n")
                pending = lines.pop() + held
                count += len(lines)
                yield from lines
                block = read(_BLOCK)
        except READ_ERRORS as error:
            where = f"line {count + 1}" if pending or not count else f"the end of line {count}"
            self.error = f"the file is damaged or cut short at {where}: {_describe(error)}"
            pending = b""  # a line cut by the damage is not trusted
        pending = pending.rstrip(b"\r")
        if pending:
            yield pending

    def chunks(self) -> Iterator[Chunk]:
        """Split the file into per-game text chunks, without parsing the moves.

        A game ends where a tag pair follows its result or a blank line after its movetext; where,
        after a blank line, movetext follows its result or starts again at move 1 (the next game has
        no tag pairs); where a tag line follows a blank line after its tags, or two blank lines end
        them (a game with headers only, as python-chess reads it). A blank line inside movetext
        otherwise does not end a game. Braces are followed outside ``;`` rest-of-line comments, so
        tag-looking lines inside a ``{...}`` comment do not split.

        A chunk has a ``problem`` (the game is reported, never shortened) when a tag pair cuts its
        movetext before any result (and the rest of that game, unless it starts at move 1), when a
        comment left open runs into the next game, and when the file ends in damage. Blank and ``%``
        lines become ``;`` (comment) lines, so python-chess never ends a game early at a blank line
        inside its movetext and line numbers inside the chunk still match the file.
        """
        lines: list[bytes] = []
        start = 0
        number = 0
        in_movetext = blank_after_movetext = False
        in_comment = blank_in_comment = terminated = False
        blanks_after_tags = comment_line = 0
        depth = 0

        cut_at = 0  # the line of the tag that cut the previous game's movetext, when this chunk starts there
        cut_here = 0

        def chunk(problem: str | None = None) -> Chunk:
            if problem is None and cut_at and not _starts_at_move_one(lines):
                problem = f"the rest of a game cut by the tag line at line {cut_at} (its moves do not start at move 1)"
            return Chunk(start, self._decode(b"\n".join(lines)), problem)

        for number, line in enumerate(self._lines(), 1):
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
            if in_comment and blank_in_comment and (_TAG_LINE.match(stripped) or _MOVE_ONE.match(stripped)):
                # A comment left open runs into the next game (its tags, or its first move after a blank
                # line): end it here, not at the end of the file. A real comment rarely does this.
                problem = f"a comment opened at line {comment_line} is never closed"
            elif in_comment:
                pass
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
                    yield chunk(problem or None)
                cut_at = cut_here
                lines = []
                in_movetext = blank_after_movetext = False
                in_comment = blank_in_comment = terminated = False
                depth = blanks_after_tags = 0
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
        if self.error is not None:
            if lines and not terminated:
                yield chunk(f"the game is cut off where the file ends early: {self.error}")
            else:
                if lines:
                    yield chunk()
                yield Chunk(number + 1, "", f"nothing after line {number} could be read: {self.error}")
        elif lines:
            yield chunk()

    def games(self) -> Iterator[ParsedGame]:
        """Parse the file's games one after the other in this process."""
        for chunk in self.chunks():
            yield parse_chunk(chunk)


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


def _decode_line(line: bytes) -> str:
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
    depth = 0
    movetext_result = None
    for number, token in enumerate(_TOKEN.findall(text, position)):
        first = token[0]
        if token == "{":
            return None  # a comment never closed: the visitor path reports it
        if first == "{" or first == ";" or first == "$" or first == "?" or first == "!":
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
            return _bad_token(chunk, headers, position, number, len(moves), _describe(error))
        if not move:
            return _bad_token(chunk, headers, position, number, len(moves), f"null move {token!r}")
        moves.append(move.uci())
        sans.append(board.san_and_push(move))  # the board's spelling, not the file's ("Bf7" for "Bxf7")
    if depth or not moves:
        return None
    result = headers.get("Result", "").strip()
    if result not in RESULTS:
        result = movetext_result or "*"
    moves_tuple = tuple(moves)
    return PgnGame(chunk.line, headers, start_fen, moves_tuple, tuple(sans), result,
                   dedup_key(headers, start_fen, moves_tuple))


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
    unclosed = _unclosed(chunk)
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
    return PgnGame(chunk.line, headers, fen, moves, tuple(visitor.sans), result, dedup_key(headers, fen, moves))


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
            return f"a comment opened at line {chunk.line + text.count(chr(10), 0, token.start())} is never closed"
        if mark == "(":
            opened.append(token.start())
        elif mark == ")" and opened:
            opened.pop()
    if opened:
        return f"a variation opened at line {chunk.line + text.count(chr(10), 0, opened[0])} is never closed"
    return None


def parse_chunks(chunks: list[Chunk]) -> list[ParsedGame]:
    """Parse a batch of chunks: the unit of work sent to a worker process."""
    return [parse_chunk(chunk) for chunk in chunks]
