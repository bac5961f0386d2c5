"""The position encoder shared by training and serving: lc0's 112 input planes.

These are the planes the Maia-1 prior was trained on, so kibitz feeds them exactly as lc0 does;
the adapter reads the prior's tower output, never the planes themselves. Everything is seen from
the side to move: "ours" are the mover's pieces, and when Black is to move every board (in every
history step) is mirrored vertically.

Layout (``[112, 8, 8]`` float32, plane ``p`` square ``rank * 8 + file`` at ``[p, rank, file]``):

* for history step ``i`` = 0..7 (0 = the current position, 1 = before the last ply, ...), planes
  ``13 i + 0..5`` the mover's pawns, knights, bishops, rooks, queens, king; ``13 i + 6..11`` the
  opponent's; ``13 i + 12`` all ones if that position had occurred before in the game. Steps
  before a standard game's start are zeros; a game from a FEN repeats its first position.
* 104 mover may castle queen side, 105 king side, 106 / 107 the opponent's queen / king side;
  108 ones if Black is to move; 109 the raw half-move clock; 110 zeros; 111 ones.

Getting the history right matters: zeroing it drops Maia-1's accuracy on its own players from
50% to 26% (``../shared/maia/README.md``).

>>> import chess
>>> board = chess.Board()
>>> board.push_san("e4")
Move.from_uci('e2e4')
>>> encode(board).shape
(112, 8, 8)
"""

from __future__ import annotations

import hashlib
from typing import Final

import chess
import numpy as np

FEATURE_VERSION: Final = "kibitz-features-2"
HISTORY: Final = 8
PLANES_PER_STEP: Final = 13
PLANES: Final = 112
FEATURE_SHAPE: Final = (PLANES, 8, 8)
_AUX: Final = HISTORY * PLANES_PER_STEP  # 104
FEATURE_HASH: Final = hashlib.sha256(
    f"{FEATURE_VERSION}:{PLANES}:{HISTORY}:{PLANES_PER_STEP}:lc0-classical-112".encode()
).hexdigest()[:16]

_PIECE_ORDER: Final = (chess.PAWN, chess.KNIGHT, chess.BISHOP, chess.ROOK, chess.QUEEN, chess.KING)


def _bitboards(board: chess.Board) -> np.ndarray:
    """The 12 piece bitboards of ``board`` in absolute terms: White P..K, then Black P..K."""
    white, black = board.occupied_co[chess.WHITE], board.occupied_co[chess.BLACK]
    masks = [board.pieces_mask(piece, chess.WHITE) & white for piece in _PIECE_ORDER]
    masks += [board.pieces_mask(piece, chess.BLACK) & black for piece in _PIECE_ORDER]
    return np.array(masks, dtype=np.uint64)


def _mirror_rows(bitboards: np.ndarray) -> np.ndarray:
    """Mirror bitboards vertically (rank 1 <-> rank 8): their eight bytes in reverse order."""
    return bitboards.byteswap()


class PositionHistory:
    """Follows one game ply by ply and encodes its current position with its history.

    Keeps what the planes need of every position played (piece bitboards, whether it occurred
    before), so encoding is a few array operations and pushing a move costs one board update.

    >>> history = PositionHistory(chess.Board())
    >>> history.push(chess.Move.from_uci("g1f3"))
    >>> float(history.planes()[108].max())   # Black to move
    1.0
    """

    def __init__(self, board: chess.Board | None = None) -> None:
        board = chess.Board() if board is None else board
        self._board = board.root()
        self._from_fen = self._board.fen() != chess.STARTING_FEN
        self._boards: list[np.ndarray] = []
        self._repeated: list[bool] = []
        self._seen: dict[object, int] = {}
        self._record()
        for move in board.move_stack:
            self.push(move)

    @property
    def board(self) -> chess.Board:
        """The current position (do not push moves on it; use :meth:`push`)."""
        return self._board

    def _record(self) -> None:
        key = self._board._transposition_key()
        count = self._seen.get(key, 0)
        self._seen[key] = count + 1
        self._boards.append(_bitboards(self._board))
        self._repeated.append(count > 0)

    def push(self, move: chess.Move) -> None:
        """Play ``move`` (either side's) on the current position."""
        self._board.push(move)
        self._record()

    def planes(self) -> np.ndarray:
        """The current position's 112 planes, float32 ``[112, 8, 8]``."""
        out = np.zeros(FEATURE_SHAPE, dtype=np.float32)
        self.planes_into(out)
        return out

    def planes_into(self, out: np.ndarray) -> None:
        """Write the current position's planes into ``out`` (``[112, 8, 8]``, any numeric dtype)."""
        board = self._board
        now = len(self._boards) - 1
        steps = [now - i for i in range(HISTORY)]
        if self._from_fen:
            steps = [max(step, 0) for step in steps]
        steps = [step for step in steps if step >= 0]
        stack = np.stack([self._boards[step] for step in steps])  # [S, 12]
        if board.turn == chess.BLACK:
            stack = _mirror_rows(stack[:, [6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5]])
        stack = np.ascontiguousarray(stack)
        bits = np.unpackbits(stack.view(np.uint8).reshape(len(steps), 12, 8), axis=-1, bitorder="little")
        flat = out.reshape(PLANES, 64)
        flat[:] = 0
        for i, step in enumerate(steps):
            base = i * PLANES_PER_STEP
            flat[base : base + 12] = bits[i]
            if self._repeated[step]:
                flat[base + 12] = 1
        us, them = board.turn, not board.turn
        flat[_AUX + 0] = board.has_queenside_castling_rights(us)
        flat[_AUX + 1] = board.has_kingside_castling_rights(us)
        flat[_AUX + 2] = board.has_queenside_castling_rights(them)
        flat[_AUX + 3] = board.has_kingside_castling_rights(them)
        flat[_AUX + 4] = board.turn == chess.BLACK
        flat[_AUX + 5] = board.halfmove_clock
        flat[_AUX + 7] = 1


def encode(board: chess.Board) -> np.ndarray:
    """Planes of ``board``'s current position, its history taken from ``board.move_stack``.

    For a whole game use :class:`PositionHistory`, which does not replay the game at every ply.
    """
    return PositionHistory(board).planes()
