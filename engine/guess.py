"""Guess the move: the watching player guesses the opponent's next move, then the real move scores
the human against the model (its first choice in that position).

Guesses are kept in the store (``guesses``: one per game and ply), so the running score of a game
and of a pair of players - the guesser guessing the other's moves, over all their games - survive
restarts. A takeback forgets the guesses of the plies taken back.

>>> Guess(1, 4, 2, guess="g1f3", model="g1f3", played="f1c4").points
(0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass

from kibitz.engine.store import Store


@dataclass(frozen=True)
class Guess:
    game_id: int
    ply: int  # 0-based ply of the move guessed
    guesser_id: int | None
    guess: str  # UCI
    model: str  # the model's first choice (UCI; "" when it had none)
    played: str  # the move played (UCI)

    @property
    def points(self) -> tuple[int, int]:
        """(human, model): a point each for naming the move played."""
        return int(self.guess == self.played), int(bool(self.model) and self.model == self.played)


@dataclass(frozen=True)
class Tally:
    """Running score: rounds guessed, the human's hits, the model's hits."""

    rounds: int = 0
    human: int = 0
    model: int = 0

    def text(self, name: str) -> str:
        """``"Dad 3 of 7, the model 4 of 7"``."""
        return f"{name} {self.human} of {self.rounds}, the model {self.model} of {self.rounds}"


def record_guess(store: Store, guess: Guess) -> None:
    """Keep ``guess`` (a second guess at the same ply, after a takeback, replaces the first)."""
    with store.transaction() as db:
        db.execute("INSERT OR REPLACE INTO guesses (game_id, ply, guesser_id, guess, model, played)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   (guess.game_id, guess.ply, guess.guesser_id, guess.guess, guess.model, guess.played))


def forget_from(store: Store, game_id: int, ply: int) -> None:
    """Forget the guesses at ``ply`` and later (the moves were taken back)."""
    with store.transaction() as db:
        db.execute("DELETE FROM guesses WHERE game_id = ? AND ply >= ?", (game_id, ply))


_TALLY = ("SELECT COUNT(*), COALESCE(SUM(g.guess = g.played), 0),"
          " COALESCE(SUM(g.model != '' AND g.model = g.played), 0) FROM guesses g")


def game_tally(store: Store, game_id: int, guesser_id: int | None) -> Tally:
    """The guesser's score in one game."""
    rows = store.query(f"{_TALLY} WHERE g.game_id = ? AND g.guesser_id IS ?", (game_id, guesser_id))
    return Tally(*map(int, rows[0]))


def pair_tally(store: Store, guesser_id: int, mover_id: int) -> Tally:
    """The guesser's score at guessing ``mover_id``'s moves, over every game the two played."""
    rows = store.query(f"{_TALLY} JOIN games ON games.id = g.game_id WHERE g.guesser_id = ? AND"
                       " ((games.white_id = ? AND games.black_id = ?) OR (games.white_id = ? AND games.black_id = ?))",
                       (guesser_id, guesser_id, mover_id, mover_id, guesser_id))
    return Tally(*map(int, rows[0]))


def tallies_of(store: Store, guesser_id: int) -> dict[int, Tally]:
    """The guesser's score against each opponent whose moves they guessed (by the opponent's id)."""
    rows = store.query("SELECT CASE WHEN games.white_id = g.guesser_id THEN games.black_id ELSE games.white_id END,"
                       " COUNT(*), SUM(g.guess = g.played), SUM(g.model != '' AND g.model = g.played)"
                       " FROM guesses g JOIN games ON games.id = g.game_id WHERE g.guesser_id = ?"
                       " GROUP BY 1", (guesser_id,))
    return {int(mover): Tally(int(n), int(human), int(model)) for mover, n, human, model in rows if mover is not None}
