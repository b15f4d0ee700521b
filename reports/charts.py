"""Charts drawn once with matplotlib as SVG, shown identically on pages and in PDFs.

Every chart carries a title, alt text and its numbers as a table
(``templates/includes/chart.html`` renders all three), so nobody needs to read
a picture to get the figures. Callers pass figures that have already been
through suppression: a suppressed value is ``None`` and is drawn as a gap or a
hatched cell, never as a number.

matplotlib's object API (``Figure``, no pyplot) keeps this safe in threads.
Text stays text in the SVG (``svg.fonttype: none``) so PDFs keep it searchable
and screen readers and pdftotext see the same labels as the eye.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle, Wedge

STATUS_COLOURS = {
    "met": "#1a7f37",
    "watch": "#9a6700",
    "off": "#cf222e",
    "unknown": "#6e7781",
}
STATUS_LABELS = {
    "met": "on target",
    "watch": "watch",
    "off": "off target",
    "unknown": "no data yet",
}
# Colour-blind safe (Okabe–Ito), in the order series are drawn.
SERIES_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"]
SUPPRESSED = "suppressed"
_ID = re.compile(r'(\sid=")([^"]+)"')
_REFERENCE = re.compile(r'((?:href="|url\()#)([^")]+)')
_FIXED_SIZE = re.compile(r'(<svg[^>]*?) width="[^"]+" height="[^"]+"')

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "practice-flywheel",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Chart:
    """One drawn chart: ``svg`` markup plus the same numbers as a table."""

    title: str
    alt: str
    svg: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    slug: str = ""


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        return Figure(figsize=(width, height), layout="constrained")


def _svg(fig: Figure, title: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    markup = buffer.getvalue()
    markup = markup[markup.index("<svg") :]
    # Fixed sizes in pt would overflow a 360 px phone: scale with the container.
    markup = _FIXED_SIZE.sub(r"\1", markup, count=1)
    # matplotlib numbers its ids from 1 in every figure, so several charts on one
    # page would share "figure_1", "axes_1" and clip paths: prefix them per chart.
    prefix = f"{_slug(title)}-"
    markup = _ID.sub(lambda m: f'{m.group(1)}{prefix}{m.group(2)}"', markup)
    markup = _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", markup)
    return markup.replace("<svg ", '<svg class="chart-svg" aria-hidden="true" ', 1)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]


def format_value(value: float | None, digits: int = 0, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return SUPPRESSED
    return f"{value:,.{digits}f}{unit}"


def line_chart(
    *,
    title: str,
    alt: str,
    x_labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    y_label: str = "",
    target: float | None = None,
    target_label: str = "target",
    digits: int = 0,
    unit: str = "",
) -> Chart:
    """Trends, one line per series; ``None`` is a gap (suppressed or no data)."""
    with matplotlib.rc_context(_RC):
        fig = _figure(7.0, 2.8)
        ax = fig.add_subplot()
        positions = list(range(len(x_labels)))
        for index, (name, values) in enumerate(series.items()):
            ys = [math.nan if v is None else v for v in values]
            ax.plot(
                positions,
                ys,
                marker="o",
                markersize=3,
                linewidth=1.6,
                color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                label=name,
            )
        if target is not None:
            ax.axhline(target, color="#444", linestyle="--", linewidth=1)
            ax.annotate(
                f"{target_label} {format_value(target, digits, unit)}",
                (positions[-1] if positions else 0, target),
                textcoords="offset points",
                xytext=(0, 4),
                ha="right",
                fontsize=8,
                color="#444",
            )
        step = max(1, math.ceil(len(x_labels) / 12))
        ax.set_xticks(positions[::step], [x_labels[i] for i in positions[::step]])
        ax.set_ylabel(y_label)
        if len(series) > 1:
            ax.legend(fontsize=8, frameon=False, loc="best")
        svg = _svg(fig, title)
    headers = ["Period", *series.keys()]
    rows = [
        [label, *(format_value(values[i], digits, unit) for values in series.values())]
        for i, label in enumerate(x_labels)
    ]
    return Chart(title, alt, svg, headers, rows, _slug(title))


def bar_chart(
    *,
    title: str,
    alt: str,
    categories: Sequence[str],
    values: Sequence[float | None],
    value_label: str = "",
    target: float | None = None,
    statuses: Sequence[str] | None = None,
    digits: int = 0,
    unit: str = "",
    extra_columns: dict[str, Sequence[str]] | None = None,
    category_label: str = "Group",
) -> Chart:
    """Horizontal bars (long team names fit); ``None`` is labelled suppressed."""
    with matplotlib.rc_context(_RC):
        fig = _figure(7.0, max(1.6, 0.32 * len(categories) + 0.9))
        ax = fig.add_subplot()
        positions = list(range(len(categories)))[::-1]
        drawn = [0 if v is None else v for v in values]
        colours = [
            STATUS_COLOURS.get(statuses[i], SERIES_COLOURS[0])
            if statuses
            else SERIES_COLOURS[0]
            for i in range(len(categories))
        ]
        ax.barh(positions, drawn, color=colours, height=0.6)
        for position, value in zip(positions, values, strict=True):
            ax.annotate(
                format_value(value, digits, unit),
                (0 if value is None else value, position),
                textcoords="offset points",
                xytext=(3, 0),
                va="center",
                fontsize=8,
                color="#222",
            )
        if target is not None:
            ax.axvline(target, color="#444", linestyle="--", linewidth=1)
        ax.set_yticks(positions, list(categories))
        ax.set_xlabel(value_label)
        svg = _svg(fig, title)
    extra_columns = extra_columns or {}
    headers = [category_label, value_label or "Value", *extra_columns]
    rows = [
        [
            category,
            format_value(values[i], digits, unit),
            *(column[i] for column in extra_columns.values()),
        ]
        for i, category in enumerate(categories)
    ]
    return Chart(title, alt, svg, headers, rows, _slug(title))


def heatmap(
    *,
    title: str,
    alt: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    statuses: Sequence[Sequence[str]],
    digits: int = 0,
    row_label: str = "Team",
) -> Chart:
    """Teams × measures, each cell coloured by its status against the target.

    Colour follows status, not the raw number, because the measures have
    different scales and directions (high burnout is bad, high engagement
    good). The number is printed in every cell; suppressed cells are hatched.
    """
    with matplotlib.rc_context(_RC):
        fig = _figure(7.0, max(1.6, 0.34 * len(row_labels) + 1.1))
        ax = fig.add_subplot()
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                status = statuses[r][c]
                suppressed = value is None
                ax.add_patch(
                    Rectangle(
                        (c, r),
                        1,
                        1,
                        facecolor="#ffffff" if suppressed else STATUS_COLOURS[status],
                        edgecolor="#ffffff" if not suppressed else "#8c959f",
                        hatch="///" if suppressed else None,
                        linewidth=1,
                    )
                )
                ax.text(
                    c + 0.5,
                    r + 0.5,
                    "–" if suppressed else format_value(value, digits),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#57606a" if suppressed else "#ffffff",
                    fontweight="bold",
                )
        ax.set_xlim(0, len(column_labels))
        ax.set_ylim(len(row_labels), 0)
        ax.set_xticks([c + 0.5 for c in range(len(column_labels))], column_labels)
        ax.xaxis.tick_top()
        ax.set_yticks([r + 0.5 for r in range(len(row_labels))], list(row_labels))
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        svg = _svg(fig, title)
    headers = [row_label, *column_labels]
    rows = [
        [
            label,
            *(
                format_value(value, digits)
                + ("" if value is None else f" ({STATUS_LABELS[statuses[r][c]]})")
                for c, value in enumerate(values[r])
            ),
        ]
        for r, label in enumerate(row_labels)
    ]
    return Chart(title, alt, svg, headers, rows, _slug(title))


def flywheel_cycle(
    *, title: str, alt: str, stages: Sequence[tuple[str, str, str]]
) -> Chart:
    """The flywheel as a ring of stages, each coloured by status.

    ``stages``: (name, status, headline figure) in cycle order, clockwise
    from the top.
    """
    with matplotlib.rc_context(_RC):
        fig = _figure(6.4, 4.6)
        ax = fig.add_subplot()
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_xlim(-2.3, 2.3)
        ax.set_ylim(-1.4, 1.4)
        count = max(1, len(stages))
        span = 360 / count
        for index, (name, status, figure) in enumerate(stages):
            start = 90 - index * span
            ax.add_patch(
                Wedge(
                    (0, 0),
                    1.0,
                    start - span + 2,
                    start - 2,
                    width=0.36,
                    facecolor=STATUS_COLOURS[status],
                    edgecolor="white",
                )
            )
            middle = math.radians(start - span / 2)
            x, y = 0.82 * math.cos(middle), 0.82 * math.sin(middle)
            ax.text(
                x * 1.0,
                y * 1.0,
                f"{index + 1}",
                ha="center",
                va="center",
                fontsize=11,
                fontweight="bold",
                color="white",
            )
            # Labels sit outside the ring and grow away from it, so long stage
            # names never run into the ring or off the picture.
            cos = math.cos(middle)
            side = "center" if abs(cos) < 0.3 else ("left" if cos > 0 else "right")
            ax.text(
                1.08 * cos,
                1.15 * math.sin(middle),
                f"{name}\n{figure}\n({STATUS_LABELS[status]})",
                ha=side,
                va="center",
                fontsize=8,
                color="#1f2328",
            )
            end = math.radians(start - span + 4)
            ax.add_patch(
                FancyArrowPatch(
                    (0.5 * math.cos(middle), 0.5 * math.sin(middle)),
                    (0.5 * math.cos(end), 0.5 * math.sin(end)),
                    connectionstyle="arc3,rad=-0.3",
                    arrowstyle="-|>",
                    mutation_scale=10,
                    color="#57606a",
                )
            )
        ax.text(0, 0, "Practice\nflywheel", ha="center", va="center", fontsize=10)
        svg = _svg(fig, title)
    headers = ["Stage", "Figure", "Status"]
    rows = [
        [f"{index + 1}. {name}", figure, STATUS_LABELS[status]]
        for index, (name, status, figure) in enumerate(stages)
    ]
    return Chart(title, alt, svg, headers, rows, _slug(title))
