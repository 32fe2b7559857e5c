"""Workbooks written by hand, the way KoboToolbox exports a form."""
import io

from openpyxl import Workbook

LABEL_VI, LABEL_EN = "label::Vietnamese (vi)", "label::English (en)"


def workbook(sheets):
    """The bytes of an .xlsx with ``sheets``: {title: [header row, row, ...]}."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def kobo_form():
    """A small satisfaction form as a Kobo user would build it (with Kobo's own columns)."""
    return {
        "survey": [
            ["type", "name", LABEL_VI, LABEL_EN, "hint::Vietnamese (vi)", "hint::English (en)",
             "required", "appearance", "$kuid"],
            ["start", "start", None, None, None, None, None, None, "k1"],
            ["end", "end", None, None, None, None, None, None, "k2"],
            ["note", "intro", "Xin cảm ơn Ông/Bà", "Thank you", None, None, None, None, "k3"],
            ["begin_group", "quay", "Tại quầy", "At the counter", None, None, None,
             "field-list", "k4"],
            ["select_one satisfaction", "waiting", "Thời gian chờ hợp lý", "The wait was fine",
             None, None, "true", None, "k5"],
            ["select_one satisfaction_na", "online", "Nộp hồ sơ trực tuyến dễ dàng",
             "Filing online was easy", "Nếu có", "If you did", "true", None, "k6"],
            ["select_one yes_no", "extra_fee", "Có bị đòi thêm tiền không?",
             "Were you asked for extra money?", None, None, "true", None, "k7"],
            ["select_one visits", "visits", "Số lần đi lại", "Trips", None, None, "false",
             "horizontal", "k8"],
            ["text", "comment", "Góp ý", "Comments", None, None, None, "multiline", "k9"],
            ["end_group", None, None, None, None, None, None, None, "k10"],
        ],
        "choices": [
            ["list_name", "name", LABEL_VI, LABEL_EN, "$kuid"],
            ["satisfaction", 1, "Rất không hài lòng", "Very dissatisfied", "c1"],
            ["satisfaction", 2, "Không hài lòng", "Dissatisfied", "c2"],
            ["satisfaction", 3, "Bình thường", "Neutral", "c3"],
            ["satisfaction", 4, "Hài lòng", "Satisfied", "c4"],
            ["satisfaction", 5, "Rất hài lòng", "Very satisfied", "c5"],
            ["satisfaction_na", 1, None, None, "c6"],
            ["satisfaction_na", 2, None, None, "c7"],
            ["satisfaction_na", 3, None, None, "c8"],
            ["satisfaction_na", 4, None, None, "c9"],
            ["satisfaction_na", 5, None, None, "c10"],
            ["satisfaction_na", "na", "Không áp dụng", "Not applicable", "c11"],
            ["yes_no", 1, "Có", "Yes", "c12"],
            ["yes_no", 0, "Không", "No", "c13"],
            ["visits", "1", "Một lần", "Once", "c14"],
            ["visits", "2", "Hai lần trở lên", "Twice or more", "c15"],
        ],
        "settings": [
            ["form_title", "hailong::form_title::English (en)", "form_id", "version",
             "default_language", "style"],
            ["Ý kiến người dân", "Citizens' views", "y-kien", "3", "Vietnamese (vi)", "pages"],
        ],
    }


def with_cells(data, sheet, cells):
    """``data`` (an .xlsx) with ``cells`` ({"D2": value}) of ``sheet`` changed."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    for ref, value in cells.items():
        book[sheet][ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
