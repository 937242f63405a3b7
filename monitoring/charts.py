"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, and they print as they show.

Every label is escaped; the SVG carries a <title> and an aria-label so a screen reader announces it.
"""

import math

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

COLOURS = ("#1f7a8c", "#12355b", "#e0a100", "#b42318", "#1e7b45", "#6b5ca5")


def _fmt(value):
    if value is None:
        return "–"
    decimals = 0 if float(value) == int(value) else 1
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _nice_max(value):
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _svg(width, height, title, body):
    title = escape(title)
    return mark_safe(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{title}" preserveAspectRatio="xMinYMin meet" '
        f'style="max-width:{width}px;font-family:system-ui,sans-serif;font-size:12px">'
        f"<title>{title}</title>{body}</svg>"
    )


def bar_chart(items, *, title, label_width=210, width=640, colour=COLOURS[0], empty_text=""):
    """Horizontal bars, one per (label, value); good for categories with long names (APIs, themes)."""
    items = [(str(label), value or 0) for label, value in items]
    if not any(value for _label, value in items):  # nothing to draw: say so, not an axis of zeros
        return _svg(width, 30, title, f'<text x="0" y="20" fill="#5f6c7b">{escape(empty_text)}</text>')
    row = 24
    height = row * len(items) + 8
    top = max(value for _label, value in items)
    scale = (width - label_width - 70) / (top or 1)
    parts = []
    for index, (label, value) in enumerate(items):
        y = index * row + 4
        bar = max(value * scale, 1 if value else 0)
        short = escape(Truncator(label).chars(32))
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" fill="#1c2733">'
            f"<title>{escape(label)}</title>{short}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" rx="2" fill="{colour}"/>'
            f'<text x="{label_width + bar + 6:.1f}" y="{y + 15}" fill="#1c2733">{escape(_fmt(value))}</text>'
        )
    return _svg(width, height, title, "".join(parts))


def column_chart(items, *, title, width=640, height=220, colour=COLOURS[1], empty_text=""):
    """Vertical columns over a sequence (months), with a value axis of three grid lines."""
    items = [(str(label), value or 0) for label, value in items]
    if not any(value for _label, value in items):  # nothing to draw: say so, not an axis of zeros
        return _svg(width, 30, title, f'<text x="0" y="20" fill="#5f6c7b">{escape(empty_text)}</text>')
    left, bottom, top_pad = 64, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    axis_max = _nice_max(max(value for _label, value in items))
    slot = plot_w / len(items)
    every = max(1, math.ceil(max(len(label) for label, _value in items) * 7 / slot))  # labels never overlap
    parts = []
    for step in range(3):
        value = axis_max * step / 2
        y = top_pad + plot_h - plot_h * step / 2
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde3ea"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5f6c7b">{escape(_fmt(value))}</text>'
        )
    for index, (label, value) in enumerate(items):
        bar_h = plot_h * value / axis_max
        x = left + index * slot + slot * 0.15
        y = top_pad + plot_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(_fmt(value))}</title></rect>"
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - 10}" text-anchor="middle" fill="#1c2733">'
                f"{escape(label)}</text>"
            )
    return _svg(width, height, title, "".join(parts))
