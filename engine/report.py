"""The player page as one self-contained HTML file: figures inline as SVG, no scripts, no network.

The charts are built once here (:func:`profile_charts`) and drawn by the app's player page too, so
the report and the page always show the same figures.

>>> write_report(store, store.find_player("Dad"), Path("dad.html"))   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from html import escape
from pathlib import Path

import chess

from kibitz.engine.analysis import NO_ENGINE, Engine, EngineError, find_engine
from kibitz.engine.charts import BarChart, LineChart, Series
from kibitz.engine.eval_cache import EvalCache
from kibitz.engine.habits import MIN_GAMES, Habit, find_habits
from kibitz.engine.openings import OpeningNode
from kibitz.engine.pair_record import head_to_head_chart
from kibitz.engine.player_profile import PlayerProfile, player_profile
from kibitz.engine.predictor import open_predictor
from kibitz.engine.scoring import PHASES
from kibitz.engine.store import Player, Store

COLOUR_NAMES = {chess.WHITE: "White", chess.BLACK: "Black"}


def accuracy_chart(profile: PlayerProfile) -> LineChart:
    """Top-1 of every model version on the newest games, with the base model and the frequency book."""
    versions = [(i + 1, v.newest) for i, v in enumerate(profile.versions) if v.newest]
    last = max(len(profile.versions), 1)
    series = [Series("model top-1", [(i, float(f["top1"])) for i, f in versions]),
              Series("model top-3", [(i, float(f["top3"])) for i, f in versions])]
    for name, figures in profile.baselines.items():
        short = name.replace("own frequency book", "own book")  # the legend has one line
        series.append(Series(f"{short} top-1", [(0, float(figures["top1"])), (last, float(figures["top1"]))]))
    return LineChart(f"Does the model learn {profile.player.name}? (each on games it did not learn from)",
                     series, x_label="model version (0: before any)", y_label="moves predicted",
                     x_range=(0.0, float(last)))


def predictability_chart(profile: PlayerProfile) -> LineChart:
    return LineChart(f"How predictable {profile.player.name} is, by move number",
                     [Series("probability of the move played", [(n, p) for n, p, _ in profile.by_move])],
                     x_label="move number", y_label="mean probability")


def phase_chart(profile: PlayerProfile) -> BarChart:
    names = [name for name, _, _ in PHASES]
    return BarChart("By game phase (plies)", [f"plies {n}" for n in names],
                    [("probability of the move played", [profile.by_phase.get(n) for n in names])],
                    y_label="mean probability", width=360)


def profile_charts(profile: PlayerProfile) -> dict[str, LineChart | BarChart]:
    return {"accuracy": accuracy_chart(profile), "predictability": predictability_chart(profile),
            "phases": phase_chart(profile)}


def _percent(value: object) -> str:
    return "-" if value is None else f"{float(value):.1%}"  # type: ignore[arg-type]


def _results_table(profile: PlayerProfile) -> str:
    rows = []
    for colour in (chess.WHITE, chess.BLACK):
        r = profile.results[colour]
        rows.append(f"<tr><td>{COLOUR_NAMES[colour]}</td><td>{r.games}</td><td>{r.wins}</td><td>{r.draws}</td>"
                    f"<td>{r.losses}</td><td>{_percent(r.score)}</td></tr>")
    return ('<table id="results"><tr><th>as</th><th>games</th><th>won</th><th>drawn</th><th>lost</th>'
            "<th>score</th></tr>" + "".join(rows) + "</table>")


def _versions_table(profile: PlayerProfile) -> str:
    rows = []
    for i, v in enumerate(profile.versions, 1):
        figures = v.newest or {}
        validation = v.validation or {}
        state = "served now" if v.current else ("installed" if v.installed else "not installed")
        rows.append(f"<tr><td>{i}</td><td>{escape(v.date)}</td><td>{v.games_trained}</td><td>{v.rating or '-'}</td>"
                    f"<td>{_percent(figures.get('top1'))}</td><td>{_percent(figures.get('top3'))}</td>"
                    f"<td>{escape(v.measured_on)}</td><td>{_percent(validation.get('top1'))}</td><td>{state}</td>"
                    f"<td>{escape(v.note)}</td></tr>")
    for name, figures in profile.baselines.items():
        rows.append(f"<tr><td></td><td>{escape(name)}</td><td></td><td></td><td>{_percent(figures['top1'])}</td>"
                    f"<td>{_percent(figures['top3'])}</td><td>the newest {profile.newest_games} games</td><td></td>"
                    "<td></td><td></td></tr>")
    return ('<table id="models"><tr><th>version</th><th>trained</th><th>games</th><th>rating</th>'
            "<th>top-1</th><th>top-3</th><th>measured on</th>"
            "<th>top-1 when judged (games neither model had learned)</th>"
            "<th>state</th><th>note</th></tr>" + "".join(rows) + "</table>")


def _tree(node: OpeningNode, board: chess.Board) -> str:
    items = []
    for child in node.children:
        after = board.copy()
        number = f"{after.fullmove_number}{'.' if after.turn == chess.WHITE else '...'}"
        after.push_san(child.san)
        model = ("" if child.model_probability is None
                 else f", the model now gives it {child.model_probability:.0%} (its book knows these games)")
        name = f' <i class="opening">{escape(child.opening.text())}</i>' if child.opening else ""
        items.append(f'<li data-san="{escape(child.san)}" data-games="{child.games}"><details open><summary>'
                     f"<b>{number} {escape(child.san)}</b>{name} {child.games} games, score {child.score:.0%}{model}"
                     f"</summary>{_tree(child, after)}</details></li>")
    if node.rare:
        items.append(f'<li class=rare data-games="{node.rare}">{escape(node.rare_text())}</li>')
    top = ""
    if node.model_top:
        favourites = ", ".join(f"{escape(s)} {p:.0%}" for s, p in node.model_top)
        top = f"<div class=top>model predicts: {favourites}</div>"
    return top + ("<ul>" + "".join(items) + "</ul>" if items else "")


def _pair(profile: PlayerProfile) -> str:
    """Head-to-head by month and the performance rating by month (engine/pair_record.py)."""
    parts = []
    for record in profile.head_to_head:
        rows = "".join(f"<tr><td>{m}</td><td>{t.games}</td><td>{t.wins}</td><td>{t.draws}</td><td>{t.losses}</td>"
                       f"<td>{_percent(t.score)}</td></tr>" for m, t in record.by_month)
        parts.append(f"<h3>Against {escape(record.opponent)}: {record.total.games} games, {record.total.text()}</h3>"
                     f'<table class="head-to-head"><tr><th>month</th><th>games</th><th>won</th><th>drawn</th>'
                     f"<th>lost</th><th>score</th></tr>{rows}</table>")
    if profile.head_to_head:
        parts.append(f'<figure id="head-to-head">{head_to_head_chart(profile.player.name, profile.head_to_head).svg()}'
                     "</figure>")
    if profile.strength:
        rows = "".join(f"<tr><td>{p.month}</td><td>{p.games}</td><td>{p.opponents}</td><td>{p.performance}</td></tr>"
                       for p in profile.strength)
        parts.append("<h3>Performance rating by month</h3><p>The opponents' mean rating (from the games' tags, or "
                     "their level here) ± 400 × (won − lost) / games.</p><table id=\"strength\"><tr><th>month</th>"
                     f"<th>rated games</th><th>opponents</th><th>performance</th></tr>{rows}</table>")
    return "<h2>The record</h2>" + "".join(parts) if parts else ""


def _guesses(profile: PlayerProfile) -> str:
    if not profile.guesses:
        return ""
    rows = "".join(f"<tr><td>{escape(name)}</td><td>{t.rounds}</td><td>{t.human}</td><td>{t.model}</td></tr>"
                   for name, t in profile.guesses.items())
    return (f"<h2>Guess the move</h2><table id=\"guesses\"><tr><th>guessing</th><th>moves</th>"
            f"<th>{escape(profile.player.name)} right</th><th>model right</th></tr>{rows}</table>")


def habits_html(name: str, habits: list[Habit] | None) -> str:
    """The habits that cost points, worst first; without an engine, how to get one."""
    if habits is None:
        return f"<p id=\"habits\">{escape(NO_ENGINE)}</p>"
    if not habits:
        return (f'<p id="habits">No costly habit: no move {escape(name)} repeated (in {MIN_GAMES} games or more, '
                "where the model expects it) is an inaccuracy or worse.</p>")
    items = "".join(f"<li>{escape(h.text(name))}</li>" for h in habits)
    return f'<ol id="habits">{items}</ol>'


STYLE = """body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
.top{color:#0072B2;font-size:90%}ul{list-style:none;padding-left:1.2em}figure{margin:1em 0}"""


def render_report(profile: PlayerProfile, *, habits: list[Habit] | None = None) -> str:
    """The page; ``habits`` None: no engine was there to find them (the page says how to get one)."""
    charts = profile_charts(profile)
    name = escape(profile.player.name)
    figures = "".join(f'<figure id="{key}">{chart.svg()}</figure>' for key, chart in charts.items())
    openings = "".join(f'<h3>As {COLOUR_NAMES[c]}</h3><div id="openings-{COLOUR_NAMES[c].lower()}">'
                       f"{_tree(profile.openings[c], chess.Board())}</div>" for c in (chess.WHITE, chess.BLACK))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>kibitz: {name}</title>"
            f"<style>{STYLE}</style></head><body><h1>{name}</h1>"
            f"<p>{profile.games} games in the store. Served model: {escape(profile.served)}. "
            f"Written {dt.datetime.now():%Y-%m-%d %H:%M}.</p>"
            f"<h2>Results</h2>{_results_table(profile)}<h2>What the model knows</h2>{figures}"
            f"{_pair(profile)}<h2>Model history</h2>{_versions_table(profile)}{_guesses(profile)}"
            f"<h2>Habits that cost points</h2>{habits_html(profile.player.name, habits)}<h2>Openings</h2>{openings}"
            "</body></html>")


