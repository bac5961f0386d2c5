"""``kibitz review FILE.pgn [--game N] [--json]``: each move with the mover's model and the engine.

Per move: the mover, the move (SAN), the probability the mover's model gave it, the engine's
evaluation before and after (pawns from White's side) and the verdict. A player the store knows
(by name or alias) is predicted by the model the app serves them; anyone else by the base adapter
at the rating of their rating tag. Without an engine it says so and prints the models' part.
The JSON shape is a contract (docs/contracts.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import chess
import chess.engine

from kibitz.engine.analysis import NO_ENGINE, REVIEW_LIMIT, Engine, EngineError, Judgement, find_engine, judge_moves
from kibitz.engine.eval_cache import EvalCache
from kibitz.engine.models import ModelError, base_model_dir
from kibitz.engine.player_games import replay
from kibitz.engine.pgn import PgnGame, SkippedGame, read_games, starting_board
from kibitz.engine.predictor import open_model
from kibitz.engine.priors import rating_key
from kibitz.engine.review import MoveReview, ServedModel, review_moves, served_model
from kibitz.engine.store import DB_NAME, Store, StoreError, default_home


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kibitz review", description=(
        "Review a game: each move's probability under the mover's model, the engine's evaluation "
        "before and after it (pawns, White's side) and a verdict (lichess's thresholds)."))
    parser.add_argument("file", type=Path, help="a PGN file (plain, .gz, .xz or .bz2)")
    parser.add_argument("--game", type=int, default=1, help="which game of the file, counting from 1 (default 1)")
    parser.add_argument("--json", action="store_true", help='one JSON object: {"moves": [...]}')
    parser.add_argument("--engine", help="the UCI engine to use (default: stockfish on PATH or /usr/games)")
    parser.add_argument("--nodes", type=int, default=REVIEW_LIMIT.nodes, help="engine nodes per position")
    parser.add_argument("--home", type=Path, help="app data folder whose players' models to use")
    return parser


def _nth_game(path: Path, number: int) -> PgnGame | str:
    """The ``number``-th game of the file, or one sentence on why there is none."""
    seen = 0
    try:
        for game in read_games(path):
            seen += 1
            if seen == number:
                if isinstance(game, SkippedGame):
                    return f"game {number} of {path} cannot be read: {game.reason}"
                return game
    except OSError as error:
        return f"{path} cannot be read ({error.strerror or error})"
    return f"{path} has {seen} game{'s' if seen != 1 else ''}, so there is no game {number}"


def _model_for(name: str, rating: str | None, store: Store | None) -> ServedModel | None:
    """The model the app serves ``name``; for a stranger the base adapter at their rating tag's rating."""
    player = store.find_player(name) if store is not None and name else None
    if player is not None:
        return served_model(player, store)
    try:
        elo = rating_key(int(rating) if rating and rating.isdigit() else None)
        predictor = open_model(base_model_dir(), rating=elo)
    except ModelError:
        return None
    return ServedModel(predictor.adapter, elo, predictor.status.description)


def _open_store(home: Path | None) -> Store | None:
    """The store of ``home`` if there is one (never creates one just to review a file)."""
    folder = home or default_home()
    if not (folder / DB_NAME).is_file():
        return None
    try:
        return Store.open(folder)
    except StoreError:
        return None


def review_rows(game: PgnGame, models: dict[chess.Color, ServedModel],
                judgements: Sequence[Judgement] | None) -> list[dict[str, Any]]:
    """The contract's rows: ``ply`` (1 = the first move), ``san``, ``mover`` (the name), ``probability``,
    ``eval_before`` / ``eval_after`` (pawns from White's side, or "#N" for a mate; None without an
    engine) and ``verdict`` (one of analysis.VERDICTS; "" without an engine)."""
    start = starting_board(game.fen)
    moves = [chess.Move.from_uci(u) for u in game.moves]
    by_ply: dict[int, MoveReview] = {m.ply: m for m in review_moves(start, moves, models)}
    names = {chess.WHITE: game.headers.get("White", "White"), chess.BLACK: game.headers.get("Black", "Black")}
    judged = {j.ply: j for j in judgements or []}
    rows = []
    for ply, board, move in replay(start, moves):
        model, judgement = by_ply.get(ply), judged.get(ply)
        rows.append({
            "ply": ply + 1, "san": board.san(move), "mover": names[board.turn],
            "probability": round(model.probability, 4) if model else None,
            "eval_before": judgement.before.to_json() if judgement else None,
            "eval_after": judgement.after.to_json() if judgement else None,
            "verdict": judgement.verdict if judgement else "",
        })
    return rows


