"""Small server-rendered SVG charts (no JavaScript, no CDN, no inline styles: the CSP allows none).

Pure functions: values in, Markup out. Words (labels, series names) and number formats (the app's
`rupiah`/`views` filters) come from the caller, so nothing here needs a request or a locale.
Every chart is `role="img"` with a `<title>` and an aria-label; `chart_table` renders the same
numbers as a table for people who would rather read (or cannot see) the picture.
"""
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from markupsafe import Markup, escape

from webapp.timeutil import aware

Number = int | Decimal
CHAR_WIDTH = 6.4  # an 11-unit sans-serif digit is about this wide; sizes the y-axis margin
FONT_SIZE = 11


@dataclass(frozen=True)
class Series:
    """One line: its name (legend and table heading), values in x order, their format."""
    name: str
    values: Sequence[Number | None]
    fmt: Callable[[Number], str] = str
    css: str = ""  # extra class on the line, e.g. "chart-paid"


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline>
    marks: list[tuple[float, float, str]]  # highlighted points: (x, y, css class)
    low: int
    high: int


def views_sparkline(series: list[tuple[datetime, int, str]], width: int = 320,
                    height: int = 80, pad: int = 6) -> Sparkline | None:
    """series: (when, views, css class or "") in time order. None with fewer than 2 points.

    Placed by real time (snapshots come at uneven intervals); the flags page draws it."""
    if len(series) < 2:
        return None
    times = [aware(at).timestamp() for at, _, _ in series]
    values = [views for _, views, _ in series]
    t0, t1 = min(times), max(times)
    low, high = min(values), max(values)
    span_t, span_v = (t1 - t0) or 1, (high - low) or 1

    def place(t: float, v: int) -> tuple[float, float]:
        x = pad + (t - t0) / span_t * (width - 2 * pad)
        y = height - pad - (v - low) / span_v * (height - 2 * pad)
        return round(x, 1), round(y, 1)

    placed = [place(t, v) for t, v in zip(times, values)]
    marks = [(x, y, css) for (x, y), (_, _, css) in zip(placed, series) if css]
    return Sparkline(width, height, " ".join(f"{x},{y}" for x, y in placed), marks, low, high)


def nice_ticks(high: Number, count: int = 4) -> list[Decimal]:
    """0 and round steps (1, 2, 5 x 10^k) up to at least `high`: axis labels a person can read.

    Decimal all the way, so Rp0,0005 steps stay exactly Rp0,0005."""
    high = Decimal(high)
    if high <= 0:
        return [Decimal(0)]
    rough = high / count
    exponent = rough.adjusted()  # 10^exponent <= rough < 10^(exponent+1)
    step = next(m.scaleb(exponent) for m in (Decimal(1), Decimal(2), Decimal(5), Decimal(10))
                if m.scaleb(exponent) >= rough)
    if exponent >= 0:
        step = Decimal(int(step))  # 500, not 5E+2 (str() of a tick must read like a number)
    ticks = [Decimal(0)]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def sparkline(values: Sequence[Number], *, width: int = 120, height: int = 32,
              label: str) -> Markup:
    """A tiny trend line beside a number (no axes); empty Markup with fewer than 2 values.

    Floats, not Decimals: it is a drawing at 0,1 unit, and a page draws 20 of them."""
    numbers = [v for v in values if v is not None]
    if len(numbers) < 2:
        return Markup("")
    pad = 3
    low = min(numbers)
    span = float(max(numbers) - low) or 1.0
    step = (width - 2 * pad) / (len(numbers) - 1)
    scale, base = (height - 2 * pad) / span, height - pad
    points = " ".join(f"{_r(pad + i * step)},{_r(base - float(v - low) * scale)}"
                      for i, v in enumerate(numbers))
    label = escape(label)
    return Markup(
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{label}" focusable="false"><title>{label}'
        '</title><polyline class="chart-line" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linejoin="round" stroke-linecap="round" '
        f'points="{points}"/></svg>')


def line_chart(series: Sequence[Series], *, labels: Sequence[str], label: str,
               width: int = 360, height: int = 200, same_scale: bool = False,
               ticks: int = 4) -> Markup:
    """One or two lines over time (x = `labels`, evenly spaced: days, weeks).

    The first series reads against the left axis; a second one against the right axis in its
    own unit (views vs rupiah), or the left one too with same_scale=True (owed vs paid).
    Sized by viewBox and drawn at width 100%, so it shrinks to a 360 px phone with text still
    about 11 px high. Empty Markup when there is nothing to draw."""
    if not 1 <= len(series) <= 2:
        raise ValueError("line_chart draws one or two series")
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    if not labels:
        return Markup("")
    scales = _scales(series, same_scale, ticks)
    left_w = _text_width([series[0].fmt(t) for t in scales[0]]) + 8
    right_w = (_text_width([series[1].fmt(t) for t in scales[1]]) + 8
               if len(series) == 2 and not same_scale else 10)
    top, bottom = 22, 22  # room for the legend above and the day labels below
    plot_w, plot_h = width - left_w - right_w, height - top - bottom
    n = len(labels)

    def x_at(i: int) -> float:
        return left_w + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(value: Number, scale: list[Decimal]) -> float:
        return top + plot_h - float(Decimal(value) / scale[-1]) * plot_h if scale[-1] else top + plot_h

    two_axes = len(series) == 2 and not same_scale
    # With two axes each one wears its series' class (its colour), so which is which shows.
    parts = [_grid(scales[0], series[0].fmt, left_w, width - right_w, y_at, anchor="end",
                   x_text=left_w - 4, css=series[0].css if two_axes else "")]
    if two_axes:
        parts.append(_axis_labels(scales[1], series[1].fmt, y_at, x_text=width - right_w + 4,
                                  css=series[1].css))
    for number, s in enumerate(series):
        scale = scales[min(number, len(scales) - 1)]
        parts.append(_line(s, number, scale, x_at, y_at))
    parts.append(_x_labels(labels, x_at, height - 6, plot_w))
    parts.append(_legend(series, left_w))
    return Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}" '
        'focusable="false" font-size="{fs}"><title>{label}</title>{body}</svg>'
    ).format(w=width, h=height, fs=FONT_SIZE, label=label, body=Markup("").join(parts))


def chart_table(series: Sequence[Series], *, labels: Sequence[str], caption: str,
                x_heading: str) -> Markup:
    """The chart's numbers as a table, formatted like its axes (the text alternative)."""
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(s.name) for s in series)
    rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th>{}</tr>').format(
            day, Markup("").join(Markup("<td>{}</td>").format("–" if s.values[i] is None
                                                             else s.fmt(s.values[i]))
                                 for s in series))
        for i, day in enumerate(labels))
    return Markup('<table class="chart-table"><caption>{caption}</caption><thead><tr>'
                  '<th scope="col">{x}</th>{head}</tr></thead><tbody>{rows}</tbody></table>'
                  ).format(caption=caption, x=x_heading, head=head, rows=rows)


def _scales(series: Sequence[Series], same_scale: bool, count: int) -> list[list[Decimal]]:
    highs = [max((Decimal(v) for v in s.values if v is not None), default=Decimal(0))
             for s in series]
    if same_scale or len(series) == 1:
        return [nice_ticks(max(highs), count)]
    return [nice_ticks(high, count) for high in highs]


def _grid(scale, fmt, x0, x1, y_at, *, anchor, x_text, css) -> Markup:
    lines = Markup("").join(
        Markup('<line class="chart-grid" x1="{x0}" x2="{x1}" y1="{y}" y2="{y}" '
               'stroke="currentColor" stroke-opacity="0.15"/>').format(x0=x0, x1=x1,
                                                                       y=_r(y_at(t, scale)))
        for t in scale)
    return lines + _axis_labels(scale, fmt, y_at, x_text=x_text, anchor=anchor, css=css)


def _axis_labels(scale, fmt, y_at, *, x_text, anchor="start", css="") -> Markup:
    texts = Markup("").join(
        Markup('<text x="{x}" y="{y}" text-anchor="{a}" dominant-baseline="middle" '
               'fill="currentColor">{t}</text>').format(x=_r(x_text), y=_r(y_at(t, scale)),
                                                      a=anchor, t=fmt(t))
        for t in scale)
    return Markup('<g class="{}">{}</g>').format(f"chart-axis {css}".strip(), texts)


def _line(s: Series, number: int, scale, x_at, y_at) -> Markup:
    css = f"chart-line chart-series-{number + 1} {s.css}".strip()
    dash = ' stroke-dasharray="6 4"' if number else ""  # second line differs by more than colour
    placed = [(x_at(i), y_at(v, scale)) for i, v in enumerate(s.values) if v is not None]
    if not placed:
        return Markup("")
    points = " ".join(f"{_r(x)},{_r(y)}" for x, y in placed)
    dots = Markup("").join(Markup('<circle cx="{}" cy="{}" r="2.5" fill="currentColor"/>')
                           .format(_r(x), _r(y)) for x, y in placed) if len(placed) <= 31 else ""
    return Markup('<g class="{css}"><polyline fill="none" stroke="currentColor" stroke-width="2" '
                  'stroke-linejoin="round"{dash} points="{points}"/>{dots}</g>'
                  ).format(css=css, dash=Markup(dash), points=points, dots=dots)


def _x_labels(labels: Sequence[str], x_at, y: float, plot_w: float) -> Markup:
    """First, last and evenly spaced ones between, as many as fit without touching.

    The first label starts at its point and the last ends at its point (so neither leaves the
    chart); the others are centred, so neighbours need 1.5 label widths of room. The step is
    the smallest one giving that room which also lands on the last label (even gaps). A label
    the same as the one shown before it is left out."""
    n = len(labels)
    if n < 2:
        shown = list(range(n))
    else:
        room = 1.5 * _text_width(labels) + 6
        needed = math.ceil(room / (plot_w / (n - 1)))
        step = next((d for d in range(max(needed, 1), n) if (n - 1) % d == 0), n - 1)
        shown = list(range(0, n, step))
    # Two checks in the same minute share a label: say it once ("20.40", not "20.40 20.40").
    shown = [i for k, i in enumerate(shown) if k == 0 or labels[i] != labels[shown[k - 1]]]
    return Markup("").join(
        Markup('<text x="{x}" y="{y}" text-anchor="{a}" fill="currentColor">{t}</text>').format(
            x=_r(x_at(i)), y=y, t=labels[i],
            a="start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle")
        for i in shown)


def _legend(series: Sequence[Series], x: float) -> Markup:
    if len(series) < 2:
        return Markup('<text x="{}" y="12" fill="currentColor">{}</text>').format(x, series[0].name)
    out, at = [], x
    for number, s in enumerate(series):
        css = f"chart-series-{number + 1} {s.css}".strip()
        dash = ' stroke-dasharray="6 4"' if number else ""
        out.append(Markup('<g class="{css}"><line x1="{x0}" x2="{x1}" y1="8" y2="8" '
                          'stroke="currentColor" stroke-width="2"{dash}/>'
                          '<text x="{tx}" y="12" fill="currentColor">{name}</text></g>').format(
            css=css, x0=_r(at), x1=_r(at + 16), dash=Markup(dash), tx=_r(at + 20), name=s.name))
        at += 20 + _text_width([s.name]) + 12
    return Markup("").join(out)


def _text_width(texts: Sequence[str]) -> float:
    return max((len(t) for t in texts), default=0) * CHAR_WIDTH


def _r(value: float) -> float:
    return round(value, 1)
