"""The PDF of a periodic report: headline, comparisons, chart and tables per questionnaire.

Paragraph text is reportlab markup, so every string that comes from the database or an
instrument file goes through ``escape``: a unit called "<img src=…>" would otherwise embed
a server file, and "Trường <font" would make the report fail.
"""
import io
from xml.sax.saxutils import escape

from analysis.publication import enough_data
from survey_app import clock
from survey_app.services.qr import POSTER_FONT, _font
from survey_app.services.reports import _, caveat, number, ordered
from survey_app.services.results import weighting_text

MM = 72 / 25.4  # points per millimetre
#: Widths (mm) of the index table: code, name, %, CI, valid answers, PAR points, note.
INDEX_COLUMNS = (19, 58, 12, 24, 19, 22, 26)
#: Widths (mm) of the service point table: code, name, %, CI, responses, note.
POINT_COLUMNS = (28, 60, 12, 24, 22, 34)


def chart_png(section, lang):
    """A bar chart of the tree's nodes with CI whiskers (matplotlib, Agg), and its height
    as a share of its width."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nodes = [e for e in section.results.overall.estimates
             if e.level not in ("item", "respondent") and e.estimate is not None]
    size = (7, 0.45 * len(nodes) + 1)
    fig, ax = plt.subplots(figsize=size)
    labels = [section.name(e, lang)[:45] for e in nodes][::-1]
    values = [e.estimate for e in nodes][::-1]
    # whiskers never below zero: an interval at 0 % or 100 % can end a rounding error past
    # its estimate, and a node without an interval has none
    errors = [[max(0.0, e.estimate - e.ci_low) if e.ci_low is not None else 0.0
               for e in nodes][::-1],
              [max(0.0, e.ci_high - e.estimate) if e.ci_high is not None else 0.0
               for e in nodes][::-1]]
    ax.barh(labels, values, xerr=errors, color="#0b5cad", alpha=0.8, capsize=3)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("%% satisfied (95%% confidence interval)"))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    plt.close(fig)
    return buffer.getvalue(), size[1] / size[0]


class Styles:
    def __init__(self):
        from reportlab.lib.styles import ParagraphStyle

        font = _font()
        self.font = font
        self.body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=12.5)
        self.caveat = ParagraphStyle("caveat", parent=self.body, textColor="#8a1c00")
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
        self.head = ParagraphStyle("head", fontName=POSTER_FONT + "-Bold", fontSize=8, leading=10)
        # keepWithNext: a heading never ends a page without what it introduces
        self.heading = ParagraphStyle("h", fontName=POSTER_FONT + "-Bold", fontSize=14,
                                      leading=18, spaceBefore=6, spaceAfter=6, keepWithNext=1)
        self.subheading = ParagraphStyle("h2", fontName=POSTER_FONT + "-Bold", fontSize=10.5,
                                         leading=14, spaceBefore=4, spaceAfter=3, keepWithNext=1)
        self.title = ParagraphStyle("t", fontName=POSTER_FONT + "-Bold", fontSize=18, leading=22)


def grid(rows, widths, styles):
    """A table whose header wraps inside its columns and repeats on every page."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    header = [Paragraph(escape(text), styles.head) for text in rows[0]]
    table = Table([header, *rows[1:]], colWidths=[w * MM for w in widths], repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), styles.font, 8),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6f0fb")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def headline(section, lang, styles):
    from reportlab.platypus import Paragraph

    root = section.results.overall.get(section.root)
    story = [Paragraph(_("%(n)s responses. Overall index: <b>%(value)s%%</b> (95%% CI "
                         "%(low)s–%(high)s%%).", n=section.results.n,
                         value=number(root.estimate, lang=lang),
                         low=number(root.ci_low, lang=lang),
                         high=number(root.ci_high, lang=lang)), styles.body)]
    weighting = weighting_text(section.results.weighting)
    if weighting:
        story.append(Paragraph(escape(weighting) + ".", styles.body))
    if not enough_data(root):
        story.append(Paragraph(escape(caveat()), styles.caveat))
    for found in section.comparisons:
        comparison = found.comparison
        if comparison.difference is None:
            continue
        name = _("the previous period") if found.other.label == "previous" \
            else _("the same period last year")
        verdict = {None: _("not enough data for a verdict"), True: _("significant"),
                   False: _("not significant")}[found.significant]
        story.append(Paragraph(_("Compared with %(other)s (%(now)s and %(then)s "
                                 "responses): %(diff)s points (95%% CI %(low)s … "
                                 "%(high)s; %(verdict)s).", other=name,
                                 now=found.current.n, then=found.earlier.n,
                                 diff=number(comparison.difference, lang=lang, sign=True),
                                 low=number(comparison.ci_low, lang=lang),
                                 high=number(comparison.ci_high, lang=lang),
                                 verdict=verdict), styles.body))
    return story


