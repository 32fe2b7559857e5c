"""Periodic reports of a unit (quarter, 6 months, 9 months, year): PDF with charts, XLSX."""
import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _

import instruments
from analysis.publication import enough_data
from survey_app.services import org
from survey_app.services.qr import POSTER_FONT, _font
from survey_app.services.results import (
    instruments_in_scope,
    ordered,
    period_comparisons,
    root_code,
    unit_results,
)
from survey_app.services.spreadsheet import xlsx_row


@dataclass(frozen=True)
class Section:
    instrument: str
    title: dict
    results: object
    comparisons: list
    root: str | None
    points: dict  # "UNIT/POINT" code of the breakdown -> ServicePoint


def report_data(unit, period):
    points = {f"{p.unit.code}/{p.code}": p for p in org.service_points_in_scope(unit)}
    sections = []
    for code in instruments_in_scope(unit):
        results = unit_results(unit, code, period, by="service_point")
        if not results.n:
            continue
        title = instruments.get(code).title if code in instruments.bundled() else \
            {"vi": code, "en": code}
        sections.append(Section(code, title, results, period_comparisons(unit, code, period),
                                root_code(results.overall), points))
    return sections


def _fmt(value, digits=1, lang="vi"):
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "vi" else text


def chart_png(section):
    """A bar chart of the tree's nodes with CI whiskers (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nodes = [e for e in section.results.overall.estimates
             if e.level not in ("item", "respondent") and e.estimate is not None]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(nodes) + 1))
    labels = [e.name[:45] for e in nodes][::-1]
    values = [e.estimate for e in nodes][::-1]
    errors = [[e.estimate - e.ci_low for e in nodes][::-1], [e.ci_high - e.estimate for e in nodes][::-1]]
    ax.barh(labels, values, xerr=errors, color="#0b5cad", alpha=0.8, capsize=3)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("%% satisfied (95%% confidence interval)"))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    plt.close(fig)
    return buffer.getvalue()


def render_pdf(unit, period, sections, lang="vi"):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=12.5)
    heading = ParagraphStyle("h", fontName=POSTER_FONT + "-Bold", fontSize=14, leading=18,
                             spaceAfter=6)
    title = ParagraphStyle("t", fontName=POSTER_FONT + "-Bold", fontSize=18, leading=22)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            title=f"hailong {unit.code} {period.label}")
    # Paragraph text is reportlab markup: every name from the database is escaped, or a
    # unit called "<img src=…>" would embed a server file and "Trường <font" would fail.
    story = [Paragraph(_("Satisfaction report — %(unit)s", unit=escape(unit.name(lang))), title),
             Spacer(1, 4),
             Paragraph(_("Period: %(label)s (%(start)s – %(end)s). Made on %(today)s with "
                         "hailong. An index is the share of valid answers that are "
                         "\u201cSatisfied\u201d or \u201cVery satisfied\u201d; 95%% confidence "
                         "intervals follow the sample design.", label=period.label,
                         start=f"{period.start:%d/%m/%Y}", end=f"{period.last_day:%d/%m/%Y}",
                         today=f"{date.today():%d/%m/%Y}"), body), Spacer(1, 8)]
    if not sections:
        story.append(Paragraph(_("No responses in this period."), body))
    for section in sections:
        root = section.results.overall.get(section.root)
        story += [Paragraph(escape(section.title[lang]), heading),
                  Paragraph(_("%(n)s responses. Overall index: <b>%(value)s%%</b> (95%% CI "
                              "%(low)s–%(high)s%%).", n=section.results.n,
                              value=_fmt(root.estimate, lang=lang),
                              low=_fmt(root.ci_low, lang=lang),
                              high=_fmt(root.ci_high, lang=lang)), body)]
        for other, comparison in section.comparisons:
            if comparison.difference is None:
                continue
            name = _("the previous period") if other.label == "previous" \
                else _("the same period last year")
            verdict = _("significant") if (comparison.p_adjusted or 1) < 0.05 \
                else _("not significant")
            story.append(Paragraph(_("Compared with %(other)s: %(diff)s points (95%% CI "
                                     "%(low)s … %(high)s; %(verdict)s).", other=name,
                                     diff=f"{comparison.difference:+.1f}",
                                     low=_fmt(comparison.ci_low, lang=lang),
                                     high=_fmt(comparison.ci_high, lang=lang),
                                     verdict=verdict), body))
        story += [Spacer(1, 6), Image(io.BytesIO(chart_png(section)), width=170 * mm,
                                      height=170 * mm * 0.55), Spacer(1, 6)]
        table = [[_("Code"), _("Index"), "%", _("95%% CI"), _("Answers"), _("PAR points"), ""]]
        for e in ordered(section.results.overall):
            if e.level == "respondent":
                continue
            table.append([e.code, Paragraph(escape(e.name), body), _fmt(e.estimate, lang=lang),
                          f"{_fmt(e.ci_low, lang=lang)}–{_fmt(e.ci_high, lang=lang)}",
                          str(e.n_valid),
                          f"{_fmt(e.points, 2, lang)}/{_fmt(e.max_points, 2, lang)}"
                          if e.max_points else "",
                          "" if enough_data(e) else _("not enough data")])
        grid = Table(table, colWidths=[21 * mm, 64 * mm, 12 * mm, 23 * mm, 13 * mm, 22 * mm,
                                       25 * mm], repeatRows=1)
        grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 8),
                                  ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6f0fb")),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [grid, Spacer(1, 6)]
        if section.results.breakdown:
            rows = [[_("Code"), _("Service point"), "%", _("95%% CI"), _("Responses")]]
            for d in section.results.breakdown:
                e = d.get(section.root)
                point = section.points.get(d.key[0])
                rows.append([d.key[0], Paragraph(escape(point.name(lang)) if point else "", body),
                             _fmt(e.estimate, lang=lang),
                             f"{_fmt(e.ci_low, lang=lang)}–{_fmt(e.ci_high, lang=lang)}",
                             str(d.n)])
            by_point = Table(rows, repeatRows=1)
            by_point.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 8),
                                          ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
            story += [Paragraph(_("By service point"), body), by_point, Spacer(1, 10)]
    doc.build(story)
    return buffer.getvalue()


def render_xlsx(unit, period, sections, lang="vi"):
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "summary"
    summary.append(xlsx_row(summary, [_("Unit"), unit.name(lang)]))
    summary.append(xlsx_row(summary, [_("Period"), period.label, period.start.date().isoformat(),
                                      period.last_day.isoformat()]))
    summary.append([])
    summary.append(xlsx_row(summary, [_("Questionnaire"), _("Responses"), _("Index"),
                                      _("CI low"), _("CI high")]))
    for section in sections:
        root = section.results.overall.get(section.root)
        summary.append(xlsx_row(summary, [section.instrument, section.results.n, root.estimate,
                                          root.ci_low, root.ci_high]))
    for section in sections:
        sheet = book.create_sheet(section.instrument[:31])
        sheet.append(xlsx_row(sheet, [_("Code"), _("Index"), _("Level"), "%", _("CI low"),
                                      _("CI high"), _("Valid answers"), _("Effective n"),
                                      _("PAR points"), _("Max"), _("Enough data to publish")]))
        for e in section.results.overall.estimates:
            sheet.append(xlsx_row(sheet, [e.code, e.name, e.level, e.estimate, e.ci_low,
                                          e.ci_high, e.n_valid, e.n_eff, e.points, e.max_points,
                                          _("yes") if enough_data(e) else _("no")]))
        sheet.append([])
        sheet.append(xlsx_row(sheet, [_("Code"), _("Service point"), "%", _("CI low"),
                                      _("CI high"), _("Responses")]))
        for d in section.results.breakdown:
            e = d.get(section.root)
            point = section.points.get(d.key[0])
            sheet.append(xlsx_row(sheet, [d.key[0], point.name(lang) if point else "",
                                          e.estimate, e.ci_low, e.ci_high, d.n]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(unit, period, fmt, lang="vi"):
    """The report as bytes, in ``lang`` (vi or en)."""
    if fmt not in ("pdf", "xlsx"):
        raise ValueError("format must be pdf or xlsx")
    sections = report_data(unit, period)
    with force_locale(lang):
        if fmt == "pdf":
            return render_pdf(unit, period, sections, lang)
        return render_xlsx(unit, period, sections, lang)
