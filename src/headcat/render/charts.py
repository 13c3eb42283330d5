"""Chart geometry for the statistics page (render stage): numbers in, positions and sizes out.

The SVG itself is written by templates (templates/site/charts/); this module only does the arithmetic, so the
charts are plain SVG generated at build time, readable without JavaScript, and coloured by the stylesheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHART_WIDTH = 640
BAR_ROW_HEIGHT = 24
BAR_LABEL_WIDTH = 270
BAR_COUNT_SPACE = 40


@dataclass(frozen=True)
class Tick:
    value: int
    position: float


@dataclass(frozen=True)
class Segment:
    series: str
    """The slug of the series (a stage) this segment counts, used as its CSS class."""
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    label: str
    x: float
    width: float
    total: int
    segments: tuple[Segment, ...]

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class StackedBarChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    y: float
    length: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    row_height: int
    bars: tuple[Bar, ...]


def stacked_bar_chart(columns: Sequence[tuple[object, Sequence[int]]], series: Sequence[str],
                      height: int = 320) -> StackedBarChart:
    """One column per label (e.g. a year), stacked by series (e.g. stages), on a shared scale with round ticks."""
    width = CHART_WIDTH
    left, right, top, bottom = 44, width - 8, 24, height - 32
    maximum = max((sum(counts) for _, counts in columns), default=0)
    step = _tick_step(maximum)
    top_value = max(step, -(-maximum // step) * step)
    scale = (bottom - top) / top_value
    band = (right - left) / max(len(columns), 1)
    bar_width = min(band * 0.62, 72)
    laid_out = []
    for index, (label, counts) in enumerate(columns):
        segments = []
        base = float(bottom)
        for name, count in zip(series, counts, strict=True):
            if count:
                segment_height = count * scale
                base -= segment_height
                segments.append(Segment(name, count, round(base, 2), round(segment_height, 2)))
        x = left + index * band + (band - bar_width) / 2
        laid_out.append(Column(str(label), round(x, 2), round(bar_width, 2), sum(counts), tuple(segments)))
    ticks = tuple(Tick(value, round(bottom - value * scale, 2)) for value in range(0, top_value + 1, step))
    return StackedBarChart(width, height, left, right, top, bottom, tuple(laid_out), ticks)


def bar_chart(items: Sequence[tuple[str, int]]) -> BarChart:
    """Horizontal bars, one row per item, in the order given; the longest bar fills the row."""
    maximum = max((count for _, count in items), default=1) or 1
    room = CHART_WIDTH - BAR_LABEL_WIDTH - BAR_COUNT_SPACE
    bars = tuple(Bar(label, count, index * BAR_ROW_HEIGHT, round(count / maximum * room, 2))
                 for index, (label, count) in enumerate(items))
    return BarChart(CHART_WIDTH, max(len(items), 1) * BAR_ROW_HEIGHT, BAR_LABEL_WIDTH, BAR_ROW_HEIGHT, bars)


def _tick_step(maximum: int) -> int:
    """A round step (1, 2, 5, 10, 20, ...) giving at most five ticks above zero."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if maximum <= 5 * step * factor:
                return step * factor
        step *= 10