def player_habits(store: Store, player: Player, engine_path: Path | None) -> list[Habit] | None:
    """The player's costly habits with the engine at ``engine_path`` (None: no engine, no habits)."""
    if engine_path is None:
        return None
    try:
        cache: EvalCache | None = EvalCache.in_home(store.home)
    except sqlite3.Error:  # a read-only data folder: search without keeping the figures
        cache = None
    try:
        with Engine.open(engine_path, cache=cache) as engine:
            return find_habits(store, player, engine, open_predictor(player, store))
    except EngineError:
        return None
    finally:
        if cache is not None:
            cache.close()


def write_report(store: Store, player: Player, path: Path, *, engine_path: Path | None | bool = True) -> PlayerProfile:
    """Compute the player's profile (and habits, with the engine found on this computer unless
    ``engine_path`` says which or False) and write the report to ``path`` (atomically: a reader
    sees the old file or the new one, and a failed write leaves neither a half file nor a ``.part``).

    ``path`` may be a link: the file it points to is written and the link is kept.

    :raises ValueError: when ``path`` cannot take the report (a folder, a device, a folder that
        does not exist, no permission, a full disk), in one sentence.
    """
    target = report_target(path)
    profile = player_profile(store, player)
    engine = find_engine() if engine_path is True else (engine_path or None)
    habits = player_habits(store, player, engine)
    tmp = target.with_name(target.name + ".part")
    try:
        tmp.unlink(missing_ok=True)  # a .part left by a crash; never written through
        tmp.write_text(render_report(profile, habits=habits), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as error:
        if not tmp.is_dir():
            tmp.unlink(missing_ok=True)
        raise ValueError(f"cannot write the report to {path} ({error.strerror or error})") from error
    return profile


def report_target(path: Path) -> Path:
    """The file a report for ``path`` is written to: ``path`` itself, or where a link at ``path``
    points (a link is followed on purpose: the person named it, and it stays a link).

    :raises ValueError: when that is a folder, a device or a pipe, or its folder does not exist.
    """
    if str(path) in ("", "."):
        raise ValueError("the report needs a file name, such as report.html")
    target = path.resolve() if path.is_symlink() else path
    if target.is_dir():
        raise ValueError(f"{path} is a folder; give a file name, such as {path / 'report.html'}")
    if target.exists() and not target.is_file():
        raise ValueError(f"{path} is not a regular file (a device or a pipe); give a file name, such as report.html")
    if not target.parent.is_dir():
        raise ValueError(f"the folder {target.parent} does not exist; create it first or write the report elsewhere")
    return target
