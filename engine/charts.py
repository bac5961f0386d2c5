"""Small SVG charts (line and grouped bar), drawn by hand, for the app and the HTML report alike.

Why hand-drawn SVG: the app shows it with QtSvg (in PySide6-Essentials, already a dependency) and
the report embeds the same text inline, so there is one drawing for both, no new dependency, no
display needed to render a report, and tests read the figures back from the markup (every series
and point carries ``data-`` attributes). A chart maps a click back to its x value
(:meth:`LineChart.x_at`), which is all the review needs to jump the board to a move.

>>> chart = LineChart("Predictability", [Series("Alice", [(1, 0.5), (2, 0.25)])], x_label="move")
>>> chart.svg().startswith("<svg")
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

#: Colour-blind safe (Okabe-Ito) colours, in the order series take them.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 34, 44
LEGEND_ROW = 14
TITLE_ROW = 16
TITLE_CHAR = 8.2  # a generous width of one bold 13 px character: a wrapped title never runs off the chart


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float]]
    colour: str | None = None
    line: bool = True  # False: marks only (the mistakes on an evaluation graph)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def title_lines(title: str, width: int) -> list[str]:
    """The title broken at spaces into lines that fit ``width`` (a narrow chart shows it whole).

    >>> title_lines("Does the model learn Alice? (each on games it did not learn from)", 300)
    ['Does the model learn Alice? (each', 'on games it did not learn from)']
    """
    lines: list[str] = []
    for word in title.split():
        if lines and (len(lines[-1]) + 1 + len(word)) * TITLE_CHAR <= width - 8:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def _top(title: str, width: int) -> float:
    """The y of the plot's top edge: below every line of the title."""
    return TOP + TITLE_ROW * (len(title_lines(title, width)) - 1)


def _frame(width: int, height: int, title: str) -> list[str]:
    # One <text> per line: QtSvg (SVG Tiny) does not place <tspan> lines.
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
            f'<rect width="{width}" height="{height}" fill="white"/>',
            *(f'<text x="{width / 2}" y="{18 + TITLE_ROW * i}" text-anchor="middle" font-size="13" '
              f'font-weight="bold" class="title">{escape(line)}</text>'
              for i, line in enumerate(title_lines(title, width)))]


def _y_axis(parts: list[str], width: int, top: float, base: float, y_max: float, y_label: str,
            percent: bool) -> None:
    plot_h = base - top
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h * (1 - i / 4)
        text = f"{value:.0%}" if percent else _fmt(value)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{text}</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" fill="#444" '
                 f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">{escape(y_label)}</text>')


def _group(name: str, marks: list[str]) -> list[str]:
    """One series' marks, named so that tests and readers find its values (``data-x``/``data-y``)."""
    return [f'<g class="series" data-name="{escape(name)}">', *marks, "</g>"]


def _legend_places(names: Sequence[str], width: int) -> list[tuple[float, int]]:
    """Where each legend entry goes: (x, row), wrapping onto another row when the chart is narrow."""
    places, x, row = [], float(LEFT), 0
    for name in names:
        size = 24 + 6.5 * len(name)
        if x + size > width and x > LEFT:
            x, row = float(LEFT), row + 1
        places.append((x, row))
        x += size
    return places


def _base(names: Sequence[str], width: int, height: int) -> float:
    """The y of the plot's bottom edge: above the x labels and every legend row."""
    rows = 1 + max((row for _, row in _legend_places(names, width)), default=0)
    return height - BOTTOM - LEGEND_ROW * (rows - 1)


def _legend(parts: list[str], names: Sequence[tuple[str, str]], width: int, height: int) -> None:
    places = _legend_places([n for n, _ in names], width)
    rows = 1 + max((row for _, row in places), default=0)
    for (name, colour), (x, row) in zip(names, places):
        y = height - 5 - LEGEND_ROW * (rows - 1 - row)
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y}">{escape(name)}</text>')


