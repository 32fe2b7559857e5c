"""Periodic reports of a unit (quarter, 6 months, 9 months, year): PDF with charts, XLSX."""
import io
from dataclasses import dataclass
from datetime import date

import instruments
from analysis.publication import enough_data
from survey_app.services.qr import POSTER_FONT, _font
from survey_app.services.results import (
    instruments_in_scope,
    period_comparisons,
    root_code,
    unit_results,
)


@dataclass(frozen=True)
class Section:
    instrument: str
    title: str
    results: object
    comparisons: list
    root: str | None


def report_data(unit, period):
    sections = []
    for code in instruments_in_scope(unit):
        results = unit_results(unit, code, period, by="service_point")
        if not results.n:
            continue
        title = instruments.get(code).title["vi"] if code in instruments.bundled() else code
        sections.append(Section(code, title, results, period_comparisons(unit, code, period),
                                root_code(results.overall)))
    return sections


def _fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


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
    ax.set_xlabel("% hài lòng (khoảng tin cậy 95%)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    plt.close(fig)
    return buffer.getvalue()


def render_pdf(unit, period, sections):
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
                            title=f"Báo cáo sự hài lòng {unit.code} {period.label}")
    story = [Paragraph(f"Báo cáo kết quả đo lường sự hài lòng — {unit.name_vi}", title),
             Spacer(1, 4),
             Paragraph(f"Kỳ báo cáo: {period.label} ({period.start:%d/%m/%Y} – "
                       f"{period.last_day:%d/%m/%Y}). Lập ngày {date.today():%d/%m/%Y} bằng "
                       "hailong. Chỉ số = tỷ lệ câu trả lời “Hài lòng” hoặc “Rất hài lòng” "
                       "trên các câu trả lời hợp lệ; khoảng tin cậy 95% tính theo thiết kế mẫu.",
                       body), Spacer(1, 8)]
    if not sections:
        story.append(Paragraph("Chưa có phiếu nào trong kỳ này.", body))
    for section in sections:
        root = section.results.overall.get(section.root)
        story += [Paragraph(section.title, heading),
                  Paragraph(f"{section.results.n} phiếu. Chỉ số chung: "
                            f"<b>{_fmt(root.estimate)}%</b> (KTC 95%: {_fmt(root.ci_low)}–"
                            f"{_fmt(root.ci_high)}%).", body)]
        for other, comparison in section.comparisons:
            if comparison.difference is None:
                continue
            name = "kỳ liền trước" if other.label == "previous" else "cùng kỳ năm trước"
            verdict = "có ý nghĩa thống kê" if (comparison.p_adjusted or 1) < 0.05 \
                else "không có ý nghĩa thống kê"
            story.append(Paragraph(f"So với {name}: {comparison.difference:+.1f} điểm "
                                   f"(KTC 95%: {_fmt(comparison.ci_low)} … "
                                   f"{_fmt(comparison.ci_high)}; {verdict}).", body))
        story += [Spacer(1, 6), Image(io.BytesIO(chart_png(section)), width=170 * mm,
                                      height=170 * mm * 0.55), Spacer(1, 6)]
        table = [["Mã", "Chỉ số", "%", "KTC 95%", "Số câu", "Điểm PAR", ""]]
        estimates = section.results.overall.estimates
        ordered = [e for e in estimates if e.level not in ("item", "respondent")] + \
            [e for e in estimates if e.level == "item"]
        for e in ordered:
            table.append([e.code, Paragraph(e.name, body), _fmt(e.estimate),
                          f"{_fmt(e.ci_low)}–{_fmt(e.ci_high)}", str(e.n_valid),
                          f"{_fmt(e.points, 2)}/{_fmt(e.max_points, 2)}" if e.max_points else "",
                          "" if enough_data(e) else "chưa đủ dữ liệu"])
        grid = Table(table, colWidths=[21 * mm, 64 * mm, 12 * mm, 23 * mm, 13 * mm, 22 * mm,
                                       25 * mm], repeatRows=1)
        grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 8),
                                  ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6f0fb")),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [grid, Spacer(1, 6)]
        if section.results.breakdown:
            rows = [["Quầy/điểm phục vụ", "%", "KTC 95%", "Số phiếu"]]
            for d in section.results.breakdown:
                e = d.get(section.root)
                rows.append([d.key[0], _fmt(e.estimate), f"{_fmt(e.ci_low)}–{_fmt(e.ci_high)}",
                             str(d.n)])
            by_point = Table(rows, repeatRows=1)
            by_point.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 8),
                                          ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
            story += [Paragraph("Theo quầy/điểm phục vụ", body), by_point, Spacer(1, 10)]
    doc.build(story)
    return buffer.getvalue()


def render_xlsx(unit, period, sections):
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "tom_tat"
    summary.append(["Đơn vị", unit.name_vi])
    summary.append(["Kỳ", period.label, period.start.date().isoformat(), period.last_day.isoformat()])
    summary.append([])
    summary.append(["Phiếu khảo sát", "Số phiếu", "Chỉ số chung", "KTC thấp", "KTC cao"])
    for section in sections:
        root = section.results.overall.get(section.root)
        summary.append([section.instrument, section.results.n, root.estimate, root.ci_low,
                        root.ci_high])
    for section in sections:
        sheet = book.create_sheet(section.instrument[:31])
        sheet.append(["Mã", "Chỉ số", "Cấp", "%", "KTC thấp", "KTC cao", "Số câu hợp lệ",
                      "Cỡ mẫu hiệu dụng", "Điểm PAR", "Điểm tối đa", "Đủ dữ liệu công bố"])
        for e in section.results.overall.estimates:
            sheet.append([e.code, e.name, e.level, e.estimate, e.ci_low, e.ci_high, e.n_valid,
                          e.n_eff, e.points, e.max_points, "có" if enough_data(e) else "không"])
        sheet.append([])
        sheet.append(["Quầy/điểm phục vụ", "%", "KTC thấp", "KTC cao", "Số phiếu"])
        for d in section.results.breakdown:
            e = d.get(section.root)
            sheet.append([d.key[0], e.estimate, e.ci_low, e.ci_high, d.n])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(unit, period, fmt):
    sections = report_data(unit, period)
    if fmt == "pdf":
        return render_pdf(unit, period, sections)
    if fmt == "xlsx":
        return render_xlsx(unit, period, sections)
    raise ValueError("format must be pdf or xlsx")
