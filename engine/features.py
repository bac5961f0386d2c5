"""The position encoder shared by training and serving: Maia-3's input, one token per square
holding the last eight positions' pieces on it.

``tokens`` is ``[64, 96]`` of 0/1 (uint8 here, a quarter of float32's memory; the session feeds
the graph float32): row = square (python-chess order, a1 = 0 ... h8 = 63), column
= ``slot * 12 + plane`` for 8 history slots (7 = the current position, 0 the oldest; a game shorter
than that repeats its first position at the front) and 12 piece planes (pawn ... king of the
"own" colour, then the same six of the other colour).

Whose view a history board takes (``view``):

* ``"board"`` (CSSLab's ``tokenize_board``, the default): each board is seen from *its own* side to
  move - mirrored (``board.mirror()``) when Black is to move there - so consecutive slots alternate;
* ``"mover"``: every board is seen from the current position's side to move.

Which one kibitz uses was chosen by measurement (see ``kibitz.assets/maia3/MODEL_CARD.md``).

>>> game = GameTokens.of(chess.Board(), [chess.Move.from_uci("e2e4")])
>>> game.tokens.shape
(2, 64, 96)
>>> # After 1.e4 Black is to move: the board is mirrored, Black's e7 pawn is an "own" pawn on e2
>>> # and White's e4 pawn an opponent's pawn on e5.
>>> int(game.tokens[1, chess.E2, 7 * 12 + 0]), int(game.tokens[1, chess.E5, 7 * 12 + 6])
(1, 1)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import chess
import numpy as np

FEATURE_VERSION: Final = "maia3-tokens-1"
HISTORY: Final = 8
PIECE_PLANES: Final = 12
TOKEN_SHAPE: Final = (64, HISTORY * PIECE_PLANES)
View = Literal["board", "mover"]
VIEWS: Final = ("board", "mover")
DEFAULT_VIEW: Final[View] = "board"
FEATURE_SHAPE: Final = TOKEN_SHAPE
FEATURE_HASH: Final = hashlib.sha256(f"{FEATURE_VERSION}:{HISTORY}x{PIECE_PLANES}:{DEFAULT_VIEW}".encode()).hexdigest()[:16]

_MIRRORED_SQUARES: Final = np.array([chess.square_mirror(s) for s in chess.SQUARES])
_SWAPPED_PLANES: Final = np.r_[6:12, 0:6]


def board_planes(board: chess.Board) -> np.ndarray:
    """``[64, 12]`` uint8: ``board``'s pieces seen from its own side to move."""
    planes = np.zeros((64, PIECE_PLANES), np.uint8)
    mirror = board.turn == chess.BLACK
    for colour in chess.COLORS:
        offset = 0 if colour == board.turn else 6
        for piece in chess.PIECE_TYPES:
            for square in chess.scan_forward(board.pieces_mask(piece, colour)):
                planes[square ^ 56 if mirror else square, offset + piece - 1] = 1
    return planes


def other_side(planes: np.ndarray) -> np.ndarray:
    """The same board's planes seen from the other side (mirrored ranks, colours swapped)."""
    return planes[..., _MIRRORED_SQUARES, :][..., _SWAPPED_PLANES]


def tokens_from_planes(planes: np.ndarray, turns: np.ndarray, view: View = DEFAULT_VIEW) -> np.ndarray:
    """Tokens ``[N, 64, 96]`` of consecutive positions from their per-board planes ``[N, 64, 12]``
    (:func:`board_planes`) and sides to move ``[N]`` (True = White): position ``i`` gets positions
    ``i-7 ... i`` (the first one repeated where there are fewer)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, not {view!r}")
    count = len(planes)
    slots = np.clip(np.arange(count)[:, None] + np.arange(-HISTORY + 1, 1)[None, :], 0, None)  # [N, 8]
    stacked = planes[slots]  # [N, 8, 64, 12]
    if view == "mover":
        flip = turns[slots] != turns[:, None]  # boards whose side to move is not the current one
        stacked = np.where(flip[:, :, None, None], other_side(stacked), stacked)
    return np.ascontiguousarray(stacked.transpose(0, 2, 1, 3).reshape(count, *TOKEN_SHAPE))


@dataclass(frozen=True)
class GameTokens:
    """Every position of one game as Maia-3 sees it: ``tokens[i]`` is the position before move ``i``
    (and ``tokens[-1]`` the final position)."""

    tokens: np.ndarray  # uint8 [len(moves) + 1, 64, 96]
    turns: np.ndarray  # bool [len(moves) + 1], True = White to move

    @classmethod
    def of(cls, start: chess.Board, moves: Sequence[chess.Move], view: View = DEFAULT_VIEW) -> GameTokens:
        """:raises ValueError: when a move is illegal where it is played (python-chess's message)."""
        board = start.copy(stack=False)
        planes = [board_planes(board)]
        turns = [board.turn]
        for move in moves:
            if not board.is_legal(move):
                raise ValueError(f"{move.uci()} is not legal in {board.fen()}")
            board.push(move)
            planes.append(board_planes(board))
            turns.append(board.turn)
        turn_array = np.array(turns, bool)
        return cls(tokens_from_planes(np.stack(planes), turn_array, view), turn_array)


def position_tokens(boards: Sequence[chess.Board], view: View = DEFAULT_VIEW) -> np.ndarray:
    """``[64, 96]`` tokens of the last of ``boards`` (oldest first; at most the last 8 are used)."""
    if not boards:
        raise ValueError("a position needs at least one board")
    recent = list(boards)[-HISTORY:]
    planes = np.stack([board_planes(b) for b in recent])
    turns = np.array([b.turn for b in recent], bool)
    last: np.ndarray = tokens_from_planes(planes, turns, view)[-1]
    return last


class PositionHistory:
    """Follows one game ply by ply and gives its current position's tokens.

    Keeps each position's ``[64, 12]`` planes (:func:`board_planes`), so a ply costs one board
    update and one board's planes, whatever the game's length.

    >>> history = PositionHistory(chess.Board())
    >>> history.push(chess.Move.from_uci("g1f3"))
    >>> history.tokens().shape
    (64, 96)
    """

    def __init__(self, board: chess.Board | None = None) -> None:
        board = chess.Board() if board is None else board
        self._board = board.root()
        self._planes = [board_planes(self._board)]
        self._turns = [self._board.turn]
        for move in board.move_stack:
            self.push(move)

    @property
    def board(self) -> chess.Board:
        """The current position (do not push moves on it; use :meth:`push`)."""
        return self._board

    def push(self, move: chess.Move) -> None:
        """Play ``move`` (either side's) on the current position."""
        self._board.push(move)
        self._planes.append(board_planes(self._board))
        self._turns.append(self._board.turn)

    def tokens(self) -> np.ndarray:
        """The current position's tokens, uint8 ``[64, 96]`` (the same as :meth:`GameTokens.of` gives)."""
        recent = slice(-HISTORY, None)
        last: np.ndarray = tokens_from_planes(np.stack(self._planes[recent]), np.array(self._turns[recent], bool))[-1]
        return last
