"""A chess engine (Stockfish, over UCI through python-chess) that judges positions and moves.

kibitz's models know what each player is *likely* to play; the engine says whether it is *good*.
The engine is optional: :func:`find_engine` looks where Debian and most systems put Stockfish,
and everything that needs one says :data:`NO_ENGINE` when there is none. Every search is bounded
(:data:`REVIEW_LIMIT`, nodes rather than time, so a result does not depend on the machine's load)
and runs with one thread and a small hash: kibitz shares the machine with the window and the models.

Verdicts follow lichess (``modules/analyse/src/main/Advice.scala``): a move's cost is the drop in
the mover's *winning chances* ``2 / (1 + exp(-0.00368208 * cp)) - 1`` (cp clamped to ±1000), and a
drop of 0.3 is a blunder, 0.2 a mistake, 0.1 an inaccuracy; a move that lets a forced mate in or
lets one go is judged by lichess's mate rules (:func:`verdict`).

>>> Evaluation(cp=35).text()
'+0.35'
>>> verdict(Evaluation(cp=0), Evaluation(cp=-400), chess.WHITE)
'blunder'
"""

from __future__ import annotations

import concurrent.futures
import math
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import chess
import chess.engine

if TYPE_CHECKING:
    from kibitz.engine.eval_cache import EvalCache

#: What the app and the command line say where an engine is needed and none was found.
NO_ENGINE = ("No chess engine found: install Stockfish (Debian/Ubuntu: apt-get install stockfish; "
             "others: stockfishchess.org), or choose one in Insight → Chess engine…")
#: Where Debian installs Stockfish (not on a normal user's PATH).
DEBIAN_PATH = Path("/usr/games/stockfish")
#: Per position in a review, a hint or a habit: about 0.1 s for Stockfish 15 on one core.
REVIEW_LIMIT = chess.engine.Limit(nodes=60_000)
#: Centipawns a mate counts as, and the cap on any evaluation (lichess's ``Cp.CEILING``).
CP_CEILING = 1000
WIN_SLOPE = 0.00368208  # lichess's fit of winning chances to centipawns
#: Drop in the mover's winning chances (in -1..1) at which a move earns each verdict, worst first.
JUDGEMENTS = ((0.3, "blunder"), (0.2, "mistake"), (0.1, "inaccuracy"))
VERDICTS = ("best", "good", "inaccuracy", "mistake", "blunder")


class EngineError(RuntimeError):
    """The engine could not be started or stopped answering; the message is one sentence."""


class Cancelled(Exception):
    """The position changed (or the window closed) before the analysis ended."""


@dataclass(frozen=True)
class Evaluation:
    """An engine's judgement of a position, from White's point of view.

    ``cp`` centipawns or ``mate`` moves to mate (positive: White mates), never both - except in a
    checkmated position: ``mate`` 0 and ``cp`` ±1000 on the winner's side (:meth:`mated`).
    ``best`` is the engine's move there (None in a finished game).
    """

    cp: int | None = None
    mate: int | None = None
    best: chess.Move | None = None

    @classmethod
    def from_score(cls, score: chess.engine.PovScore, best: chess.Move | None = None) -> Evaluation:
        white = score.white()
        mate = white.mate()
        if mate == 0:  # the side to move is mated (python-chess gives no sign to a mate in 0)
            return cls.mated(score.turn)
        return cls(mate=mate, best=best) if mate is not None else cls(cp=white.score(), best=best)

    @classmethod
    def mated(cls, loser: chess.Color) -> Evaluation:
        """A checkmated position: ``mate`` 0, and ``cp`` at the ceiling on the winner's side."""
        return cls(mate=0, cp=-CP_CEILING if loser == chess.WHITE else CP_CEILING)

    @classmethod
    def of_finished(cls, board: chess.Board) -> Evaluation:
        """A position with no legal move: mate (the side to move lost) or a draw."""
        return cls.mated(board.turn) if board.is_checkmate() else cls(cp=0)

    def centipawns(self) -> int:
        """White's advantage in centipawns, a mate counted as ±1000 (lichess's ceiling)."""
        if self.mate is not None and self.mate != 0:
            return CP_CEILING if self.mate > 0 else -CP_CEILING
        return max(-CP_CEILING, min(CP_CEILING, self.cp or 0))

    def mate_for(self, colour: chess.Color) -> int | None:
        """Moves to mate from ``colour``'s side: positive when ``colour`` mates, negative when mated."""
        if self.mate is None or self.mate == 0:
            return None
        return self.mate if colour == chess.WHITE else -self.mate

    def winning_chances(self, colour: chess.Color) -> float:
        """``colour``'s winning chances in -1..1 (lichess's sigmoid; 0 is level)."""
        cp = self.centipawns() if colour == chess.WHITE else -self.centipawns()
        return 2 / (1 + math.exp(-WIN_SLOPE * cp)) - 1

    def win_probability(self, colour: chess.Color) -> float:
        """``colour``'s expected result in 0..1 (lichess's win%, divided by 100)."""
        return (1 + self.winning_chances(colour)) / 2

    def pawns(self, colour: chess.Color = chess.WHITE) -> float:
        """``colour``'s advantage in pawns (a mate counted as 10)."""
        cp = self.centipawns()
        return (cp if colour == chess.WHITE else -cp) / 100

    def text(self) -> str:
        """``"+0.35"``, ``"-1.20"``, ``"#3"`` (White mates in 3), ``"#-2"`` (Black mates in 2), and
        ``"1-0"`` / ``"0-1"`` for a position where one side is checkmated."""
        if self.mate == 0:
            return "1-0" if (self.cp or 0) > 0 else "0-1"
        if self.mate is not None:
            return f"#{self.mate}"
        return f"{(self.cp or 0) / 100:+.2f}"

    def to_json(self) -> float | str:
        """Pawns from White's side, or the :meth:`text` of a mate (docs/contracts.md)."""
        return self.text() if self.mate is not None else round((self.cp or 0) / 100, 2)


