"""A game being played: owns the ``chess.Board``, decides legality and results, writes the store.

No widgets here: the promotion choice is asked through a callable handed in by the window, so
the session runs the same under tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import chess
from PySide6.QtCore import QObject, Signal

from kibitz.engine.pgn import starting_board
from kibitz.gui.protocols import GameRecordLike, PlayerLike, StoreLike

Square = int
PromotionChooser = Callable[[chess.Color], "chess.PieceType | None"]

ABANDONED = "abandoned"  # the termination of an unfinished game nobody will go on with
RESULT_FOR_WINNER = {chess.WHITE: "1-0", chess.BLACK: "0-1"}
TERMINATIONS = {
    chess.Termination.CHECKMATE: "checkmate",
    chess.Termination.STALEMATE: "stalemate",
    chess.Termination.INSUFFICIENT_MATERIAL: "insufficient material",
    chess.Termination.SEVENTYFIVE_MOVES: "seventy-five-move rule",
    chess.Termination.FIVEFOLD_REPETITION: "fivefold repetition",
    chess.Termination.FIFTY_MOVES: "fifty-move rule",
    chess.Termination.THREEFOLD_REPETITION: "threefold repetition",
}


#: PGN ``Termination`` tags (lichess, the PGN standard) in words; "" says nothing worth showing.
TERMINATION_TAGS = {
    "normal": "",
    "unterminated": "",
    "time forfeit": "on time",
    "abandoned": "abandoned",
    "rules infraction": "rules infraction",
    "adjudication": "adjudicated",
    "death": "a player died",
    "emergency": "emergency",
}


def termination_words(termination: str, board: chess.Board) -> str:
    """How a game ended, for people: the rules' reason when the final position says it (an imported
    game's ``Normal`` tag ending in mate is a checkmate), else the tag in words, else the text as stored.

    >>> termination_words("Normal", chess.Board("7k/6Q1/6K1/8/8/8/8/8 b - - 0 1"))
    'checkmate'
    >>> termination_words("Normal", chess.Board()), termination_words("Time forfeit", chess.Board())
    ('', 'on time')
    """
    outcome = board.outcome()
    if outcome is not None and termination.casefold() in ("", *TERMINATION_TAGS):
        return TERMINATIONS.get(outcome.termination, "")
    return TERMINATION_TAGS.get(termination.casefold().strip(), termination)


def always_queen(color: chess.Color) -> chess.PieceType | None:
    return chess.QUEEN


@dataclass(frozen=True)
class Seat:
    """A player in a seat: who plays a colour."""

    player_id: int
    name: str


class GameSession(QObject):
    """One game: every move is committed to the store the moment it is played.

    A threefold repetition or the fifty-move rule ends the game as soon as it has happened (the
    draw is claimed for the players).
    """

    move_played = Signal(object)  # chess.Move
    position_reset = Signal()  # takeback or load: the position changed other than by one move
    game_finished = Signal(str, str)  # result, termination

    def __init__(
        self,
        store: StoreLike,
        game_id: int,
        white: Seat,
        black: Seat,
        *,
        board: chess.Board | None = None,
        promotion_chooser: PromotionChooser = always_queen,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.game_id = game_id
        self.seats = {chess.WHITE: white, chess.BLACK: black}
        self.board = board.copy() if board is not None else chess.Board()
        self.promotion_chooser = promotion_chooser
        self.result = "*"
        self.termination = ""
        self.read_only = False  # a stored game opened to look at: finished, or imported
        self._sans = self._replay_sans(self.board)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def start(cls, store: StoreLike, white: PlayerLike, black: PlayerLike, *, event: str | None = None,
              board: chess.Board | None = None, **kwargs: object) -> GameSession:
        """A new game, from the start or from ``board``'s position (play on from a stored game)."""
        fen = board.fen() if board is not None else None
        game_id = store.start_game(white.id, black.id, event=event or None, fen=fen)
        start = starting_board(fen) if fen is not None else None
        return cls(store, game_id, Seat(white.id, white.name), Seat(black.id, black.name), board=start,
                   **kwargs)  # type: ignore[arg-type]

    @classmethod
    def open(cls, store: StoreLike, record: GameRecordLike, **kwargs: object) -> GameSession:
        """Any stored game: an unfinished app game goes on, a finished or imported one is read only."""
        if record.source == "app" and record.result == "*" and record.termination != ABANDONED:
            return cls.resume(store, record, **kwargs)
        board = starting_board(record.fen)
        for uci in record.moves:  # stored games were checked move by move when they were stored
            board.push(chess.Move.from_uci(uci))
        white = Seat(record.white_id if record.white_id is not None else -1, record.white)
        black = Seat(record.black_id if record.black_id is not None else -1, record.black)
        session = cls(store, record.id, white, black, board=board, **kwargs)  # type: ignore[arg-type]
        session.result, session.termination = record.result, record.termination
        session.read_only = True
        return session

    @classmethod
    def resume(cls, store: StoreLike, record: GameRecordLike, **kwargs: object) -> GameSession:
        """Continue an unfinished game from the store; moves that no longer replay are dropped."""
        board = starting_board(record.fen)
        played = 0
        for uci in record.moves:
            try:
                move = chess.Move.from_uci(uci)
            except ValueError:
                break
            if move not in board.legal_moves:
                break
            board.push(move)
            played += 1
        if played < len(record.moves):
            store.truncate_moves(record.id, played)
        white = Seat(record.white_id if record.white_id is not None else -1, record.white)
        black = Seat(record.black_id if record.black_id is not None else -1, record.black)
        session = cls(store, record.id, white, black, board=board, **kwargs)  # type: ignore[arg-type]
        session._check_end()
        return session

    @staticmethod
    def _replay_sans(board: chess.Board) -> list[str]:
        replay = board.root()
        sans = []
        for move in board.move_stack:
            sans.append(replay.san(move))
            replay.push(move)
        return sans

    # -- state --------------------------------------------------------------------------------
    @property
    def sans(self) -> list[str]:
        return list(self._sans)

    @property
    def ply(self) -> int:
        return len(self.board.move_stack)

    @property
    def is_over(self) -> bool:
        """No more moves here: the game has a result, or it is an imported one being looked at."""
        return self.result != "*" or self.read_only

    def outcome_text(self) -> str:
        """The end in words, naming the winner: ``"Alice won (checkmate)"``, ``"Draw (stalemate)"``."""
        winner = {"1-0": chess.WHITE, "0-1": chess.BLACK}.get(self.result)
        words = termination_words(self.termination, self.board)
        how = f" ({words})" if words else ""
        if winner is not None:
            return f"{self.seats[winner].name} won{how}"
        if self.result == "1/2-1/2":
            return f"Draw{how}"
        return "Unfinished game" + how

    @property
    def turn(self) -> chess.Color:
        return self.board.turn

    def seat_to_move(self) -> Seat:
        return self.seats[self.board.turn]

    def legal_destinations(self) -> dict[Square, set[Square]]:
        """Movable squares -> their targets (empty once the game is over)."""
        if self.is_over:
            return {}
        dests: dict[Square, set[Square]] = {}
        for move in self.board.legal_moves:
            dests.setdefault(move.from_square, set()).add(move.to_square)
        return dests

    def board_at(self, ply: int) -> chess.Board:
        """The position after ``ply`` plies (0 = the start)."""
        board = self.board.root()
        for move in self.board.move_stack[:ply]:
            board.push(move)
        return board

    # -- playing ------------------------------------------------------------------------------
    def attempt_move(self, from_square: Square, to_square: Square) -> chess.Move | None:
        """Play from -> to if legal, asking for the promotion piece; None if refused or cancelled."""
        if self.is_over:
            return None
        candidates = [m for m in self.board.legal_moves
                      if m.from_square == from_square and m.to_square == to_square]
        if not candidates:
            return None
        move = candidates[0]
        if move.promotion is not None:
            piece = self.promotion_chooser(self.board.turn)
            if piece is None:
                return None
            move = chess.Move(from_square, to_square, promotion=piece)
            if move not in candidates:
                return None
        self.play(move)
        return move

    def play(self, move: chess.Move) -> None:
        """Play a legal move and commit it to the store at once."""
        if self.is_over or move not in self.board.legal_moves:
            raise ValueError(f"illegal move {move.uci()} in {self.board.fen()}")
        san = self.board.san(move)
        self.store.add_move(self.game_id, self.ply, move.uci(), san)
        self.board.push(move)
        self._sans.append(san)
        self.move_played.emit(move)
        self._check_end()

    def takeback(self, plies: int = 1) -> int:
        """Undo up to ``plies`` moves of a game in progress; returns how many were undone.

        A finished game stays finished (the store records results once).
        """
        undone = 0 if self.is_over else min(plies, self.ply)
        if undone == 0:
            return 0
        for _ in range(undone):
            self.board.pop()
            self._sans.pop()
        self.store.truncate_moves(self.game_id, self.ply)
        self.position_reset.emit()
        return undone

    def resign(self, color: chess.Color | None = None) -> None:
        """The given side (default: the side to move) resigns."""
        loser = self.board.turn if color is None else color
        self._finish(RESULT_FOR_WINNER[not loser], f"{self.seats[loser].name} resigned")

    def abandon(self) -> None:
        """Stop an unfinished game for good: it stays in the store as ``*`` and is not offered again."""
        self._finish("*", ABANDONED)

    def agree_draw(self) -> None:
        self._finish("1/2-1/2", "draw agreed")

    def _check_end(self) -> None:
        if self.is_over:
            return
        outcome = self.board.outcome()
        if outcome is not None:
            self._finish(outcome.result(), TERMINATIONS.get(outcome.termination, outcome.termination.name.lower()))
        elif self.board.is_repetition(3):  # has happened, not merely claimable with the next move
            self._finish("1/2-1/2", TERMINATIONS[chess.Termination.THREEFOLD_REPETITION])
        elif self.board.halfmove_clock >= 100:
            self._finish("1/2-1/2", TERMINATIONS[chess.Termination.FIFTY_MOVES])

    def _finish(self, result: str, termination: str) -> None:
        if self.is_over:
            return
        if result == "*":
            self.read_only = True
        self.result, self.termination = result, termination
        self.store.finish_game(self.game_id, result, termination)
        self.game_finished.emit(result, termination)
