"""webapp/charts.py: pure SVG charts and their text alternative."""
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from webapp.admin.charts import sparkline as flags_sparkline
from webapp.charts import CHAR_WIDTH, Series, chart_table, line_chart, nice_ticks, sparkline

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    # ElementTree needs the namespace to read the svg like a browser would.
    return ET.fromstring(str(markup).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def points(polyline: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in polyline.get("points").split()]


@pytest.mark.parametrize("high, expected", [
    (Decimal("0.0027"), ["0", "0.001", "0.002", "0.003"]),
    (1234, ["0", "500", "1000", "1500"]),
    (8, ["0", "2", "4", "6", "8"]),
    (Decimal("4.5"), ["0", "2", "4", "6"]),
    (0, ["0"]),
])
def test_ticks_are_round_exact_and_reach_the_top(high, expected):
    ticks = nice_ticks(high)
    assert [format(t.normalize(), "f") for t in ticks] == expected
    assert all(isinstance(t, Decimal) and "E" not in str(t) for t in ticks)


def test_sparkline_is_an_image_with_its_words_and_scales_low_to_high():
    svg = parse(sparkline([10, 30, 20], width=100, height=20, label='Views "7 days" <b>'))
    assert svg.get("role") == "img" and svg.get("aria-label") == 'Views "7 days" <b>'
    assert svg.find(f"{SVG}title").text == 'Views "7 days" <b>'
    (x0, y0), (x1, y1), (x2, y2) = points(svg.find(f"{SVG}polyline"))
    assert x0 < x1 < x2 and y1 < y2 < y0  # highest value is nearest the top (small y)
    assert (y0, y1) == (17.0, 3.0)  # lowest and highest touch the padding, not the edge
    assert sparkline([5], label="x") == "" and sparkline([], label="x") == ""


def test_line_chart_two_units_has_an_axis_each_and_formats_ticks():
    days = ["1 Des", "2 Des", "3 Des"]
    views = Series("Views", [0, 400, 1000], fmt=lambda v: f"{int(v)} v")
    money = Series("Earnings", [Decimal(0), Decimal("0.0100"), None], fmt=lambda v: f"Rp{v}")
    markup = line_chart([views, money], labels=days, label="Views and earnings, 28 days")
    svg = parse(markup)
    assert svg.get("viewBox") == "0 0 360 200" and svg.get("width") == "100%"
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text.startswith("Views and")
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "1000 v" in texts and "Rp0.010" in texts  # each axis in its own unit
    assert {"1 Des", "3 Des", "Views", "Earnings"} <= set(texts)
    lines = [g.find(f"{SVG}polyline") for g in svg.iter(f"{SVG}g") if "chart-line" in g.get("class")]
    first, second = points(lines[0]), points(lines[1])
    assert len(first) == 3 and len(second) == 2  # a missing value is skipped, not drawn as 0
    assert first[2][1] == second[1][1]  # both maxima reach their own axis' top tick
    assert "style=" not in str(markup)  # the CSP forbids inline styles


def test_same_scale_puts_both_lines_on_one_axis():
    owed = Series("Owed", [Decimal(10), Decimal(20)])
    paid = Series("Paid", [Decimal(0), Decimal(10)])
    svg = parse(line_chart([owed, paid], labels=["a", "b"], label="x", same_scale=True))
    lines = [points(p) for p in svg.iter(f"{SVG}polyline")]
    assert lines[0][0][1] == lines[1][1][1]  # 10 owed and 10 paid are drawn at one height
    assert [t.text for t in svg.iter(f"{SVG}text")].count("10") == 1


@pytest.mark.parametrize("width, two", [(320, True), (320, False), (360, True), (600, False)])
def test_line_chart_day_labels_never_touch_and_input_is_checked(width, two):
    labels = [f"{d} Nov" for d in range(1, 29)]
    series = [Series("Rp", [Decimal(d) / 1000 for d in range(28)], fmt=lambda v: f"Rp{v}")]
    series += [Series("V", list(range(0, 28_000, 1000)))] if two else []
    svg = parse(line_chart(series, labels=labels, label="x", width=width))
    days = [t for t in svg.iter(f"{SVG}text") if t.text.endswith("Nov")]
    assert days[0].text == "1 Nov" and days[-1].text == "28 Nov" and 3 <= len(days)
    spans = []
    for t in days:  # where each label lies, as the chart module estimates text widths
        x, w = float(t.get("x")), len(t.text) * CHAR_WIDTH
        left = {"start": x, "middle": x - w / 2, "end": x - w}[t.get("text-anchor")]
        spans.append((left, left + w))
    assert spans[0][0] >= 0 and spans[-1][1] <= width
    assert all(a[1] + 4 <= b[0] for a, b in zip(spans, spans[1:]))
    assert line_chart([Series("V", [])], labels=[], label="x") == ""
    with pytest.raises(ValueError):
        line_chart([Series("V", [1, 2])], labels=["a"], label="x")
    with pytest.raises(ValueError):
        line_chart([Series("a", [1]), Series("b", [1]), Series("c", [1])], labels=["a"], label="x")


def test_chart_table_is_the_same_numbers_in_words():
    html = str(chart_table([Series("Views", [3, None]), Series("Rp", [Decimal("0.5"), 1],
                                                               fmt=lambda v: f"Rp{v}")],
                           labels=["1 Des", "<2 Des>"], caption="Per day", x_heading="Day"))
    table = ET.fromstring(html)
    assert table.find("caption").text == "Per day"
    rows = [[c.text for c in row] for row in table.iter("tr")]
    assert rows == [["Day", "Views", "Rp"], ["1 Des", "3", "Rp0.5"], ["<2 Des>", "–", "Rp1"]]
    assert "&lt;2 Des&gt;" in html


def test_the_flags_page_keeps_its_time_placed_sparkline():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    chart = flags_sparkline([(start, 10, ""), (start + timedelta(hours=3), 40, "suspect"),
                             (start + timedelta(hours=4), 20, "")])
    assert (chart.low, chart.high) == (10, 40)
    xs = [float(p.split(",")[0]) for p in chart.points.split()]
    assert re.fullmatch(r"[\d., ]+", chart.points) and xs[1] - xs[0] == pytest.approx(3 * (xs[2] - xs[1]))
    assert chart.marks[0][2] == "suspect" and flags_sparkline([(start, 1, "")]) is None
