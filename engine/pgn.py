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
import gzip
import hashlib
import io
import lzma
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, Final

import chess
import chess.pgn

#: Variant tag values that mean ordinary chess (compared case-insensitively).
STANDARD_VARIANTS: Final = frozenset({"", "standard", "chess", "normal", "from position", "fromposition"})
RESULTS: Final = frozenset({"1-0", "0-1", "1/2-1/2", "*"})
KEY_TAGS: Final = ("White", "Black", "Date", "Event", "Round", "Site")
#: The tag holding a game's id when it was played in the app (it survives export and import).
GAME_ID_TAG: Final = "KibitzGameId"

_BOM: Final = b"\xef\xbb\xbf"
# SAN as python-chess writes it, without the check suffix (the tokenizer splits "+"/"#" off).
_CANONICAL_SAN: Final = re.compile(r"[NBRQK][a-h]?[1-8]?x?[a-h][1-8]|[a-h](?:x[a-h])?[1-8](?:=[NBRQ])?|O-O(?:-O)?")


@dataclass(frozen=True, slots=True)
class Chunk:
    """The text of one game and the 1-based line where it starts in its file."""

    line: int
    text: str


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


def _decompressor(path: Path, raw: BinaryIO) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(6)
    # The decompressors' own readline is slow (Python per line); a BufferedReader on top is not.
    if magic.startswith(b"\x1f\x8b"):
        return io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), buffer_size=1 << 16)  # type: ignore[arg-type]
    if magic.startswith(b"\xfd7zXZ\x00"):
        return io.BufferedReader(lzma.LZMAFile(raw, "rb"), buffer_size=1 << 16)  # type: ignore[arg-type]
    if magic.startswith(b"BZh"):
        return io.BufferedReader(bz2.BZ2File(raw, "rb"), buffer_size=1 << 16)  # type: ignore[arg-type]
    return raw


