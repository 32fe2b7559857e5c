"""Server-rendered SVG charts: every label readable, inside the picture, none on another."""
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from survey_app.charts import drivers_chart, index_bars, text_width, trend_band

SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Driver:
    code: str
    name: str
    importance: float
    se: float
    ci_low: float
    ci_high: float
    performance: float


def parse(markup):
    root = ET.fromstring(str(markup))
    width = float(root.get("viewBox").split()[2])
    height = float(root.get("viewBox").split()[3])
    return root, width, height


def texts(root, cls):
    return [t for t in root.iter(f"{SVG}text") if cls in (t.get("class") or "").split()]


def spans(element):
    """(x, y, text) of a text element's lines (tspans, or the element itself)."""
    lines = list(element.iter(f"{SVG}tspan")) or [element]
    return [(float(line.get("x", element.get("x"))), float(line.get("y", element.get("y"))),
             "".join(line.itertext())) for line in lines]


@pytest.fixture
def request_context(app):
    with app.test_request_context("/?lang=vi"):
        yield


@pytest.mark.parametrize("months", [6, 12, 15, 36])
def test_trend_labels_fit_and_do_not_overlap(request_context, months):
    keys = [f"{2024 + (m // 12)}-{m % 12 + 1:02d}" for m in range(months)]
    points = [(key, 80 + i % 5, 75 + i % 5, 85 + i % 5) for i, key in enumerate(keys)]
    future = [("2027-01", 84, 80, 88), ("2027-02", 84, 79, 89), ("2027-03", 84, 78, 90)]
    root, width, _ = parse(trend_band(points, "Diễn biến", future))
    labels = texts(root, "tick-x")
    assert labels, "no x labels"
    boxes = []
    for label in labels:
        x, _, text = spans(label)[0]
        assert "/" in text and len(text) == 5  # "11/26": month/year, never "27-0"
        half = text_width(text, float(label.get("font-size"))) / 2
        assert x - half >= 0 and x + half <= width, text
        boxes.append((x - half, x + half))
    for (_, right), (left, _) in zip(boxes, boxes[1:], strict=False):
        assert left > right + 2
    assert "01/27" in {spans(t)[0][2] for t in labels} or months > 12  # forecasts labelled too
    y_labels = [spans(t)[0][2] for t in texts(root, "tick-y")]
    assert y_labels and all(v.isdigit() for v in y_labels)


def test_quarter_labels(request_context):
    points = [(f"2025-Q{q}", 80, 75, 85) for q in range(1, 5)]
    root, _, _ = parse(trend_band(points, "Theo quý"))
    assert [spans(t)[0][2] for t in texts(root, "tick-x")] == ["Q1/25", "Q2/25", "Q3/25", "Q4/25"]


def test_drivers_chart_has_ticks_and_separate_names(request_context):
    drivers = [
        Driver("7", "Công chức trực tiếp giải quyết công việc", 9.8, 4, 2.1, 17.5, 85.3),
        Driver("5", "Tiếp cận dịch vụ", 5.2, 3.6, -1.9, 12.4, 85.6),
        Driver("8", "Kết quả dịch vụ", 4.1, 4.3, -4.5, 12.6, 84.2),
        Driver("6", "Thủ tục hành chính", 3.7, 4.1, -4.4, 11.7, 85.4),
        Driver("9", "Tiếp nhận, xử lý phản ánh, kiến nghị của người dân và doanh nghiệp "
                    "về quy định hành chính", -3.5, 4, -11.4, 4.3, 83.6),
    ]
    markup = drivers_chart(drivers, "Yếu tố tác động", "Kết quả (chỉ số)", "Mức ảnh hưởng (điểm)")
    root, width, height = parse(markup)
    x_ticks = [spans(t)[0][2] for t in texts(root, "tick-x")]
    y_ticks = [spans(t)[0][2] for t in texts(root, "tick-y")]
    assert len(x_ticks) >= 3 and len(y_ticks) >= 3
    assert "0" in y_ticks
    values = [float(v.replace(",", ".")) for v in x_ticks]
    assert values == sorted(values) and values[0] <= 84.5 and values[-1] >= 85  # spans them
    names = texts(root, "name")
    assert len(names) == len(drivers)
    boxes = []
    for name in names:
        lines = spans(name)
        size = float(name.get("font-size"))
        assert len(lines) <= 2
        for x, y, text in lines:
            assert x + text_width(text, size) <= width and 0 <= y - size and y <= height, text
        boxes.append((lines[0][1] - size, lines[-1][1] + 3))
    boxes.sort()
    for (_, bottom), (top, _) in zip(boxes, boxes[1:], strict=False):
        assert top >= bottom, "two factor names overlap"
    assert [spans(n)[0][2].split(".")[0] for n in names] == ["1", "2", "3", "4", "5"]
    long_name = drivers[-1].name
    shown = " ".join(line[2] for name in names for line in spans(name))
    assert long_name not in shown and "…" in shown
    titles = {t.text for t in root.iter(f"{SVG}title")}
    assert long_name in titles  # the whole name on hover and for screen readers
    assert "<script" not in str(markup)


def test_names_are_escaped(request_context):
    drivers = [Driver("x", "<b>A & B</b>", 1, 1, 0, 2, 80), Driver("y", "C", 2, 1, 1, 3, 90)]
    markup = str(drivers_chart(drivers, "t", "x", "y"))
    assert "<b>" not in markup and "&lt;b&gt;A &amp; B&lt;/b&gt;" in markup
    bars = str(index_bars([("<i>x</i>", 80, 70, 90, True)], "t"))
    assert "<i>" not in bars


def test_bars_keep_their_text_size_and_wrap_long_names(request_context):
    """In percentages, not a viewBox: on a phone the names keep their size, the bars shrink."""
    name = ("Nơi tiếp nhận hồ sơ (chỗ ngồi chờ, chỉ dẫn, thiết bị) thuận tiện, sạch sẽ, "
            "có nước uống, có chỗ để xe và có người hướng dẫn tận tình")
    root = ET.fromstring(str(index_bars([(name, 85, 83, 87, True), ("Ngắn", 80, 78, 82, True)],
                                        "Chỉ số")))
    assert root.get("viewBox") is None and root.get("width") == "100%"
    labels = texts(root, "name")
    lines = spans(labels[0])
    assert len(lines) == 2 and all(len(text) <= 38 for _, _, text in lines)
    assert all(text_width(text, 14) <= 330 for _, _, text in lines)  # fits a 360 px phone
    assert lines[-1][2].endswith("…")
    assert name in {t.text for t in root.iter(f"{SVG}title")}
    assert [spans(t)[0][2] for t in labels][1] == "Ngắn"
    widths = [r.get("width") for r in root.iter(f"{SVG}rect")]
    assert widths == ["85.00%", "80.00%"]
    tops = [float(spans(t)[0][1]) for t in labels]
    assert tops[1] - tops[0] >= 2 * 18 + 14  # the second name starts below the first bar
