"""Printable paper questionnaires: one A4 page per serial number (reportlab).

The questions, their order, numbers and codes come from ``services.paper_codes``, the
same list the entry screen shows, so a typist reads the paper top to bottom and types
what is circled. Each page names the unit, the service point and the serial; a
questionnaire too long for one page goes on, its serial repeated at the foot.
Text from the database or an instrument file is escaped (reportlab markup).
"""
import io
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _gettext

from instruments.schema import SATISFACTION_LABELS
from survey_app.services.paper_codes import NO_ANSWER_LABEL, NOT_APPLICABLE_LABEL, fields
from survey_app.services.qr import POSTER_FONT, _font

MM = 72 / 25.4
#: More pages than this in one PDF is a print run, not a pile for a desk.
MAX_PAGES = 1000


def _(text, **variables):
    return _gettext(text) % variables


def serial_text(serial):
    return f"{serial:06d}"


def is_scale(field):
    return bool(field.codes) and field.codes[0].label == SATISFACTION_LABELS[1]


def codes_text(field, lang):
    """What to circle for a question that is not on the satisfaction scale: each option's
    digit with its words."""
    return "&nbsp;&nbsp; ".join(f"<b>{c.code}</b>&nbsp;{escape(c.label[lang])}"
                                for c in field.codes)