class PgnSource:
    """An open PGN file: yields per-game chunks and remembers the encoding it had to use.

    The text is decoded as UTF-8 (a BOM is dropped) until a chunk fails to decode; from then on the
    file is read as CP1252, with Latin-1 for the five bytes CP1252 leaves undefined. ``encoding``
    says which happened: ``"utf-8"``, ``"utf-8-sig"`` or ``"cp1252"``.

    Compression is recognised by magic bytes (gzip, xz, bzip2), not by the file name.

    >>> with PgnSource.open(path) as source:               # doctest: +SKIP
    ...     for chunk in source.chunks(): ...
    """

    def __init__(self, stream: IO[bytes], *, name: str = "<stream>", counter: _CountingReader | None = None,
                 size: int = 0) -> None:
        self._stream = stream
        self._counter = counter
        self.name = name
        self.bytes_total = size
        self.encoding = "utf-8"
        self._fallback = False

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> PgnSource:
        """Open ``path`` (plain or compressed).

        :raises OSError: when the file cannot be opened or read.
        """
        path = Path(path)
        size = path.stat().st_size
        counter = _CountingReader(open(path, "rb"))  # noqa: SIM115 - closed by close()
        buffered = io.BufferedReader(counter, buffer_size=1 << 16)
        stream = _decompressor(path, buffered)  # type: ignore[arg-type]
        return cls(stream, name=str(path), counter=counter, size=size)

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
        if not self._fallback:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                self._fallback = True
                self.encoding = "cp1252"
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return "".join(chr(b) if 0x80 <= b < 0xA0 else bytes([b]).decode("cp1252") for b in data)

    def chunks(self) -> Iterator[Chunk]:
        """Split the file into per-game text chunks, without parsing the moves.

        A tag line (``[``) starts a new game when the current one already has movetext, or when a
        blank line separated it from the previous tags (a game with headers only). Tag-looking lines
        inside a ``{...}`` comment do not split. Blank and ``%`` lines become ``;`` (comment) lines,
        so python-chess never ends a game early at a blank line inside its movetext and line
        numbers inside the chunk still match the file.
        """
        lines: list[bytes] = []
        start = 0
        in_movetext = False
        blank_after_tags = False
        in_comment = False
        number = 0
        for number, raw in enumerate(self._stream, 1):
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM):]
                self.encoding = "utf-8-sig"
            line = raw.rstrip(b"\r\n")
            stripped = line.strip()
            if not stripped:
                if lines:
                    blank_after_tags = blank_after_tags or not in_movetext
                    lines.append(b";")  # keeps line numbers; a blank line would end the game early
                continue
            if not in_comment and stripped.startswith(b"["):
                if lines and (in_movetext or blank_after_tags):
                    yield Chunk(start, self._decode(b"\n".join(lines)))
                    lines = []
                    in_movetext = blank_after_tags = False
                if not lines:
                    start = number
                lines.append(stripped)
                continue
            if not lines:
                start = number
            if stripped.startswith(b"%") and not in_comment:
                lines.append(b";")  # an escaped line
                continue
            in_movetext = True
            lines.append(line)
            if b"{" in line or b"}" in line:
                # Braces do not nest, so the last one on the line decides whether a comment is open.
                in_comment = line.rfind(b"{") > line.rfind(b"}")
        if lines:
            yield Chunk(start, self._decode(b"\n".join(lines)))

    def games(self) -> Iterator[ParsedGame]:
        """Parse the file's games one after the other in this process."""
        for chunk in self.chunks():
            yield parse_chunk(chunk)


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
        self._token: str | None = None
        self._pending = False
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
        self._token = san if _CANONICAL_SAN.fullmatch(san) else None
        return move

    def visit_move(self, board: chess.Board, move: chess.Move) -> None:
        self.moves.append(move.uci())
        if self._token is None:
            self.sans.append(board.san(move))  # a non-canonical spelling such as "e8Q" or "0-0"
        else:
            self.sans.append(self._token)
            self._pending = True

    def visit_board(self, board: chess.Board) -> None:
        if self._start_fen is None:
            self._start_fen = board.fen()
        if self._pending:
            self._pending = False
            if board.is_check():
                self.sans[-1] += "#" if board.is_checkmate() else "+"

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
    try:
        game = _parse_fast(chunk)
    except Exception:  # noqa: BLE001 - the fast path gives up; the visitor decides
        game = None
    return game if game is not None else _parse_with_visitor(chunk)


_TOKEN: Final = re.compile(r"\{[^}]*\}|;[^\n]*|[()]|\$\d+|1-0|0-1|1/2-1/2|\*|\d+\.+|[?!]+|[^\s{};()$?!]+")
_MOVE_NUMBER: Final = re.compile(r"\d+\.*")
_TAG: Final = re.compile(chess.pgn.TAG_REGEX.pattern.lstrip("^"))  # python-chess's, usable at an offset
_CANONICAL_TOKEN: Final = re.compile(_CANONICAL_SAN.pattern.replace("|", "[+#]?|") + "[+#]?")


def _parse_fast(chunk: Chunk) -> ParsedGame | None:
    """The common case quickly, or None to hand the chunk to the visitor."""
    text = chunk.text
    headers: dict[str, str] = {}
    position = 0
    while text.startswith("[", position):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        match = _TAG.match(text, position, end)
        if match is None:
            return None
        headers[match.group(1)] = match.group(2)
        position = end + 1
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
        if first == "{" or first == ";" or first == "$" or first == "?" or first == "!":
            continue
        if first == "(":
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
        if _CANONICAL_TOKEN.fullmatch(token):
            san = token.rstrip("+#")
            board.push(move)
        else:
            san = board.san(move).rstrip("+#")
            board.push(move)
        if board.is_check():
            san += "#" if board.is_checkmate() else "+"
        moves.append(move.uci())
        sans.append(san)
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


def parse_chunks(chunks: list[Chunk]) -> list[ParsedGame]:
    """Parse a batch of chunks: the unit of work sent to a worker process."""
    return [parse_chunk(chunk) for chunk in chunks]
