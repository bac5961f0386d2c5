"""Opening what a user names as a PGN file: a file, a pipe, standard input, compressed or not.

Everything is read once, front to back, so a pipe (``kibitz import <(xz -dc f.pgn.xz)``,
``cat f.pgn | kibitz import -``) loses nothing: the first bytes that decide the compression are
kept and read again from memory. What can never be a PGN file is refused with one sentence
(:class:`NotPgnInput`) instead of being read: devices such as ``/dev/zero`` (endless), archives
and databases (their header bytes are not games), and a named pipe nobody writes into (it would
wait forever).

>>> stream, counter, size, name = open_input("games.pgn.xz")   # doctest: +SKIP
"""

from __future__ import annotations

import bz2
import functools
import io
import lzma
import os
import select
import stat
import sys
import zlib
from collections.abc import Callable
from typing import IO, Any, BinaryIO, Final

#: How long a pipe may stay without a writer and without data before it is given up.
PIPE_WAIT_S: Final = 30.0
#: The name that means standard input.
STDIN_NAME: Final = "-"
_PROBE: Final = 512  # bytes read to recognise a format (tar's mark is at offset 257)

#: Formats recognised by their first bytes that hold no PGN text of their own: what each one is.
_CONTAINERS: Final = (
    (0, b"PK\x03\x04", "a zip archive"), (0, b"PK\x05\x06", "a zip archive"), (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"), (0, b"\x28\xb5\x2f\xfd", "a Zstandard-compressed file"),
    (0, b"\x04\x22\x4d\x18", "an LZ4-compressed file"), (257, b"ustar", "a tar archive"),
    (0, b"SQLite format 3\x00", "an SQLite database"), (0, b"%PDF-", "a PDF document"),
)


class NotPgnInput(ValueError):
    """A file that kibitz will not read as PGN; the message is one sentence saying why and what to do."""


class CountingReader(io.RawIOBase):
    """A raw reader that counts the bytes taken from the file (for progress bars), after a replayed prefix.

    ``prefix`` is what was read already to look at the file (a pipe cannot seek back); it is
    handed out first and counted again, so the count is the file's position.
    """

    def __init__(self, raw: BinaryIO, prefix: bytes = b"") -> None:
        self._raw = raw
        self._prefix = prefix
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            data, self._prefix = self._prefix[:len(buffer)], self._prefix[len(buffer):]
        else:
            data = self._raw.read(len(buffer)) or b""
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


def open_input(path: str | os.PathLike[str]) -> tuple[IO[bytes], CountingReader, int, str]:
    """Open a PGN file, pipe or ``-`` (standard input): (decompressed stream, byte counter, size, name).

    ``size`` is 0 where it cannot be known (a pipe).

    :raises OSError: when the file cannot be opened or read.
    :raises NotPgnInput: for a device, an archive or database, or a pipe without a writer.
    """
    name = shown_path(path)
    if os.fspath(path) == STDIN_NAME:
        fd = os.dup(sys.stdin.fileno())
        os.set_blocking(fd, False)
    else:
        # Not blocking: opening a named pipe waits for a writer, maybe for ever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        first, size = _first_bytes(fd, name)
        raw = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    try:
        head = first
        while len(head) < _PROBE:  # a pipe may hand over the first bytes in several reads
            more = raw.read(_PROBE - len(head))
            if not more:
                break
            head += more
        _refuse_containers(head, name)
        counter = CountingReader(raw, head)
        buffered = io.BufferedReader(counter, buffer_size=1 << 16)
        new = _decompressor_for(head)
        # unbuffered: a buffered read() drops what it had when an error comes
        stream: IO[bytes] = buffered if new is None else _Decompressing(buffered, new)  # type: ignore[assignment]
        return stream, counter, size, name
    except BaseException:
        raw.close()
        raise


def shown_path(path: str | os.PathLike[str]) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 shown as ``\\xff``; ``-`` as standard input.

    A name read from the command line keeps such bytes as surrogates, which no terminal or UTF-8
    file takes (printing one raised ``UnicodeEncodeError`` after the games were stored).
    """
    if os.fspath(path) == STDIN_NAME:
        return "standard input"
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _first_bytes(fd: int, name: str) -> tuple[bytes, int]:
    """Check what ``fd`` is and make it blocking; for a pipe, its first bytes (read to see a writer is there)."""
    info = os.fstat(fd)
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "it is a folder", name)
    if stat.S_ISREG(mode):
        os.set_blocking(fd, True)
        return b"", info.st_size
    if stat.S_ISCHR(mode) and os.isatty(fd):
        os.set_blocking(fd, True)  # typed or pasted games
        return b"", 0
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        raise NotPgnInput(f"{name} is a device, not a file; name a PGN file")
    return _wait_for_writer(fd, name), 0


def _wait_for_writer(fd: int, name: str) -> bytes:
    """A pipe's first bytes: wait for data while a writer is there, at most :data:`PIPE_WAIT_S` while none is.

    Read without blocking, a pipe says which: no data yet with a writer (``EAGAIN``: wait for it as
    long as it takes), or nothing with no writer (end of file: wait for one to come, bounded).
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    waited = False
    while True:
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:  # a writer is there and has not written yet
            os.set_blocking(fd, True)
            return b""
        if data or waited:
            os.set_blocking(fd, True)
            return data  # b"" after waiting: a writer came and went without writing (an empty file)
        if not poller.poll(int(PIPE_WAIT_S * 1000)):
            raise NotPgnInput(f"nothing was written into {name} for {PIPE_WAIT_S:.0f} s (a named pipe with no "
                              "program writing into it?); start the writer first, or name a file")
        waited = True


def _refuse_containers(magic: bytes, name: str) -> None:
    for offset, mark, what in _CONTAINERS:
        if magic[offset:offset + len(mark)] == mark:
            advice = "open it with the program that wrote it" if "database" in what or "PDF" in what \
                else "unpack it and import the PGN files inside"
            raise NotPgnInput(f"{name} is {what}, not a PGN file; {advice}")


def _decompressor_for(magic: bytes) -> Callable[[], Any] | None:
    if magic.startswith(b"\x1f\x8b"):
        return functools.partial(zlib.decompressobj, wbits=16 + zlib.MAX_WBITS)
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMADecompressor
    if magic.startswith(b"BZh"):
        return bz2.BZ2Decompressor
    return None
