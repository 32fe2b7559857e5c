"""The official report as a Word file (python-docx), laid out per Nghị định 30/2020/NĐ-CP.

Times New Roman 13-14 pt, A4 with margins 20 mm top and bottom, 30 mm left, 15 mm right;
the letterhead and the signature block are borderless two-column tables, as offices make
them in Word. Text from the database goes in as plain runs: Word never reads it as markup.
"""
import io

from survey_app.services.report_document import Chart, Heading, Para, Table
from survey_app.services.reports import _

FONT = "Times New Roman"


def _run(paragraph, text, size=13, bold=False, italic=False, underline=False):
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name, run.font.size = FONT, Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    return run


def _paragraph(container, text="", size=13, bold=False, italic=False, align=None,
               space_after=4, indent=False):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    p = container.add_paragraph()
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.space_before = Pt(0)
    if indent:
        p.paragraph_format.first_line_indent = Cm(1)
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                   "justify": WD_ALIGN_PARAGRAPH.JUSTIFY, None: None}[align]
    if text:
        _run(p, text, size, bold, italic)
    return p


def _borderless(table):
    """Remove the borders Word's default table style draws (letterhead, signature)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _cell(table, row, column):
    cell = table.cell(row, column)
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    return cell


def letterhead(doc, report):
    from docx.shared import Mm

    head = report.letterhead
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    table.autofit = False
    for column, width in enumerate((Mm(65), Mm(100))):
        table.columns[column].width = width
        table.cell(0, column).width = width
    left, right = _cell(table, 0, 0), _cell(table, 0, 1)
    if head.parent_body:
        _paragraph(left, head.parent_body, 12, align="center", space_after=0)
    _paragraph(left, head.issuer, 12, bold=True, align="center", space_after=0)
    _paragraph(left, "———", 12, align="center", space_after=2)
    _paragraph(left, _("No.: %(number)s", number=head.number), 13, align="center",
               space_after=0)
    _paragraph(right, _("SOCIALIST REPUBLIC OF VIET NAM"), 12, bold=True, align="center",
               space_after=0)
    _paragraph(right, _("Independence - Freedom - Happiness"), 13, bold=True, align="center",
               space_after=0)
    _paragraph(right, "———————", 12, align="center", space_after=2)
    _paragraph(right, report.date_line, 13, italic=True, align="center", space_after=0)
    _paragraph(doc, "", space_after=6)
    _paragraph(doc, report.title, 14, bold=True, align="center", space_after=0)
    _paragraph(doc, report.summary, 14, bold=True, align="center", space_after=10)
    recipients = head.recipients
    p = _paragraph(doc, align="center", space_after=10)
    _run(p, _("To:") + " ", 14)
    _run(p, recipients[0] if len(recipients) == 1 else "", 14)
    if len(recipients) > 1:
        for name in recipients:
            _paragraph(doc, f"- {name};", 14, align="center", space_after=0)


def body(doc, blocks):
    from docx.shared import Mm

    for block in blocks:
        if isinstance(block, Heading):
            p = _paragraph(doc, block.text, 13 if block.level > 1 else 14, bold=True,
                           space_after=4)
            p.paragraph_format.keep_with_next = True
        elif isinstance(block, Para):
            _paragraph(doc, block.text, 13, italic=block.style == "caveat", align="justify",
                       indent=True)
        elif isinstance(block, Chart):
            doc.add_picture(io.BytesIO(block.png), width=Mm(160))
        elif isinstance(block, Table):
            table = doc.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for column, text in enumerate(block.header):
                cell = _cell(table, 0, column)
                _paragraph(cell, text, 10, bold=True, space_after=0)
            for row in block.rows:
                cells = table.add_row().cells
                for column, text in enumerate(row):
                    cell = cells[column]
                    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
                    _paragraph(cell, str(text), 10, space_after=0,
                               align="right" if column in block.numeric else None)
            for column, width in enumerate(block.widths):
                for cell in table.columns[column].cells:
                    cell.width = Mm(width * 160 / sum(block.widths))
            _paragraph(doc, "", space_after=4)


def signature(doc, report):
    from docx.shared import Mm

    head = report.letterhead
    _paragraph(doc, report.closing, 13, align="justify", indent=True, space_after=10)
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    for column, width in enumerate((Mm(80), Mm(85))):
        table.cell(0, column).width = width
    left, right = _cell(table, 0, 0), _cell(table, 0, 1)
    _paragraph(left, _("Recipients:"), 12, bold=True, italic=True, space_after=0)
    for line in (*(f"- {name};" for name in head.recipients), _("- Archived: VT.")):
        _paragraph(left, line, 11, space_after=0)
    _paragraph(right, head.signer_title, 13, bold=True, align="center", space_after=0)
    _paragraph(right, _("(Signature, seal)"), 12, italic=True, align="center", space_after=60)
    _paragraph(right, head.signer_name, 13, bold=True, align="center", space_after=0)


def render_docx(report):
    from docx import Document
    from docx.shared import Mm

    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = FONT
    doc.core_properties.title = report.summary
    letterhead(doc, report)
    body(doc, report.body)
    signature(doc, report)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
