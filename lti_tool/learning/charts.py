"""The geometry of the instructor's charts, as plain shapes: no data access, no wording.

Pages draw these shapes as SVG (``templates/_charts.html``), each with a ``<title>``, a
``<desc>`` and a data table holding the same numbers, so no JavaScript library is needed
and nothing is told by the picture alone. Coordinates are in the SVG's own units.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

WIDTH = 640
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


@dataclasses.dataclass(frozen=True)
class Tick:
    """A labelled position on an axis: ``at`` is x on the horizontal axis, y on the vertical."""

    at: float
    label: str


@dataclasses.dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    #: Drawn as a square, not a circle, and named in its label: not told by colour alone.
    marked: bool = False


@dataclasses.dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str = ""


@dataclasses.dataclass(frozen=True)
class Chart:
    width: int
    height: int
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    bars: tuple[Bar, ...] = ()
    points: tuple[Point, ...] = ()
    #: a polyline through ``points`` (cumulative charts), as "x,y x,y …"
    path: str = ""
    #: reference lines (thresholds), each with its label
    guides: tuple[Line, ...] = ()

    @property
    def left(self) -> int:
        return LEFT

    @property
    def bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def right(self) -> int:
        return self.width - RIGHT


@dataclasses.dataclass(frozen=True)
class Scale:
    """A fixed vertical axis: its ticks (the last is the top) and how each is labelled."""

    ticks: tuple[int, ...]
    label: Callable[[int], str]


def _count_ticks(top: int) -> tuple[tuple[int, ...], int]:
    """Whole-number ticks from 0 covering ``top``, at most about five, and the axis' top."""
    step = max(1, math.ceil(top / 4))
    ceiling = max(step, math.ceil(top / step) * step)
    return tuple(range(0, ceiling + 1, step)), ceiling


def _y(value: float, low: float, high: float) -> float:
    return round(TOP + PLOT_HEIGHT * (high - value) / (high - low), 1)


def _x(value: float, low: float, high: float) -> float:
    return round(LEFT + PLOT_WIDTH * (value - low) / (high - low), 1)


def _axis(top: int, scale: Scale | None) -> tuple[tuple[int, ...], int, Callable[[int], str]]:
    """The vertical axis' ticks, its top and how a tick is labelled: whole numbers from 0
    covering ``top``, or the fixed ``scale`` (percentages: 0 to 100 whatever the data)."""
    if scale is None:
        ticks, ceiling = _count_ticks(top)
        return ticks, ceiling, str
    return scale.ticks, scale.ticks[-1], scale.label


def histogram(counts: Sequence[int], labels: Sequence[str], scale: Scale | None = None) -> Chart:
    """One bar per bin (``counts[i]`` learners in the bin labelled ``labels[i]``)."""
    values, ceiling, label_of = _axis(max(counts, default=0), scale)
    slot = PLOT_WIDTH / max(len(counts), 1)
    bars = []
    for index, (count, label) in enumerate(zip(counts, labels, strict=True)):
        y = _y(count, 0, ceiling)
        bars.append(
            Bar(
                round(LEFT + index * slot + 2, 1),
                y,
                round(slot - 4, 1),
                round(TOP + PLOT_HEIGHT - y, 1),
                label,
                count,
            )
        )
    x_ticks = tuple(
        Tick(round(LEFT + (index + 0.5) * slot, 1), label) for index, label in enumerate(labels)
    )
    y_ticks = tuple(Tick(_y(v, 0, ceiling), label_of(v)) for v in values)
    return Chart(WIDTH, HEIGHT, x_ticks, y_ticks, bars=tuple(bars))


def cumulative(
    values: Sequence[int],
    labels: Sequence[str],
    point_labels: Sequence[str],
    scale: Scale | None = None,
) -> Chart:
    """A line through running totals ``values`` (one per period labelled ``labels``)."""
    _ticks, ceiling, label_of = _axis(max(values, default=0), scale)
    count = len(values)
    step = PLOT_WIDTH / max(count - 1, 1)
    points = tuple(
        Point(round(LEFT + index * step, 1), _y(value, 0, ceiling), label)
        for index, (value, label) in enumerate(zip(values, point_labels, strict=True))
    )
    # At most about eight labels under the axis, however many weeks.
    every = max(1, math.ceil(count / 8))
    x_ticks = tuple(
        Tick(round(LEFT + index * step, 1), label)
        for index, label in enumerate(labels)
        if index % every == 0 or index == count - 1
    )
    y_ticks = tuple(Tick(_y(v, 0, ceiling), label_of(v)) for v in _ticks)
    path = " ".join(f"{p.x},{p.y}" for p in points)
    return Chart(WIDTH, HEIGHT, x_ticks, y_ticks, points=points, path=path)


def scatter(
    points: Sequence[tuple[float, float, str, bool]],
    *,
    x_guide: tuple[float, str],
    y_guide: tuple[float, str],
    number: Callable[[float], str] = str,
) -> Chart:
    """Points (x from 0 to 1, y from -1 to 1, label, marked) with a vertical guide at
    ``x_guide`` and a horizontal one at ``y_guide`` (value, label); ``number`` writes the
    axis values in the page's language."""
    shapes = tuple(
        Point(_x(x, 0, 1), _y(y, -1, 1), label, marked) for x, y, label, marked in points
    )
    x_ticks = tuple(Tick(_x(v / 4, 0, 1), number(v / 4)) for v in range(5))
    y_ticks = tuple(Tick(_y(v / 2, -1, 1), number(v / 2)) for v in range(-2, 3))
    x_at, x_label = x_guide
    y_at, y_label = y_guide
    guides = (
        Line(_x(x_at, 0, 1), TOP, _x(x_at, 0, 1), TOP + PLOT_HEIGHT, x_label),
        Line(LEFT, _y(y_at, -1, 1), LEFT + PLOT_WIDTH, _y(y_at, -1, 1), y_label),
    )
    return Chart(WIDTH, HEIGHT, x_ticks, y_ticks, points=shapes, guides=guides)