def verdict(before: Evaluation, after: Evaluation, mover: chess.Color, *, best: bool = False) -> str:
    """The lichess judgement of a move from ``before`` to ``after`` by ``mover``: one of :data:`VERDICTS`.

    ``best``: the move was the engine's own choice (never worse than "best").

    >>> verdict(Evaluation(cp=50), Evaluation(mate=-3), chess.WHITE)
    'blunder'
    >>> verdict(Evaluation(mate=2), Evaluation(cp=800), chess.WHITE)
    'mistake'
    """
    if best:
        return "best"
    if after.mate == 0 and after.centipawns() * (1 if mover == chess.WHITE else -1) > 0:
        return "good"  # the move gave mate
    mate_before, mate_after = before.mate_for(mover), after.mate_for(mover)
    cp_before, cp_after = _mover_cp(before, mover), _mover_cp(after, mover)  # clamped to ±1000
    if mate_before is None and mate_after is not None and mate_after < 0:  # lichess's MateCreated
        return "inaccuracy" if cp_before < -999 else "mistake" if cp_before < -700 else "blunder"
    if mate_before is not None and mate_before > 0 and (mate_after is None or mate_after < 0):  # MateLost
        if mate_after is not None:
            return "blunder"  # from mating to being mated
        return "inaccuracy" if cp_after > 999 else "mistake" if cp_after > 700 else "blunder"
    if before.mate is not None or after.mate is not None:
        return "good"  # mate to mate (a slower mate, say): lichess gives no judgement
    drop = (Evaluation(cp=cp_before).winning_chances(chess.WHITE)
            - Evaluation(cp=cp_after).winning_chances(chess.WHITE))
    return next((word for threshold, word in JUDGEMENTS if drop >= threshold), "good")


def _mover_cp(evaluation: Evaluation, mover: chess.Color) -> int:
    return evaluation.centipawns() if mover == chess.WHITE else -evaluation.centipawns()


def find_engine(configured: str | os.PathLike[str] | None = None) -> Path | None:
    """The engine to use: ``configured`` (the settings) if it is an executable file, else
    ``stockfish`` on PATH, else Debian's /usr/games/stockfish; None when there is none.

    A configured path that does not work is not silently replaced: None, so the app says so.
    """
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_file() and os.access(path, os.X_OK) else None
    found = shutil.which("stockfish")
    if found:
        return Path(found)
    return DEBIAN_PATH if DEBIAN_PATH.is_file() and os.access(DEBIAN_PATH, os.X_OK) else None


def limit_key(limit: chess.engine.Limit) -> str:
    """A short stable name for a search limit (part of the evaluation cache's key)."""
    parts = [f"{name}={getattr(limit, name)}" for name in ("depth", "nodes", "time") if getattr(limit, name)]
    return ",".join(parts) or "unbounded"


