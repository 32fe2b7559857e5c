"""Periodic reports of a unit (quarter, 6 months, 9 months, year): PDF with charts, XLSX.

The data is gathered once (``report_data``); ``report_pdf`` lays it out on paper, and
``render_xlsx`` below writes the same tables with real numbers and number formats.
"""
import io
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _gettext

from analysis.publication import MAX_CI_WIDTH, MIN_VALID, enough_data
from survey_app.services import instrument_store, org
from survey_app.services.results import (
    instruments_in_scope,
    ordered,
    period_comparisons,
    root_code,
    unit_results,
    weighting_text,
)
from survey_app.services.spreadsheet import xlsx_row

#: Number formats of the XLSX report: indices in %, PAR INDEX points, counts.
PERCENT, POINTS, COUNT, DAY = "0.0", "0.00", "#,##0", "dd/mm/yyyy"


def _(text, **variables):
    """gettext that always %-formats, as the templates' does: "95%% CI" prints "95% CI"."""
    return _gettext(text) % variables


@dataclass(frozen=True)
class Section:
    instrument: object  # instruments.schema.Instrument
    results: object
    comparisons: list
    root: str | None
    points: dict  # "UNIT/POINT" code of the breakdown -> ServicePoint

    @property
    def code(self):
        return self.instrument.id

    def title(self, lang):
        return self.instrument.title.get(lang) or self.instrument.title["vi"]

    def name(self, estimate, lang):
        """An index or item name in ``lang`` (the analysis names them in Vietnamese)."""
        if estimate.level == "respondent":
            return _("Respondents satisfied with every item")
        return names_in(self.instrument, lang).get(estimate.code, estimate.name)


def names_in(instrument, lang):
    names = {item.code: item.text.get(lang) or item.text["vi"] for item in instrument.items}
    names.update({node.code: node.name.get(lang) or node.name["vi"] for node in instrument.nodes()})
    return names


def report_data(unit, period):
    points = {f"{p.unit.code}/{p.code}": p for p in org.service_points_in_scope(unit)}
    sections = []
    for code in instruments_in_scope(unit):
        results = unit_results(unit, code, period, by="service_point")
        if not results.n:
            continue
        instrument = instrument_store.current_version(code)[1]
        sections.append(Section(instrument, results, period_comparisons(unit, code, period),
                                root_code(results.overall), points))
    return sections


def number(value, digits=1, lang="vi", sign=False):
    if value is None:
        return "–"
    text = f"{value:{'+' if sign else ''}.{digits}f}"
    return text.replace(".", ",") if lang == "vi" else text


def caveat():
    """What "not enough data" means (the publication rule of analysis.publication)."""
    return _("Not enough data: fewer than %(n)d valid answers or a 95%% confidence interval "
             "wider than %(width)d points. The number is only indicative and is not published.",
             n=MIN_VALID, width=int(MAX_CI_WIDTH))


def render_xlsx(unit, period, sections, lang="vi", extra=None):
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = _("summary")  # sheet names in the reader's language
    summary.append(xlsx_row(summary, [_("Unit"), unit.name(lang)]))
    summary.append(xlsx_row(summary, [_("Period"), period.label, period.start.date(),
                                      period.last_day], {2: DAY, 3: DAY}))
    summary.append([])
    summary.append(xlsx_row(summary, [_("Questionnaire"), _("Responses"), _("Index"),
                                      _("CI low"), _("CI high"), _("Enough data to publish"),
                                      _("Weighting")]))
    for section in sections:
        root = section.results.overall.get(section.root)
        summary.append(xlsx_row(summary, [
            section.title(lang), section.results.n, root.estimate, root.ci_low, root.ci_high,
            _("yes") if enough_data(root) else _("no"),
            weighting_text(section.results.weighting)],
            {1: COUNT, 2: PERCENT, 3: PERCENT, 4: PERCENT}))
    widths(summary, [46, 12, 12, 12, 12, 14, 40])
    for section in sections:
        sheet = book.create_sheet(section.code[:31])
        sheet.append(xlsx_row(sheet, [_("Code"), _("Index"), _("Level"), "%", _("CI low"),
                                      _("CI high"), _("Valid answers"), _("Effective n"),
                                      _("PAR points"), _("Max"), _("Enough data to publish")]))
        for e in ordered(section.results.overall):
            sheet.append(xlsx_row(sheet, [
                e.code, section.name(e, lang), e.level, e.estimate, e.ci_low, e.ci_high,
                e.n_valid, e.n_eff, e.points, e.max_points,
                _("yes") if enough_data(e) else _("no")],
                {3: PERCENT, 4: PERCENT, 5: PERCENT, 6: COUNT, 7: "0.0", 8: POINTS, 9: POINTS}))
        sheet.append([])
        sheet.append(xlsx_row(sheet, [_("Code"), _("Service point"), "%", _("CI low"),
                                      _("CI high"), _("Responses"), _("Enough data to publish")]))
        for d in section.results.breakdown:
            e = d.get(section.root)
            point = section.points.get(d.key[0])
            sheet.append(xlsx_row(sheet, [
                d.key[0], point.name(lang) if point else "", e.estimate, e.ci_low, e.ci_high,
                d.n, _("yes") if enough_data(e) else _("no")],
                {2: PERCENT, 3: PERCENT, 4: PERCENT, 5: COUNT}))
        widths(sheet, [16, 48, 10, 10, 10, 10, 12, 12, 10, 10, 14])
    if extra is not None:
        extra(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def widths(sheet, characters):
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(characters, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


#: The formats of a report: Word (offices edit it before signing), PDF, XLSX.
FORMATS = ("docx", "pdf", "xlsx")
MIMETYPES = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def render(unit, period, fmt, lang="vi", letterhead=None):
    """The report as bytes, in ``lang`` (vi or en); ``letterhead`` a
    ``report_document.Letterhead`` with what the office fills in (default: dots)."""
    from survey_app.services.report_document import build
    from survey_app.services.report_docx import render_docx
    from survey_app.services.report_pdf import chart_png, render_pdf
    from survey_app.services.report_xlsx import official_sheets

    if fmt not in FORMATS:
        raise ValueError("format must be docx, pdf or xlsx")
    sections = report_data(unit, period)
    with force_locale(lang):
        if fmt == "docx":
            return render_docx(build(unit, period, sections, lang, letterhead,
                                     charts=lambda section: chart_png(section, lang)))
        report = build(unit, period, sections, lang, letterhead)
        if fmt == "pdf":
            return render_pdf(unit, period, sections, lang, report)
        return render_xlsx(unit, period, sections, lang, extra=lambda book: official_sheets(
            book, report, lang))
