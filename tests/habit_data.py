"""A store where Son, as Black, keeps answering 1.e4 e5 2.Nf3 with 2...f6, and a personal model that
learned it (the base adapter with Son's own book, as a retrain would install it)."""

from __future__ import annotations

import io
import shutil
from typing import Any

import chess

from kibitz.engine import pgn
from kibitz.engine.book import PlayerBook
from kibitz.engine.models import add_book, base_model_dir, new_model_version_dir

SON_GAMES = [  # Son plays 2...f6 in 3 of the 4 games where he met 2.Nf3
    "1. e4 e5 2. Nf3 f6 3. Nxe5 fxe5 4. Qh5+ Ke7 5. Qxe5+ Kf7 6. Bc4+ d5 7. Bxd5+ Kg6 1-0",
    "1. e4 e5 2. Nf3 f6 3. Bc4 Nc6 4. O-O d6 5. d4 Bg4 0-1",
    "1. e4 e5 2. Nf3 f6 3. d4 d6 4. Bc4 c6 5. Nc3 Qc7 1-0",
    "1. e4 e5 2. Nf3 Nc6 3. Bb5 a6 4. Ba4 Nf6 5. O-O Be7 1/2-1/2",
]


def store_with_habit(store: Any) -> Any:
    """Import Dad-Son games and give Son a model whose book knows them; returns Son."""
    text = "".join(f'[Event "habit {i}"]\n[Round "{i}"]\n[White "Dad"]\n[Black "Son"]\n'
                   f'[Result "{moves.split()[-1]}"]\n\n{moves}\n\n' for i, moves in enumerate(SON_GAMES))
    games = [g for g in pgn.read_games(io.BytesIO(text.encode())) if isinstance(g, pgn.PgnGame)]
    assert len(games) == len(SON_GAMES)
    store.import_games(games)
    store.add_player("Dad")
    son = store.add_player("Son")
    folder = new_model_version_dir(store.home, son.id)
    shutil.copytree(base_model_dir(), folder)
    book = PlayerBook.from_games([(chess.Board(), [chess.Move.from_uci(u) for u in r.moves], chess.BLACK)
                                  for r in store.games_of_player(son.id)], strength=2.0)
    add_book(folder, book.to_bytes(), strength=2.0)
    store.record_model(son.id, folder, len(SON_GAMES), {"installed": True, "rating": 1500})
    return son