def index_table(section, lang, styles):
    from reportlab.platypus import Paragraph

    rows = [[_("Code"), _("Index"), "%", _("95%% CI"), _("Valid answers"), _("PAR points"),
             _("Note")]]
    for e in ordered(section.results.overall):
        if e.level == "respondent":
            continue
        rows.append([e.code, Paragraph(escape(section.name(e, lang)), styles.cell),
                     number(e.estimate, lang=lang),
                     f"{number(e.ci_low, lang=lang)}–{number(e.ci_high, lang=lang)}",
                     str(e.n_valid),
                     f"{number(e.points, 2, lang)}/{number(e.max_points, 2, lang)}"
                     if e.max_points else "",
                     "" if enough_data(e) else Paragraph(escape(_("not enough data")), styles.cell)])
    return grid(rows, INDEX_COLUMNS, styles)


def point_table(section, lang, styles):
    from reportlab.platypus import Paragraph

    rows = [[_("Code"), _("Service point"), "%", _("95%% CI"), _("Responses"), _("Note")]]
    for d in section.results.breakdown:
        e = d.get(section.root)
        point = section.points.get(d.key[0])
        rows.append([Paragraph(escape(d.key[0]), styles.cell),
                     Paragraph(escape(point.name(lang)) if point else "", styles.cell),
                     number(e.estimate, lang=lang),
                     f"{number(e.ci_low, lang=lang)}–{number(e.ci_high, lang=lang)}", str(d.n),
                     "" if enough_data(e) else Paragraph(escape(_("not enough data")), styles.cell)])
    return grid(rows, POINT_COLUMNS, styles)


