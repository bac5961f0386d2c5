"""A game being played: owns the ``chess.Board`` and its clock, decides legality and results, writes the store.

No widgets here: the promotion choice is asked through a callable handed in by the window, so
the session runs the same under tests. The clock's rules (pause, takeback, resume, flag) are
:mod:`kibitz.engine.clock`'s; the window's timer only asks :meth:`GameSession.check_time`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import chess
from PySide6.QtCore import QObject, Signal

from kibitz.engine.clock import Controls, GameClock, clocks_at, controls_from_tags, controls_to_tags, flag_result
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
    clock_changed = Signal()  # paused or resumed
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
        clock: GameClock | None = None,
        clocks: list[float | None] | None = None,
        controls: Controls | None = None,
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
        self.clock = clock  # None: a game without clocks (or one only looked at)
        self._controls = controls  # a stored game's time controls, when only looked at
        self._clocks: list[float | None] = list(clocks) if clocks is not None else [None] * self.ply

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def start(cls, store: StoreLike, white: PlayerLike, black: PlayerLike, *, event: str | None = None,
              board: chess.Board | None = None, controls: Controls | None = None, **kwargs: object) -> GameSession:
        """A new game, from the start or from ``board``'s position (play on from a stored game), with
        a clock running at once when ``controls`` gives each side's time."""
        fen = board.fen() if board is not None else None
        game_id = store.start_game(white.id, black.id, event=event or None, fen=fen,
                                   tags=controls_to_tags(controls))
        start = starting_board(fen) if fen is not None else None
        clock = GameClock.start(controls, turn=start.turn if start else chess.WHITE) if controls else None
        return cls(store, game_id, Seat(white.id, white.name), Seat(black.id, black.name), board=start,
                   clock=clock, **kwargs)  # type: ignore[arg-type]

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
        session = cls(store, record.id, white, black, board=board, clocks=store.clocks(record.id),
                      controls=controls_from_tags(store.tags(record.id)), **kwargs)  # type: ignore[arg-type]
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
        # The clock goes on paused, each side's time as after their last move (engine/clock.py).
        clocks = store.clocks(record.id)[:played]
        controls = controls_from_tags(store.tags(record.id))
        clock = None if controls is None else GameClock(
            controls, clocks_at(controls, board.root().turn, clocks, played), turn=board.turn, running=False)
        session = cls(store, record.id, white, black, board=board, clock=clock, clocks=clocks,
                      **kwargs)  # type: ignore[arg-type]
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
    def controls(self) -> Controls | None:
        """Each side's time control, or None for a game without clocks."""
        return self.clock.controls if self.clock is not None else self._controls

    def clock_times(self, ply: int | None = None) -> dict[chess.Color, float | None] | None:
        """Each side's time at ``ply`` (None: now, running down), or None when the game has no clocks.

        For a stored game the times are those recorded with its moves (an imported game's [%clk]);
        without a time control a side's time is None until its first recorded move.
        """
        if self.clock is not None and (ply is None or ply >= self.ply):  # stopped at the end of a game
            return {color: self.clock.remaining(color) for color in (chess.WHITE, chess.BLACK)}
        ply = self.ply if ply is None else ply
        if self.controls is not None:
            return dict(clocks_at(self.controls, self.board.root().turn, self._clocks, ply))
        if not any(c is not None for c in self._clocks):
            return None
        times: dict[chess.Color, float | None] = {chess.WHITE: None, chess.BLACK: None}
        mover = self.board.root().turn
        for value in self._clocks[:ply]:
            times[mover] = times[mover] if value is None else value
            mover = not mover
        return times

    @property
    def clock_paused(self) -> bool:
        return self.clock is not None and not self.clock.running and not self.is_over

    def pause_clock(self) -> None:
        if self.clock is not None and not self.is_over:
            self.clock.pause()
            self.clock_changed.emit()

    def resume_clock(self) -> None:
        if self.clock is not None and not self.is_over:
            self.clock.resume()
            self.clock_changed.emit()

    def check_time(self) -> bool:
        """End the game if the side to move's time has run out (the window asks a few times a second)."""
        if self.clock is None or self.is_over:
            return False
        flagged = self.clock.flagged()
        if flagged is None:
            return False
        loser, winner = self.seats[flagged].name, self.seats[not flagged].name
        result = flag_result(self.board, flagged)
        how = f"{loser} ran out of time" + (f"; {winner} cannot checkmate" if result == "1/2-1/2" else "")
        self._finish(result, how)
        return True

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
    def attempt_move(self, from_square: Square, to_square: Square,
                     promotion: chess.PieceType | None = None) -> chess.Move | None:
        """Play from -> to if legal, asking for the promotion piece unless given; None if refused or cancelled."""
        if self.is_over or self.check_time():
            return None
        candidates = [m for m in self.board.legal_moves
                      if m.from_square == from_square and m.to_square == to_square]
        if not candidates:
            return None
        move = candidates[0]
        if move.promotion is not None:
            piece = promotion if promotion is not None else self.promotion_chooser(self.board.turn)
            if piece is None:
                return None
            move = chess.Move(from_square, to_square, promotion=piece)
            if move not in candidates:
                return None
        self.play(move)
        return move

    def play(self, move: chess.Move) -> None:
        """Play a legal move and commit it, with the mover's clock after it, to the store at once."""
        if self.is_over or move not in self.board.legal_moves:
            raise ValueError(f"illegal move {move.uci()} in {self.board.fen()}")
        san = self.board.san(move)
        clock = self.clock.after_move() if self.clock is not None else None
        self.store.add_move(self.game_id, self.ply, move.uci(), san, clock)
        if self.clock is not None:  # only once stored: a move that is not saved costs no time
            self.clock.press(clock)
        self._clocks.append(clock)
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
            self._clocks.pop()
        self.store.truncate_moves(self.game_id, self.ply)
        if self.clock is not None:  # the clocks as they were at the position taken back to
            self.clock.set(clocks_at(self.clock.controls, self.board.root().turn, self._clocks, self.ply),
                           self.board.turn)
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
        if self.clock is not None:
            self.clock.pause()
        self.result, self.termination = result, termination
        self.store.finish_game(self.game_id, result, termination)
        self.game_finished.emit(result, termination)