class Engine:
    """One UCI engine process: one search at a time (a lock), cancellable from any thread, run at a
    lower CPU priority than the app (``niceness``) so that a search never slows a move down.

    :raises EngineError: from :meth:`open` when the program cannot be started as a UCI engine.
    """

    def __init__(self, process: chess.engine.SimpleEngine, path: Path, cache: EvalCache | None = None) -> None:
        self._process = process
        self.path = path
        self.name = str(process.id.get("name", path.name))
        self.cache = cache
        self._lock = threading.Lock()
        self._running: chess.engine.SimpleAnalysisResult | None = None
        self._cancelled = threading.Event()

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, threads: int = 1, hash_mb: int = 16,
             cache: EvalCache | None = None, niceness: int = 10) -> Engine:
        try:
            process = chess.engine.SimpleEngine.popen_uci(str(path), timeout=20)
        except (OSError, chess.engine.EngineError, TimeoutError) as error:
            raise EngineError(f"{path} could not be started as a UCI chess engine ({error}).") from error
        try:
            process.configure({name: value for name, value in (("Threads", threads), ("Hash", hash_mb))
                               if name in process.options})
        except chess.engine.EngineError as error:
            process.quit()
            raise EngineError(f"{path} refused its settings ({error}).") from error
        engine = cls(process, Path(path), cache)
        engine._lower_priority(niceness)
        return engine

    def _lower_priority(self, niceness: int) -> None:
        """Let the board and the models go first: the engine's process yields the CPU to them."""
        if niceness > 0 and hasattr(os, "setpriority"):
            try:
                os.setpriority(os.PRIO_PROCESS, self.pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + niceness))
            except (OSError, AttributeError):
                pass  # not allowed or not known here: it runs at the app's priority

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int:
        """The engine process's id (tests end it to see the app recover)."""
        return int(self._process.protocol.transport.get_pid())  # type: ignore[union-attr]

    def close(self) -> None:
        self.cancel()
        try:
            self._process.quit()
        except (chess.engine.EngineError, TimeoutError, OSError, RuntimeError):
            self._process.close()

    def cancel(self) -> None:
        """Stop the search that is running now (if any); it raises :class:`Cancelled` in its thread."""
        self._cancelled.set()
        running = self._running
        if running is not None:
            running.stop()

    def evaluate(self, board: chess.Board, limit: chess.engine.Limit = REVIEW_LIMIT) -> Evaluation:
        """The engine's evaluation of ``board`` and its best move (from the cache when known).

        :raises Cancelled: when :meth:`cancel` was called during the search.
        """
        if not any(board.legal_moves):
            return Evaluation.of_finished(board)
        key = limit_key(limit)
        if self.cache is not None:
            known = self.cache.get(board, self.name, key)
            if known is not None:
                return known
        (evaluation,) = self.candidates(board, limit, 1)
        if self.cache is not None:
            self.cache.put(board, self.name, key, evaluation[1])
        return evaluation[1]

    def candidates(self, board: chess.Board, limit: chess.engine.Limit = REVIEW_LIMIT,
                   count: int = 5) -> list[tuple[chess.Move, Evaluation]]:
        """The engine's ``count`` best moves with the evaluation after each (multi-PV), best first."""
        infos = self._search(board, limit, count)
        out = []
        for info in infos:
            pv = info.get("pv") or []
            if "score" in info and pv:
                out.append((pv[0], Evaluation.from_score(info["score"], pv[0])))
        if not out:
            raise EngineError(f"{self.name} gave no move for {board.fen()}.")
        return out

    def _search(self, board: chess.Board, limit: chess.engine.Limit, count: int) -> list[chess.engine.InfoDict]:
        with self._lock:
            self._cancelled.clear()
            try:
                # A new "game" each time: the engine clears its hash first, so a node-bounded search
                # gives the same answer whatever was searched before (tests, the cache, reviews agree).
                analysis = self._process.analysis(board, limit, multipv=count, game=object())
                self._running = analysis
                try:
                    analysis.wait()
                finally:
                    self._running = None
                infos = list(analysis.multipv)
            except (chess.engine.EngineError, concurrent.futures.CancelledError) as error:
                # Terminated (python-chess cancels the pending command), or it answered nonsense.
                raise EngineError(f"{self.name} stopped working ({type(error).__name__}).") from error
            if self._cancelled.is_set():
                raise Cancelled()
            return infos


def judge_moves(engine: Engine, start: chess.Board, moves: Iterable[chess.Move],
                limit: chess.engine.Limit = REVIEW_LIMIT, *, cancelled: Callable[[], bool] | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[Judgement]:
    """Every move of a game judged: the evaluation before and after, the engine's move, a verdict.

    One search per position (the position after a move is the one before the next), so a game
    of N plies costs N + 1 searches. ``cancelled()`` is asked between searches; ``progress(done,
    total)`` hears of every move judged.

    :raises Cancelled: when ``cancelled()`` said so, or the engine was cancelled.
    """
    board = start.copy(stack=False)
    moves = list(moves)
    before = engine.evaluate(board, limit)
    judged = []
    for ply, move in enumerate(moves):
        if cancelled is not None and cancelled():
            raise Cancelled()
        mover = board.turn
        san = board.san(move)
        best_san = board.san(before.best) if before.best is not None else ""
        board.push(move)
        after = engine.evaluate(board, limit)
        judged.append(Judgement(ply, mover, san, before, after, best_san,
                                verdict(before, after, mover, best=move == before.best)))
        before = after
        if progress is not None:
            progress(ply + 1, len(moves))
    return judged


@dataclass(frozen=True)
class Judgement:
    """One move as the engine saw it."""

    ply: int  # 0-based
    mover: chess.Color
    san: str
    before: Evaluation
    after: Evaluation
    best_san: str  # the engine's move in the position before ("" when it had none)
    verdict: str  # one of VERDICTS

    @property
    def cost(self) -> float:
        """What the move cost the mover in winning chances (0..2; negative: it gained)."""
        return self.before.winning_chances(self.mover) - self.after.winning_chances(self.mover)
