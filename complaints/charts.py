"""Server-side SVG bar charts for the dashboard: no JavaScript, no CDN, nothing to download.

`svg_bars` is a pure function of (rows, options) -> safe SVG markup; every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

ROW_HEIGHT = 24
LABEL_WIDTH = 190
BAR_WIDTH = 320
VALUE_WIDTH = 60


def svg_bars(
    rows: Sequence[tuple[str, int | float]],
    *,
    title: str,
    color: str = "#417690",
    unit: str = "",
) -> SafeString:
    """A horizontal bar per (label, value); bar lengths are proportional to the largest value."""
    height = max(len(rows), 1) * ROW_HEIGHT + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    top = max((value for _label, value in rows), default=0)
    parts = []
    for index, (label, value) in enumerate(rows):
        y = 4 + index * ROW_HEIGHT
        length = round(BAR_WIDTH * value / top) if top else 0
        parts.append(
            format_html(
                '<g class="bar" data-label="{label}" data-value="{value}">'
                '<text x="{lx}" y="{ty}" text-anchor="end">{short}</text>'
                '<rect x="{bx}" y="{y}" width="{w}" height="{h}" fill="{color}" rx="2"></rect>'
                '<text x="{vx}" y="{ty}">{value}{unit}</text></g>',
                label=label,
                value=value,
                short=label if len(label) <= 28 else label[:27] + "…",
                lx=LABEL_WIDTH - 8,
                ty=y + 15,
                bx=LABEL_WIDTH,
                y=y + 3,
                w=length,
                h=ROW_HEIGHT - 6,
                color=color,
                vx=LABEL_WIDTH + length + 6,
                unit=unit,
            )
        )
    if not rows:
        parts.append(format_html('<text x="8" y="20" class="empty">{}</text>', "—"))
    return mark_safe(  # noqa: S308 - every part above is built by format_html (escaped)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="redress-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="sans-serif" font-size="12"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )
