"""Small server-rendered SVG charts (no JavaScript, no CDN): points scaled into a view box."""
from dataclasses import dataclass
from datetime import datetime

from webapp.timeutil import aware


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline>
    marks: list[tuple[float, float, str]]  # highlighted points: (x, y, css class)
    low: int
    high: int


def sparkline(series: list[tuple[datetime, int, str]], width: int = 320,
              height: int = 80, pad: int = 6) -> Sparkline | None:
    """series: (when, views, css class or "") in time order. None with fewer than 2 points."""
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