def two_columns(left, right, widths):
    """A borderless two-column table: the letterhead and the signature block."""
    from reportlab.platypus import Table, TableStyle

    table = Table([[left, right]], colWidths=[w * MM for w in widths])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def official_story(report, styles):
    """The report proper (report_document.Report): letterhead, findings, ranking, targets,
    method, signature; the tables and charts of the sections follow as an appendix."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Image, Paragraph, Spacer

    from survey_app.services.report_document import Chart, Heading, Para, Table

    bold = POSTER_FONT + "-Bold"
    centre = ParagraphStyle("centre", fontName=styles.font, fontSize=10.5, leading=13,
                            alignment=1)
    centre_bold = ParagraphStyle("centre_bold", parent=centre, fontName=bold)
    title = ParagraphStyle("doc_title", parent=centre_bold, fontSize=13, leading=17)
    body = ParagraphStyle("doc_body", parent=styles.body, fontSize=10.5, leading=14,
                          firstLineIndent=8 * MM, alignment=4, spaceAfter=4)
    caveat_style = ParagraphStyle("doc_caveat", parent=body, textColor="#8a1c00")
    head = report.letterhead

    def lines(texts, style):
        return [Paragraph(escape(t), style) for t in texts if t]

    left = lines([head.parent_body], centre) + lines([head.issuer], centre_bold) + \
        lines(["———", _("No.: %(number)s", number=head.number)], centre)
    right = lines([_("SOCIALIST REPUBLIC OF VIET NAM"),
                   _("Independence - Freedom - Happiness")], centre_bold) + \
        lines(["———————"], centre) + \
        [Paragraph(f"<i>{escape(report.date_line)}</i>", centre)]
    story = [two_columns(left, right, (70, 110)), Spacer(1, 10),
             Paragraph(escape(report.title), title),
             Paragraph(escape(report.summary), title), Spacer(1, 8),
             Paragraph(escape(_("To:") + " " + "; ".join(head.recipients)), centre),
             Spacer(1, 8)]
    for block in report.body:
        if isinstance(block, Heading):
            story.append(Paragraph(escape(block.text),
                                   styles.heading if block.level == 1 else styles.subheading))
        elif isinstance(block, Para):
            story.append(Paragraph(escape(block.text),
                                   caveat_style if block.style == "caveat" else body))
        elif isinstance(block, Chart):
            story.append(Image(io.BytesIO(block.png), width=170 * MM,
                               height=170 * MM * block.aspect))
        elif isinstance(block, Table):
            rows = [list(block.header)] + [
                [Paragraph(escape(str(cell)), styles.cell) for cell in row] for row in block.rows]
            scale = 180 / sum(block.widths)
            story += [grid(rows, [w * scale for w in block.widths], styles), Spacer(1, 6)]
    story += [Spacer(1, 6), Paragraph(escape(report.closing), body), Spacer(1, 10)]
    left = [Paragraph(f"<b><i>{escape(_('Recipients:'))}</i></b>", styles.body)] + \
        lines([*(f"- {name};" for name in head.recipients), _("- Archived: VT.")], styles.cell)
    right = lines([head.signer_title], centre_bold) + \
        [Paragraph(f"<i>{escape(_('(Signature, seal)'))}</i>", centre), Spacer(1, 50)] + \
        lines([head.signer_name], centre_bold)
    story.append(two_columns(left, right, (85, 95)))
    return story


def render_pdf(unit, period, sections, lang="vi", report=None):
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import (
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )

    styles = Styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * MM, rightMargin=15 * MM,
                            title=f"hailong {unit.code} {period.label}")
    story = []
    if report is not None:
        story += official_story(report, styles)
        story += [PageBreak(), Paragraph(escape(_("Appendix")), styles.heading)]
    story += [Paragraph(_("Satisfaction report — %(unit)s", unit=escape(unit.name(lang))),
                       styles.title),
             Spacer(1, 4),
             Paragraph(_("Period: %(label)s (%(start)s – %(end)s). Made on %(today)s with "
                         "hailong. An index is the share of valid answers that are "
                         "\u201cSatisfied\u201d or \u201cVery satisfied\u201d; 95%% confidence "
                         "intervals follow the sample design.", label=escape(period.label),
                         start=f"{period.start:%d/%m/%Y}", end=f"{period.last_day:%d/%m/%Y}",
                         today=f"{clock.today():%d/%m/%Y}"), styles.body), Spacer(1, 8)]
    if not sections:
        story.append(Paragraph(_("No responses in this period."), styles.body))
    for section in sections:
        png, aspect = chart_png(section, lang)
        # the heading, its headline and its chart start on the same page
        story += [KeepTogether([Paragraph(escape(section.title(lang)), styles.heading),
                                *headline(section, lang, styles), Spacer(1, 6),
                                Image(io.BytesIO(png), width=170 * MM, height=170 * MM * aspect)]),
                  Spacer(1, 6),
                  index_table(section, lang, styles), Spacer(1, 8)]
        if section.results.breakdown:
            story += [Paragraph(escape(_("By service point")), styles.subheading),
                      point_table(section, lang, styles), Spacer(1, 10)]

    def page_number(canvas, document):
        canvas.setFont(styles.font, 7.5)
        canvas.drawRightString(A4[0] - 15 * MM, 10 * MM,
                               f"hailong · {unit.code} · {period.label} · {document.page}")

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
