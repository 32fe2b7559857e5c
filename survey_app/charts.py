"""Small server-side SVG charts (no JavaScript): index bars with error bars, a trend band."""
from markupsafe import Markup, escape

WIDTH = 640


def _x(value, left, span):
    return left + span * max(0.0, min(100.0, value)) / 100


def index_bars(rows, title):
    """Horizontal bars 0-100 with CI whiskers. ``rows``: (label, estimate, low, high, ok)."""
    left, right, height = 230, 20, 26
    span = WIDTH - left - right
    total_height = 30 + height * len(rows)
    parts = [f'<svg viewBox="0 0 {WIDTH} {total_height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" class="chart" width="100%">',
             f"<title>{escape(title)}</title>"]
    for tick in (0, 25, 50, 75, 100):
        x = _x(tick, left, span)
        parts.append(f'<line x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{total_height}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="12" font-size="10" text-anchor="middle">{tick}</text>')
    for i, (label, estimate, low, high, ok) in enumerate(rows):
        y = 22 + i * height
        text = escape(label if len(label) <= 38 else label[:36] + "…")
        parts.append(f'<text x="{left - 6}" y="{y + 14}" font-size="11" text-anchor="end">{text}</text>')
        if estimate is None:
            continue
        colour = "#0b5cad" if ok else "#9e9e9e"
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{_x(estimate, left, span) - left:.1f}" '
                     f'height="14" fill="{colour}" opacity="0.8"/>')
        if low is not None:
            x1, x2 = _x(low, left, span), _x(high, left, span)
            parts.append(f'<line x1="{x1:.1f}" y1="{y + 11}" x2="{x2:.1f}" y2="{y + 11}" '
                         'stroke="#000" stroke-width="1.5"/>'
                         f'<line x1="{x1:.1f}" y1="{y + 6}" x2="{x1:.1f}" y2="{y + 16}" stroke="#000"/>'
                         f'<line x1="{x2:.1f}" y1="{y + 6}" x2="{x2:.1f}" y2="{y + 16}" stroke="#000"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part above went through escape()


def trend_band(points, title, future=(), partial=0, partial_note=""):
    """A line with its CI band. ``points``: (label, estimate, low, high); None gaps allowed.

    ``future``: forecast points in the same form, drawn dashed with their prediction band.
    ``partial``: how many of the last ``points`` are periods still being collected: drawn
    as hollow circles with their interval, off the line, captioned ``partial_note``; the
    forecast starts at the first of them (it forecasts the whole period)."""
    left, right, top, bottom, height = 40, 10, 10, 30, 200
    span_x, span_y = WIDTH - left - right, height - top - bottom
    points = list(points)
    settled, unsettled = points[:len(points) - partial], points[len(points) - partial:]
    known = [p for p in points if p[1] is not None]
    parts = [f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" class="chart" width="100%">',
             f"<title>{escape(title)}</title>"]
    if not known:
        parts.append("</svg>")
        return Markup("".join(parts))  # noqa: S704 - every text part above went through escape()
    future = list(future)
    slots = max(len(points), len(settled) + len(future))
    floor = max(0.0, min(p[2] for p in known + future) - 5)
    step = span_x / max(slots - 1, 1)

    def y(value):
        return top + span_y * (1 - (value - floor) / max(100 - floor, 1e-9))

    for tick in range(int(floor // 10 * 10 + 10), 101, 10):
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{WIDTH - right}" y2="{y(tick):.1f}" '
                     f'stroke="#eee"/><text x="{left - 4}" y="{y(tick) + 3:.1f}" font-size="10" '
                     f'text-anchor="end">{tick}</text>')
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
        parts.append(f'<g class="partial"><title>{escape(p[0])}: {escape(partial_note)}</title>'
                     f'<line x1="{x:.1f}" y1="{y(p[2]):.1f}" x2="{x:.1f}" y2="{y(p[3]):.1f}" '
                     f'stroke="#0b5cad" stroke-dasharray="2 2"/><circle cx="{x:.1f}" '
                     f'cy="{y(p[1]):.1f}" r="4" fill="#fff" stroke="#0b5cad" stroke-width="2"/>'
                     f'<text x="{x - 6:.1f}" y="{y(p[1]) - 8:.1f}" font-size="10" '
                     f'text-anchor="end">{escape(partial_note)}</text></g>')
    labels = [p[0] for p in settled] + [p[0] for p in future] if future else \
        [p[0] for p in points]
    every = max(1, slots // 18)  # at most ~18 labels
    for i, label in enumerate(labels[:slots]):
        if i % every == 0:
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 12}" font-size="10" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part above went through escape()
