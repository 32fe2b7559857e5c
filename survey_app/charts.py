"""Small server-side SVG charts (the CSP allows no script): index bars with error bars, a
trend band with its forecast, and the key-drivers chart.

Every label is placed so that it stays inside the picture and off its neighbours: text
widths are estimated, x labels thinned, long names shortened with the whole name in a
<title> (shown on hover and read by screen readers). Numbers are in the reader's locale.
"""
import math

from markupsafe import Markup, escape

from survey_app.formatting import number

WIDTH = 640
FONT = 12
#: Average glyph width over the font size, generous for Vietnamese with its diacritics.
GLYPH = 0.6


def text_width(text, size=FONT):
    return len(text) * size * GLYPH


def _pct(value):
    return f"{max(0.0, min(100.0, value)):.2f}"


def _open(width, height, title):
    return [f'<svg viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg" class="chart" width="100%">',
            f"<title>{escape(title)}</title>"]


def _close(parts):
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part went through escape()


def shorten(name, chars):
    return name if len(name) <= chars else name[:chars - 1].rstrip() + "…"


def wrap(name, chars, lines=2):
    """At most ``lines`` lines of at most ``chars`` characters, cut at spaces; the last
    line ends with "…" when the name does not fit."""
    words, rows = name.split(), []
    while words and len(rows) < lines:
        row = words.pop(0)
        while words and len(row) + 1 + len(words[0]) <= chars:
            row += " " + words.pop(0)
        rows.append(row)
    if words or any(len(r) > chars for r in rows):
        rows[-1] = shorten(rows[-1] + " " + " ".join(words), chars)
    return [shorten(r, chars) for r in rows]


def period_label(key):
    """"2026-11" -> "11/26", "2026-Q3" -> "Q3/26": short and the same on every chart."""
    if len(key) == 7 and key[4] == "-" and key[5:].isdigit():
        return f"{key[5:]}/{key[2:4]}"
    if len(key) == 7 and key[4:6] == "-Q":
        return f"{key[5:]}/{key[2:4]}"
    return key


def nice_step(span, most=6):
    """A round tick step (1, 2, 5 × 10^k) giving at most ``most`` intervals over ``span``."""
    raw = max(span, 1e-9) / most
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def ticks(low, high, most=6):
    step = nice_step(high - low, most)
    first = math.ceil(low / step - 1e-9) * step
    count = int(math.floor((high - first) / step + 1e-9)) + 1
    return [first + i * step for i in range(count)], step


def tick_text(value, step):
    return number(value, 0 if step >= 1 else 1)


def index_bars(rows, title):
    """Horizontal bars 0-100 with CI whiskers. ``rows``: (label, estimate, low, high, ok).

    Laid out in percentages of the width, not in a viewBox: the text keeps its size and
    the bars stretch, so the chart reads the same on a 360 px phone and a wide screen. Each
    name stands above its bar (wrapped to two lines, the whole name in a <title>)."""
    size, chars, bar = 14, 38, 14  # 38 characters of 14 px fit a 360 px phone
    line = size + 4
    heights = []
    for label, *_ in rows:
        heights.append(len(wrap(label, chars)) * line + bar + 12)
    total_height = 26 + sum(heights)
    parts = [f'<svg width="100%" height="{total_height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" class="chart bars">',
             f"<title>{escape(title)}</title>",
             # an inner box a little narrower than the chart, so that whisker caps at 0 or
             # 100 and the end ticks stay inside
             '<svg x="1%" width="97%" overflow="visible">']
    for tick in (0, 25, 50, 75, 100):
        anchor = "start" if tick == 0 else "end" if tick == 100 else "middle"
        parts.append(f'<line x1="{tick}%" y1="20" x2="{tick}%" y2="{total_height}" '
                     f'stroke="#ddd"/><text class="tick-x" x="{tick}%" y="14" '
                     f'font-size="{FONT}" text-anchor="{anchor}">{tick}</text>')
    y = 24
    for (label, estimate, low, high, ok), height in zip(rows, heights, strict=True):
        lines = wrap(label, chars)
        parts.append(f"<g><title>{escape(label)}</title>" if " ".join(lines) != label
                     else "<g>")
        parts.append(f'<text class="name" x="0" y="{y + size}" font-size="{size}">'
                     + "".join(f'<tspan x="0" y="{y + size + k * line}">{escape(row)}</tspan>'
                               for k, row in enumerate(lines)) + "</text></g>")
        top = y + len(lines) * line + 2
        if estimate is not None:
            colour = "#0b5cad" if ok else "#9e9e9e"
            parts.append(f'<rect x="0" y="{top}" width="{_pct(estimate)}%" height="{bar}" '
                         f'fill="{colour}" opacity="0.8"/>')
            if low is not None:
                x1, x2, mid = _pct(low), _pct(high), top + bar / 2
                parts.append(f'<line x1="{x1}%" y1="{mid}" x2="{x2}%" y2="{mid}" '
                             'stroke="#000" stroke-width="1.5"/>'
                             f'<line x1="{x1}%" y1="{top + 2}" x2="{x1}%" y2="{top + bar - 2}" '
                             'stroke="#000"/>'
                             f'<line x1="{x2}%" y1="{top + 2}" x2="{x2}%" y2="{top + bar - 2}" '
                             'stroke="#000"/>')
        y += height
    parts.append("</svg>")
    return _close(parts)