def _text(rows: list[dict[str, Any]], start: chess.Board) -> str:
    width = max([len(r["mover"]) for r in rows] + [5])
    lines = [f"{'move':<12} {'mover':<{width}} {'model':>6} {'before':>7} {'after':>7}  verdict"]
    board = start.copy(stack=False)
    for row in rows:
        number = f"{board.fullmove_number}{'.' if board.turn == chess.WHITE else '...'}"
        board.push_san(row["san"])
        probability = "-" if row["probability"] is None else f"{row['probability']:.0%}"
        before = "" if row["eval_before"] is None else _signed(row["eval_before"])
        after = "" if row["eval_after"] is None else _signed(row["eval_after"])
        lines.append(f"{number + ' ' + row['san']:<12} {row['mover']:<{width}} {probability:>6} {before:>7} "
                     f"{after:>7}  {row['verdict']}".rstrip())
    return "\n".join(lines)


def _signed(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:+.2f}"


def main(argv: list[str] | None = None) -> int:
    """Exit 0; 1 when the game cannot be read or the engine fails; 2 for bad arguments."""
    args = _parser().parse_args(argv)
    if args.game < 1 or args.nodes < 1:
        print("kibitz review: --game and --nodes count from 1", file=sys.stderr)
        return 2
    game = _nth_game(args.file, args.game)
    if isinstance(game, str):
        print(f"kibitz review: {game}", file=sys.stderr)
        return 1
    store = _open_store(args.home)
    try:
        models: dict[chess.Color, ServedModel] = {}
        for colour, tag in ((chess.WHITE, "White"), (chess.BLACK, "Black")):
            model = _model_for(game.headers.get(tag, ""), game.headers.get(f"{tag}Elo"), store)
            if model is not None:
                models[colour] = model
        start = starting_board(game.fen)
        judgements, note = _judge(game, start, args)
    finally:
        if store is not None:
            store.close()
    if judgements is None and note is None:
        return 1
    rows = review_rows(game, models, judgements)
    if args.json:
        print(json.dumps({"moves": rows}, ensure_ascii=False))
        if note:
            print(note, file=sys.stderr)
        return 0
    white, black = game.headers.get("White", "?"), game.headers.get("Black", "?")
    print(f"{white} – {black}, {game.headers.get('Date', '?')}, {game.result}")
    for colour, name in ((chess.WHITE, white), (chess.BLACK, black)):
        print(f"  {name}'s model: {models[colour].description if colour in models else 'none'}")
    print(f"  {note}" if note else "")
    print(_text(rows, start))
    return 0


def _judge(game: PgnGame, start: chess.Board, args: argparse.Namespace) -> tuple[list[Judgement] | None, str | None]:
    """The engine's judgements, or (None, the reason) without an engine; (None, None) when it failed."""
    path = find_engine(args.engine)
    if path is None:
        missing = f"{args.engine} is not an executable file." if args.engine else NO_ENGINE
        return None, f"{missing} Only the models' part is shown."
    limit = chess.engine.Limit(nodes=args.nodes)
    cache = _cache(args.home)
    try:
        with Engine.open(path, cache=cache) as engine:
            judged = judge_moves(engine, start, [chess.Move.from_uci(u) for u in game.moves], limit)
            return judged, f"engine: {engine.name}, {args.nodes:,} nodes per position"
    except EngineError as error:
        print(f"kibitz review: {error}", file=sys.stderr)
        return None, None
    finally:
        if cache is not None:
            cache.close()


def _cache(home: Path | None) -> EvalCache | None:
    """The evaluation cache of an existing data folder (none for a folder that does not exist)."""
    folder = home or default_home()
    return EvalCache.in_home(folder) if folder.is_dir() else None