@dataclass(frozen=True)
class LineChart:
    """Lines over a numeric x axis; y from 0 to ``y_max`` (shown as percentages if ``percent``)."""

    title: str
    series: Sequence[Series]
    x_label: str = ""
    y_label: str = ""
    y_max: float = 1.0
    percent: bool = True
    width: int = 640
    height: int = 260
    x_range: tuple[float, float] = field(default=(0.0, 0.0))  # (0, 0): from the data

    def _x_bounds(self) -> tuple[float, float]:
        if self.x_range != (0.0, 0.0):
            return self.x_range
        xs = [x for s in self.series for x, _ in s.points] or [0.0, 1.0]
        low, high = min(xs), max(xs)
        return (low, high if high > low else low + 1)

    def _px(self, x: float) -> float:
        low, high = self._x_bounds()
        return LEFT + (self.width - LEFT - RIGHT) * (x - low) / (high - low)

    def _bottom(self) -> float:
        return _base([s.name for s in self.series], self.width, self.height)

    def _py(self, y: float) -> float:
        top = _top(self.title, self.width)
        plot_h = self._bottom() - top
        return top + plot_h * (1 - min(max(y / self.y_max, 0.0), 1.0))

    def x_at(self, pixel_x: float, shown_width: float) -> float:
        """The x value under a click at ``pixel_x`` on the chart drawn ``shown_width`` pixels wide."""
        low, high = self._x_bounds()
        x = pixel_x * self.width / shown_width
        share = (x - LEFT) / (self.width - LEFT - RIGHT)
        return low + min(max(share, 0.0), 1.0) * (high - low)

    def y_at(self, pixel_y: float, shown_height: float) -> float:
        """The y value at ``pixel_y`` on the chart drawn ``shown_height`` pixels high."""
        y = pixel_y * self.height / shown_height
        top = _top(self.title, self.width)
        share = 1 - (y - top) / (self._bottom() - top)
        return min(max(share, 0.0), 1.0) * self.y_max

    def svg(self) -> str:
        parts = _frame(self.width, self.height, self.title)
        base = self._bottom()
        _y_axis(parts, self.width, _top(self.title, self.width), base, self.y_max, self.y_label, self.percent)
        low, high = self._x_bounds()
        step = max(1, math.ceil((high - low) / 6))  # whole-number ticks: moves and versions count
        for x in range(math.ceil(low), math.floor(high) + 1, step):
            parts.append(f'<text x="{self._px(x):.1f}" y="{base + 14}" text-anchor="middle" fill="#444">{x}</text>')
        parts.append(f'<text x="{(LEFT + self.width - RIGHT) / 2}" y="{base + 28}" text-anchor="middle" '
                     f'fill="#444">{escape(self.x_label)}</text>')
        names = []
        for i, s in enumerate(self.series):
            colour = s.colour or PALETTE[i % len(PALETTE)]
            names.append((s.name, colour))
            coords = " ".join(f"{self._px(x):.1f},{self._py(y):.1f}" for x, y in s.points)
            line = f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            marks = [line] if len(s.points) > 1 and s.line else []
            radius = 2.5 if s.line else 4.5
            marks += [f'<circle cx="{self._px(x):.1f}" cy="{self._py(y):.1f}" r="{radius}" fill="{colour}" '
                      f'data-x="{_fmt(x)}" data-y="{_fmt(y)}"/>' for x, y in s.points]
            parts += _group(s.name, marks)
        _legend(parts, names, self.width, self.height)
        parts.append("</svg>")
        return "\n".join(parts)


@dataclass(frozen=True)
class BarChart:
    """Grouped bars: one group per category, one bar per series (values 0..``y_max``)."""

    title: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float | None]]]  # name, one value per category (None: no bar)
    y_label: str = ""
    y_max: float = 1.0
    percent: bool = True
    width: int = 640
    height: int = 260

    def svg(self) -> str:
        parts = _frame(self.width, self.height, self.title)
        base = _base([name for name, _ in self.series], self.width, self.height)
        top = _top(self.title, self.width)
        _y_axis(parts, self.width, top, base, self.y_max, self.y_label, self.percent)
        plot_w, plot_h = self.width - LEFT - RIGHT, base - top
        group = plot_w / max(len(self.categories), 1)
        bar = group * 0.8 / max(len(self.series), 1)
        for c, category in enumerate(self.categories):
            parts.append(f'<text x="{LEFT + group * (c + 0.5):.1f}" y="{base + 14}" text-anchor="middle" '
                         f'fill="#444">{escape(category)}</text>')
        names = []
        for i, (name, values) in enumerate(self.series):
            colour = PALETTE[i % len(PALETTE)]
            names.append((name, colour))
            marks = []
            for c, value in enumerate(values):
                if value is None:
                    continue
                h = plot_h * min(max(value / self.y_max, 0.0), 1.0)
                x = LEFT + group * c + group * 0.1 + bar * i
                marks.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                             f'fill="{colour}" data-x="{escape(self.categories[c])}" data-y="{_fmt(value)}"/>')
            parts += _group(name, marks)
        _legend(parts, names, self.width, self.height)
        parts.append("</svg>")
        return "\n".join(parts)
