"""The standards chart, drawn on the server as inline SVG: no JavaScript, the same on screen and
in the PDF. Every text carries its font (WeasyPrint draws SVG text in a serif font otherwise),
and every text is escaped here, since the result is marked safe for the template."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..scoring import number_text

FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
# NHS.UK palette; each at least 3:1 against white (WCAG non-text contrast).
SERIES_COLOURS = ("#4c6272", "#ae2573", "#005eb8")
TEXT = "#212b32"
GRID = "#d8dde0"

WIDTH = 680
LABEL_WIDTH = 230
RIGHT_MARGIN = 50
BAR = 10
BAR_GAP = 3
GROUP_GAP = 14
TOP = 46
LABEL_CHARS = 36


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Fraction | None, ...]  # one per row, 0-100


@dataclass(frozen=True)
class Row:
    label: str
    title: str  # the full label, for the tooltip and the text alternative


def _text(x, y, content, *, size=11, anchor="start", weight="normal", fill=TEXT):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'font-weight="{weight}" text-anchor="{anchor}" fill="{fill}">{escape(content)}</text>'
    )


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(
    rows: list[Row],
    series: list[Series],
    *,
    title: str,
    description: str,
    threshold: Fraction | None = None,
    threshold_label: str = "Met",
    marker: Series | None = None,
    chart_id: str = "standards-chart",
) -> SafeString:
    """Horizontal grouped bars, 0-100%, one group per row and one bar per series.

    ``threshold`` draws a dashed line (the "met" level); ``marker`` draws a tick per row (for
    example the previous period's agreed score).
    """
    plot = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    group = len(series) * (BAR + BAR_GAP) - BAR_GAP
    height = TOP + len(rows) * (group + GROUP_GAP) + 24

    def x_of(percent):
        return LABEL_WIDTH + float(percent) / 100 * plot

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    # Legend
    x = LABEL_WIDTH
    for colour, item in zip(SERIES_COLOURS, series, strict=False):
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, 18, item.name))
        x += 24 + 7 * len(item.name)
    if marker is not None:
        parts.append(f'<rect x="{x + 4}" y="6" width="3" height="16" fill="{TEXT}"/>')
        parts.append(_text(x + 12, 18, marker.name))
    # Grid and axis
    bottom = height - 20
    for tick in (0, 25, 50, 75, 100):
        gx = x_of(tick)
        parts.append(
            f'<line x1="{gx:.1f}" y1="{TOP - 8}" x2="{gx:.1f}" y2="{bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(gx, bottom + 14, f"{tick}%", size=10, anchor="middle"))
    if threshold is not None:
        tx = x_of(threshold)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{TOP - 12}" x2="{tx:.1f}" y2="{bottom}" stroke="{TEXT}" '
            f'stroke-width="1" stroke-dasharray="4 3"/>'
        )
        parts.append(_text(tx + 3, TOP - 12, threshold_label, size=10))
    # Bars
    y = TOP
    for index, row in enumerate(rows):
        parts.append(f"<g><title>{escape(row.title)}</title>")
        parts.append(_text(LABEL_WIDTH - 8, y + group / 2 + 4, _short(row.label), anchor="end"))
        for colour, item in zip(SERIES_COLOURS, series, strict=False):
            value = item.values[index]
            if value is None:
                parts.append(_text(LABEL_WIDTH + 4, y + BAR - 1, "Not applicable", size=9))
            else:
                width = max(x_of(value) - LABEL_WIDTH, 0)
                parts.append(
                    f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" '
                    f'fill="{colour}"/>'
                )
                parts.append(
                    _text(LABEL_WIDTH + width + 4, y + BAR - 1, f"{number_text(value, 0)}%", size=9)
                )
            y += BAR + BAR_GAP
        if marker is not None and marker.values[index] is not None:
            mx = x_of(marker.values[index])
            parts.append(
                f'<rect x="{mx - 1.5:.1f}" y="{y - group - BAR_GAP - 3}" width="3" '
                f'height="{group + 6}" fill="{TEXT}"/>'
            )
        parts.append("</g>")
        y += GROUP_GAP - BAR_GAP
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  every text above is escaped
