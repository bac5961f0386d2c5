"""A widget that draws one of the engine's SVG charts at its own size and reports clicks on it.

The chart is redrawn at the widget's pixel size (not stretched), so text stays crisp and a click
maps straight back to chart values.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QByteArray, QSize, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

from kibitz.engine.charts import BarChart, LineChart


class ChartView(QWidget):
    clicked = Signal(float, float)  # x and y values under a click on a line chart

    def __init__(self, parent: QWidget | None = None, *, minimum: QSize = QSize(320, 200)) -> None:
        super().__init__(parent)
        self.chart: LineChart | BarChart | None = None
        self._renderer: QSvgRenderer | None = None
        self._rendered_size = QSize()
        self.setMinimumSize(minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_chart(self, chart: LineChart | BarChart | None) -> None:
        self.chart = chart
        self._renderer = None
        self.update()

    def sized_chart(self) -> LineChart | BarChart | None:
        if self.chart is None:
            return None
        return dataclasses.replace(self.chart, width=max(self.width(), 1), height=max(self.height(), 1))

    def svg(self) -> str:
        chart = self.sized_chart()
        return chart.svg() if chart is not None else ""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        if self.chart is None:
            return
        if self._renderer is None or self._rendered_size != self.size():
            self._renderer = QSvgRenderer(QByteArray(self.svg().encode("utf-8")), self)
            self._rendered_size = self.size()
        painter = QPainter(self)
        self._renderer.render(painter)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        chart = self.sized_chart()
        if isinstance(chart, LineChart):
            pos = event.position()
            self.clicked.emit(chart.x_at(pos.x(), chart.width), chart.y_at(pos.y(), chart.height))
        super().mousePressEvent(event)