def scale_cells(field, styles):
    """1 2 3 4 5 0 9 in fixed columns, so that the digits line up down the page (0 left
    blank where "không áp dụng" is not allowed)."""
    from reportlab.platypus import Table

    present = {c.code for c in field.codes}
    cells = [code if code in present else "" for code in ("1", "2", "3", "4", "5", "0", "9")]
    return Table([cells], colWidths=[8 * MM] * 7, rowHeights=[4.2 * MM],
                 style=[("FONT", (0, 0), (-1, -1), styles["scale"].fontName, 10),
                        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("TOPPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])


def legend(lang):
    words = [f"<b>{v}</b> = {escape(label[lang])}" for v, label in SATISFACTION_LABELS.items()]
    words += [f"<b>0</b> = {escape(NOT_APPLICABLE_LABEL[lang])}",
              f"<b>9</b> = {escape(NO_ANSWER_LABEL[lang])}"]
    return " · ".join(words)


def header(point, serial, lang, styles):
    from reportlab.platypus import Paragraph, Table

    return Table([[Paragraph(escape(f"{point.unit.name(lang)} · {point.name(lang)}"),
                             styles["small"]),
                   Paragraph(escape(_("Form no. %(serial)s", serial=serial_text(serial))),
                             styles["serial"])]],
                 colWidths=[120 * MM, 64 * MM], style=[("VALIGN", (0, 0), (-1, -1), "TOP")])


def body(instrument, lang, styles):
    """Everything on a form but its header: the same on every serial."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    story = [Paragraph(escape(instrument.title[lang]), styles["title"]),
             Paragraph(escape(instrument.intro[lang]), styles["small"]),
             Paragraph(escape(_("Date: ____ / ____ / ________     Circle one number for each "
                                "question.")), styles["small"]),
             Paragraph(legend(lang), styles["small"]),
             Spacer(1, 2 * MM)]
    rows = []
    for field in fields(instrument):
        number = Paragraph(f"<b>{field.number}</b>", styles["cell"])
        question = Paragraph(escape(field.label(lang)), styles["cell"])
        if field.is_text:
            rows.append([number, question, ""])
        elif is_scale(field):
            rows.append([number, question, scale_cells(field, styles)])
        else:
            rows.append([number, question, Paragraph(codes_text(field, lang), styles["codes"])])
    table = Table(rows, colWidths=[8 * MM, 116 * MM, 62 * MM])
    style = [("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    for index, field in enumerate(fields(instrument)):
        if field.is_text:  # room to write
            style.append(("BOTTOMPADDING", (1, index), (2, index), 12 * MM))
    table.setStyle(TableStyle(style))
    return story + [table, Spacer(1, 2 * MM),
                    Paragraph(escape(_("Thank you. Put the form in the box at the counter; "
                                       "it is anonymous.")), styles["small"])]


def form_story(point, instrument, serial, lang, styles):
    return [SerialMark(serial), header(point, serial, lang, styles),
            *body(instrument, lang, styles)]


class SerialMark:
    """Records which serial is being laid out, for the page footer."""

    def __new__(cls, serial):
        from reportlab.platypus.flowables import Flowable

        class _Mark(Flowable):
            def __init__(self):
                super().__init__()
                self.serial, self.width, self.height = serial, 0, 0

            def draw(self):
                self.canv._hailong_serial = self.serial

        return _Mark()


def styles_for():
    from reportlab.lib.styles import ParagraphStyle

    font = _font()
    bold = POSTER_FONT + "-Bold"
    return {
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=10),
        "serial": ParagraphStyle("serial", fontName=bold, fontSize=13, leading=16,
                                 alignment=2),
        "title": ParagraphStyle("title", fontName=bold, fontSize=11.5, leading=14,
                                spaceBefore=2, spaceAfter=2),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=9.5),
        "codes": ParagraphStyle("codes", fontName=font, fontSize=7.5, leading=9),
        "scale": ParagraphStyle("scale", fontName=font, fontSize=10, leading=12, alignment=1),
    }


def paper_forms_pdf(point, instrument, serials, lang="vi"):
    """The PDF of forms ``serials`` (a range) of ``instrument`` at service point ``point``."""
    styles = styles_for()
    buffer = io.BytesIO()
    with force_locale(lang):
        if not one_page_forms(buffer, point, instrument, serials, lang, styles):
            buffer = io.BytesIO()
            flowing_forms(buffer, point, instrument, serials, lang, styles)
    return buffer.getvalue()


PAGE_MARGIN = 12 * MM
TOP_MARGIN = 10 * MM


def footer_text(serial, instrument, page):
    return _("Form no. %(serial)s · %(code)s · page %(page)d", serial=serial_text(serial),
             code=f"{instrument.id} v{instrument.version}", page=page)


def one_page_forms(buffer, point, instrument, serials, lang, styles):
    """Lay the questions out once, as a PDF form XObject, and stamp it on every serial's
    page with its header: fast (a thousand pages in seconds) and small. False when the
    questionnaire does not fit one page (nothing is written then)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    width = A4[0] - 2 * PAGE_MARGIN
    top = A4[1] - TOP_MARGIN
    room = A4[1] - TOP_MARGIN - PAGE_MARGIN
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(instrument.title[lang])
    canvas.setAuthor("hailong")
    head_height = header(point, 1, lang, styles).wrapOn(canvas, width, room)[1]
    flowables = body(instrument, lang, styles)
    sizes = [f.wrapOn(canvas, width, room) for f in flowables]
    if head_height + sum(h for _, h in sizes) > room:
        return False
    canvas.beginForm("questions")
    y = top - head_height
    for flowable, (_, height) in zip(flowables, sizes, strict=True):
        flowable.drawOn(canvas, PAGE_MARGIN, y - height)
        y -= height
    canvas.endForm()
    for serial in serials:
        head = header(point, serial, lang, styles)
        head.wrapOn(canvas, width, room)
        head.drawOn(canvas, PAGE_MARGIN, top - head_height)
        canvas.doForm("questions")
        canvas.setFont(styles["small"].fontName, 7)
        canvas.drawRightString(A4[0] - PAGE_MARGIN, 7 * MM,
                               footer_text(serial, instrument, 1))
        canvas.showPage()
    canvas.save()
    return True


def flowing_forms(buffer, point, instrument, serials, lang, styles):
    """A questionnaire longer than a page: laid out per serial, over as many pages as it
    takes, the serial repeated at the foot of each."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate

    def footer(canvas, doc):
        serial = getattr(canvas, "_hailong_serial", None)
        if serial is not None:
            canvas.setFont(styles["small"].fontName, 7)
            canvas.drawRightString(A4[0] - PAGE_MARGIN, 7 * MM,
                                   footer_text(serial, instrument, doc.page))

    # the footer is drawn when a page ends, so it names the serial laid out on it
    doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
                          topMargin=TOP_MARGIN, bottomMargin=PAGE_MARGIN,
                          title=instrument.title[lang], author="hailong")
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="form")
    doc.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=footer)])
    story = []
    for serial in serials:
        if story:
            story.append(PageBreak())
        story += form_story(point, instrument, serial, lang, styles)
    doc.build(story)