def trend_band(points, title, future=(), partial=0, partial_note=""):
    """A line with its CI band. ``points``: (period key, estimate, low, high); None gaps
    allowed. ``future``: forecast points in the same form, drawn dashed with their band.
    ``partial``: how many of the last ``points`` are periods still being collected: drawn
    as hollow circles with their interval, off the line, captioned ``partial_note``; the
    forecast starts at the first of them (it forecasts the whole period)."""
    points, future = list(points), list(future)
    settled, unsettled = points[:len(points) - partial], points[len(points) - partial:]
    slots = max(len(points), len(settled) + len(future))
    keys = [p[0] for p in settled] + [p[0] for p in future] if future else [p[0] for p in points]
    labels = [period_label(k) for k in keys][:slots]
    label_width = max((text_width(t) for t in labels), default=0)
    # room for half a label beyond the first and the last point, so none is clipped, and
    # for the y labels on both sides (a phone shows the newest side first)
    left = max(44, label_width / 2 + 4)
    right = max(34, label_width / 2 + 4)
    top, bottom, height = 10, 30, 210
    span_x, span_y = WIDTH - left - right, height - top - bottom
    known = [p for p in points if p[1] is not None]
    parts = _open(WIDTH, height, title)
    if not known:
        return _close(parts)
    floor = max(0.0, min(p[2] for p in known + future) - 5)
    step = span_x / max(slots - 1, 1)

    def y(value):
        return top + span_y * (1 - (value - floor) / max(100 - floor, 1e-9))

    for tick in range(int(floor // 10 * 10 + 10), 101, 10):
        parts.append(f'<line x1="{left:.1f}" y1="{y(tick):.1f}" x2="{WIDTH - right:.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#eee"/><text class="tick-y" x="{left - 6:.1f}" '
                     f'y="{y(tick) + 4:.1f}" font-size="{FONT}" text-anchor="end">{tick}</text>'
                     f'<text class="tick-y" x="{WIDTH - right + 6:.1f}" y="{y(tick) + 4:.1f}" '
                     f'font-size="{FONT}">{tick}</text>')
    coords = [(left + i * step, p) for i, p in enumerate(settled) if p[1] is not None]
    if coords:
        band = [f"{x:.1f},{y(p[3]):.1f}" for x, p in coords] + \
            [f"{x:.1f},{y(p[2]):.1f}" for x, p in reversed(coords)]
        parts.append(f'<polygon points="{" ".join(band)}" fill="#0b5cad" opacity="0.18"/>')
        parts.append('<polyline fill="none" stroke="#0b5cad" stroke-width="2" points="'
                     + " ".join(f"{x:.1f},{y(p[1]):.1f}" for x, p in coords) + '"/>')
    if future and coords:
        ahead = [coords[-1]] + [(left + (len(settled) + i) * step, p) for i, p in enumerate(future)]
        band = [f"{x:.1f},{y(p[3]):.1f}" for x, p in ahead] + \
            [f"{x:.1f},{y(p[2]):.1f}" for x, p in reversed(ahead)]
        parts.append(f'<polygon points="{" ".join(band)}" fill="#e07b00" opacity="0.15"/>')
        parts.append('<polyline fill="none" stroke="#e07b00" stroke-width="2" '
                     'stroke-dasharray="6 4" class="forecast" points="'
                     + " ".join(f"{x:.1f},{y(p[1]):.1f}" for x, p in ahead) + '"/>')
    for i, p in enumerate(unsettled, start=len(settled)):
        if p[1] is None:
            continue
        x = left + i * step
        parts.append(f'<g class="partial"><title>{escape(period_label(p[0]))}: '
                     f'{escape(partial_note)}</title>'
                     f'<line x1="{x:.1f}" y1="{y(p[2]):.1f}" x2="{x:.1f}" y2="{y(p[3]):.1f}" '
                     f'stroke="#0b5cad" stroke-dasharray="2 2"/><circle cx="{x:.1f}" '
                     f'cy="{y(p[1]):.1f}" r="4" fill="#fff" stroke="#0b5cad" stroke-width="2"/>'
                     f'<text x="{x - 6:.1f}" y="{y(p[1]) - 8:.1f}" font-size="{FONT}" '
                     f'text-anchor="end">{escape(partial_note)}</text></g>')
    # Every n-th label, n as small as keeps a gap between neighbours; counted from the
    # last point so that the newest period (or the last forecast) is always labelled.
    every = max(1, math.ceil((label_width + 8) / max(step, 1e-9)))
    last = len(labels) - 1
    for i, text in enumerate(labels):
        if (last - i) % every == 0:
            parts.append(f'<text class="tick-x" x="{left + i * step:.1f}" y="{height - 10}" '
                         f'font-size="{FONT}" text-anchor="middle">{escape(text)}</text>')
    return _close(parts)


def spread(wanted, gap, low, high):
    """Positions near ``wanted`` (sorted) at least ``gap`` apart, within [low, high]."""
    placed = []
    for value in wanted:
        placed.append(max(value, low, placed[-1] + gap if placed else low))
    overflow = placed[-1] - high if placed else 0
    if overflow > 0:  # push the column back up, keeping the gaps
        for i in range(len(placed) - 1, -1, -1):
            limit = placed[i + 1] - gap if i + 1 < len(placed) else high
            placed[i] = min(placed[i], limit)
    return placed


def drivers_chart(drivers, title, x_title, y_title):
    """Importance (points, with its 95 % CI) against performance (index): fix first what
    matters much and performs poorly. Names stand in a column at the right, joined to their
    point by a thin line, so that close points never print their names over each other."""
    known = [d for d in drivers if d.performance is not None]
    if not known:
        return None
    plot_left, plot_right, top = 58, 372, 12
    names_left, line = plot_right + 22, FONT + 3
    chars = int((WIDTH - names_left - 4) / (FONT * GLYPH))
    label_gap = 2 * line + 6
    height = max(320, top + label_gap * len(known) + 60)
    bottom = height - 52
    y_ticks, y_step = ticks(min(0.0, min(d.ci_low for d in known)),
                            max(5.0, max(d.ci_high for d in known)))
    y_low, y_high = min(y_ticks[0], min(d.ci_low for d in known)), \
        max(y_ticks[-1], max(d.ci_high for d in known))
    # the performance axis spans the factors (not 0-100), so that close factors separate
    worst, best = min(d.performance for d in known), max(d.performance for d in known)
    x_ticks, x_step = ticks(worst - 1, min(100.0, best + 1), 5)
    x_low, x_high = min(x_ticks[0], worst - 0.5), max(x_ticks[-1], best + 0.5)

    def x(p):
        return plot_left + (plot_right - plot_left) * (p - x_low) / max(x_high - x_low, 1e-9)

    def y(i):
        return top + (bottom - top) * (y_high - i) / max(y_high - y_low, 1e-9)

    parts = _open(WIDTH, height, title)
    for tick in y_ticks:
        colour = "#999" if tick == 0 else "#eee"
        parts.append(f'<line x1="{plot_left}" y1="{y(tick):.1f}" x2="{plot_right}" '
                     f'y2="{y(tick):.1f}" stroke="{colour}"/><text class="tick-y" '
                     f'x="{plot_left - 6}" y="{y(tick) + 4:.1f}" font-size="{FONT}" '
                     f'text-anchor="end">{escape(tick_text(tick, y_step))}</text>')
    for tick in x_ticks:
        parts.append(f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{bottom}" '
                     f'stroke="#eee"/><text class="tick-x" x="{x(tick):.1f}" y="{bottom + 16}" '
                     f'font-size="{FONT}" text-anchor="middle">'
                     f'{escape(tick_text(tick, x_step))}</text>')
    parts.append(f'<line x1="{plot_left}" y1="{top}" x2="{plot_left}" y2="{bottom}" '
                 f'stroke="#999"/><line x1="{plot_left}" y1="{bottom}" x2="{plot_right}" '
                 f'y2="{bottom}" stroke="#999"/>'
                 f'<text x="{(plot_left + plot_right) / 2:.1f}" y="{height - 8}" '
                 f'font-size="{FONT}" text-anchor="middle">{escape(x_title)}</text>'
                 f'<text x="14" y="{(top + bottom) / 2:.1f}" font-size="{FONT}" '
                 f'transform="rotate(-90 14 {(top + bottom) / 2:.1f})" '
                 f'text-anchor="middle">{escape(y_title)}</text>')
    # Numbered by importance (the table's order), so that a phone showing only the plot
    # still tells the points apart.
    rank = {id(d): n for n, d in enumerate(sorted(known, key=lambda d: -d.importance), 1)}
    order = sorted(known, key=lambda d: y(d.importance))
    slots = spread([y(d.importance) - line / 2 for d in order], label_gap, top + FONT,
                   height - label_gap)
    for d, slot in zip(order, slots, strict=True):
        px, py = x(d.performance), y(d.importance)
        rows = wrap(f"{rank[id(d)]}. {d.name}", chars)
        middle = slot + (len(rows) - 1) * line / 2 - FONT / 3
        parts.append(f"<g><title>{escape(d.name)}</title>"
                     f'<line x1="{px:.1f}" y1="{y(d.ci_low):.1f}" x2="{px:.1f}" '
                     f'y2="{y(d.ci_high):.1f}" stroke="#0b5cad"/>'
                     f'<polyline fill="none" stroke="#777" stroke-width="0.8" points="'
                     f'{px + 9:.1f},{py:.1f} {names_left - 4:.1f},{middle:.1f}"/>'
                     f'<circle cx="{px:.1f}" cy="{py:.1f}" r="9" fill="#0b5cad"/>'
                     f'<text x="{px:.1f}" y="{py + 4:.1f}" font-size="11" font-weight="700" '
                     f'fill="#fff" text-anchor="middle">{rank[id(d)]}</text>'
                     f'<text class="name" x="{names_left}" y="{slot:.1f}" font-size="{FONT}">'
                     + "".join(f'<tspan x="{names_left}" y="{slot + k * line:.1f}">'
                               f"{escape(row)}</tspan>" for k, row in enumerate(rows))
                     + "</text></g>")
    return _close(parts)


def caterpillar(rows, title, note=""):
    """Dot-and-interval chart of domains ordered by estimate ("caterpillar").

    ``rows``: (label, estimate, low, high, publishable, rank text), highest first. The
    axis spans the intervals (not 0–100), so differences show. Publishable estimates are
    filled blue dots; the others hollow orange diamonds (colour-blind safe: shape differs
    too). Laid out in percentages like ``index_bars``: readable at 360 px and on a
    projector."""
    size, chars, row_h = 14, 38, 14
    line = size + 4
    lows = [r[2] if r[2] is not None else r[1] for r in rows]
    highs = [r[3] if r[3] is not None else r[1] for r in rows]
    lo, hi = max(0.0, min(lows) - 2), min(100.0, max(highs) + 2)
    if hi - lo < 10:
        mid = (hi + lo) / 2
        lo, hi = max(0.0, mid - 5), min(100.0, mid + 5)
    steps, step = ticks(lo, hi, 5)

    def x(value):
        return round(100 * (value - lo) / (hi - lo), 2)

    heights = [len(wrap(f"{r[0]} · {r[5]}", chars)) * line + row_h + 10 for r in rows]
    total = 26 + sum(heights)
    parts = [f'<svg width="100%" height="{total}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" class="chart caterpillar">',
             f"<title>{escape(title)}</title>", '<svg x="1%" width="97%" overflow="visible">']
    for tick in steps:
        if lo <= tick <= hi:
            parts.append(f'<line x1="{x(tick)}%" y1="20" x2="{x(tick)}%" y2="{total}" '
                         f'stroke="#ddd"/><text class="tick-x" x="{x(tick)}%" y="14" '
                         f'font-size="{FONT}" text-anchor="middle">'
                         f'{escape(tick_text(tick, step))}</text>')
    y = 24
    for (label, estimate, low, high, ok, rank), height in zip(rows, heights, strict=True):
        lines = wrap(f"{label} · {rank}", chars)
        parts.append(f'<text class="name" x="0" y="{y + size}" font-size="{size}">'
                     + "".join(f'<tspan x="0" y="{y + size + k * line}">{escape(t)}</tspan>'
                               for k, t in enumerate(lines)) + "</text>")
        mid = y + len(lines) * line + row_h / 2
        if low is not None and high is not None:
            colour, dash = ("#0b3d91", "") if ok else ("#d55e00", ' stroke-dasharray="4 3"')
            parts.append(f'<line x1="{x(low)}%" y1="{mid}" x2="{x(high)}%" y2="{mid}" '
                         f'stroke="{colour}" stroke-width="2"{dash}/>')
        if ok:
            parts.append(f'<circle cx="{x(estimate)}%" cy="{mid}" r="5" fill="#0b3d91"/>')
        else:
            parts.append(f'<svg x="{x(estimate)}%" y="{mid - 6}" overflow="visible">'
                         '<path d="M0 0 L6 6 L0 12 L-6 6 Z" fill="#fff" stroke="#d55e00" '
                         'stroke-width="2"/></svg>')
        y += height
    parts.append("</svg>")
    if note:
        parts.append(f"<desc>{escape(note)}</desc>")
    return _close(parts)
