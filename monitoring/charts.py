"""Charts drawn on the server as HTML and CSS: no JavaScript, no CDN, and they print as they show.

HTML rather than a scaled SVG: an SVG shrunk into a half-width card or a phone shrinks its text with it
(9 px and less), and long labels were cut at its left edge. Here every label is page text at its own size,
wrapping where it must; the bars are widths and heights in percent. The styles are in
templates/monitoring/_styles.html. Every label is escaped; each figure carries its title for screen readers.
"""

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


def _figure(kind, title, body):
    return mark_safe(
        f'<figure class="chart {kind}" aria-label="{escape(title)}">'
        f'<figcaption class="visually-hidden">{escape(title)}</figcaption>{body}</figure>'
    )


def _empty(title, empty_text):
    return _figure("chart-empty", title, f'<p class="empty">{escape(empty_text)}</p>')


def _bar_percent(value, top):
    return max(value / top * 100, 0.5) if value else 0  # a small value still shows a sliver


def bar_chart(items, *, title, colour=COLOURS[0], empty_text=""):
    """Horizontal bars, one per (label, value); good for categories with long names (APIs, themes)."""
    items = [(str(label), value or 0) for label, value in items]
    if not any(value for _label, value in items):  # nothing to draw: say so, not an axis of zeros
        return _empty(title, empty_text)
    top = max(value for _label, value in items)
    rows = "".join(
        f'<div class="chart-row"><span class="chart-label">{escape(label)}</span>'
        f'<span class="chart-track"><span class="chart-bar" style="width:{_bar_percent(value, top):.1f}%;'
        f'background:{colour}"></span></span><span class="chart-value">{escape(_fmt(value))}</span></div>'
        for label, value in items
    )
    return _figure("chart-bars", title, rows)


def column_chart(items, *, title, colour=COLOURS[1], empty_text=""):
    """Vertical columns over a sequence (months), with a value axis of three grid lines."""
    items = [(str(label), value or 0) for label, value in items]
    if not any(value for _label, value in items):  # nothing to draw: say so, not an axis of zeros
        return _empty(title, empty_text)
    axis_max = _nice_max(max(value for _label, value in items))
    axis = "".join(f"<span>{escape(_fmt(axis_max * step / 2))}</span>" for step in (2, 1, 0))
    columns = "".join(
        f'<span class="chart-col" title="{escape(label)}: {escape(_fmt(value))}">'
        f'<span class="visually-hidden">{escape(label)}: {escape(_fmt(value))}</span>'
        f'<span class="chart-colbar" style="height:{value / axis_max * 100:.1f}%;background:{colour}"></span></span>'
        for label, value in items
    )
    labels = "".join(f"<span>{escape(label)}</span>" for label, _value in items)
    return _figure(
        "chart-columns", title,
        f'<div class="chart-axis" aria-hidden="true">{axis}</div><div class="chart-plot">{columns}</div>'
        f'<div class="chart-labels">{labels}</div>',
    )
