"""The codebook of a responses export: every column with its labels and codes (vi, en)."""
from instruments.schema import PROFILE_FIELDS, SATISFACTION_LABELS
from survey_app.models import Channel, Sector


def _codes(values):
    return "; ".join(values)


def _profile(name, lang):
    return "; ".join(f"{code}={label[lang]}" for code, label in PROFILE_FIELDS[name])


#: (column, label vi, label en, values vi, values en) of the columns before the items.
FIXED = [
    ("response", "Mã phiếu", "Response number", "", ""),
    ("submitted_at", "Thời điểm gửi (giờ UTC; giờ Việt Nam = UTC + 7)",
     "Submitted at (UTC; Vietnam time = UTC + 7)", "", ""),
    ("unit", "Mã đơn vị", "Unit code", "", ""),
    ("service_point", "Mã quầy, điểm phục vụ (trong đơn vị)",
     "Service point code (within its unit)", "", ""),
    ("sector", "Lĩnh vực", "Sector", _codes(s.value for s in Sector), _codes(s.value for s in Sector)),
    ("channel", "Kênh", "Channel", _codes(c.value for c in Channel), _codes(c.value for c in Channel)),
    ("verified", "Trả lời qua lời mời theo hồ sơ (đã xác thực)",
     "Answered through a dossier invitation (verified)", "1=có; 0=không", "1=yes; 0=no"),
    ("respondent_type", "Đối tượng", "Respondent type", _profile("respondent_type", "vi"),
     _profile("respondent_type", "en")),
    ("sex", "Giới tính", "Sex", _profile("sex", "vi"), _profile("sex", "en")),
    ("age_band", "Nhóm tuổi", "Age band", _profile("age_band", "vi"), _profile("age_band", "en")),
    ("stratum", "Tầng: quầy, điểm phục vụ (đơn vị/quầy)",
     "Stratum: the service point (unit/point)", "", ""),
    ("psu", "Đơn vị mẫu bậc 1: quầy x ngày (giờ Việt Nam)",
     "Primary sampling unit: service point x day (Vietnam time)", "", ""),
    ("cell", "Ô hậu phân tầng: quầy x tháng (giờ Việt Nam)",
     "Post-stratification cell: service point x month (Vietnam time)", "", ""),
    ("cell_population", "Số hồ sơ đã trả kết quả của ô (không có số hồ sơ: số phiếu của ô)",
     "Dossiers returned in the cell (without a count: the cell's responses)", "", ""),
    ("weight", "Trọng số = cell_population / số phiếu của ô (1 khi không có số hồ sơ)",
     "Weight = cell_population / responses in the cell (1 without a dossier count)", "", ""),
    ("quarantined", "Bị giữ lại (nghi gửi hàng loạt), không tính vào chỉ số",
     "Held in quarantine (suspected stuffing), left out of the indices",
     "1=có; 0=không", "1=yes; 0=no"),
]
#: The columns after the items.
TRAILING = [
    ("comment", "Ý kiến (thư điện tử, số điện thoại, số giấy tờ đã được che)",
     "Comment (e-mail addresses, phone and ID numbers masked)", "", ""),
    ("comment_status", "Trạng thái kiểm duyệt ý kiến", "Moderation status of the comment",
     "new=chưa duyệt; published=đã công khai; hidden=đã ẩn; abusive=vi phạm",
     "new=not moderated; published=published; hidden=hidden; abusive=abusive"),
]
NOT_APPLICABLE_LABEL = {"vi": "Không áp dụng", "en": "Not applicable"}
NOTES = [
    ("Ô trống = không trả lời. Không áp dụng = na (CSV, XLSX); -1, giá trị khuyết do "
     "người dùng định nghĩa (SPSS); .a (Stata).",
     "Empty = no answer. Not applicable = na (CSV, XLSX); -1, a user-missing value (SPSS); "
     ".a, an extended missing value (Stata)."),
    ("CSV: ô chữ bắt đầu bằng = + - @ được thêm dấu ' ở đầu để bảng tính không coi là công thức.",
     "CSV: text cells starting with = + - @ get a leading ' so that spreadsheets do not run "
     "them as formulas."),
]


def item_columns(instrument):
    return [item for item in instrument.items if item.type != "text"]


def value_labels(item, lang="vi"):
    if item.type == "likert5":
        return {v: label[lang] for v, label in SATISFACTION_LABELS.items()}
    return {o.value: o.label[lang] for o in item.options}


def _item_values(item, lang):
    text = "; ".join(f"{v}={t}" for v, t in value_labels(item, lang).items())
    if item.not_applicable:
        text += f"; na={NOT_APPLICABLE_LABEL[lang]}"
    return text


def codebook_rows(instrument):
    """The codebook as rows, its header first and its notes last."""
    rows = [("variable", "label_vi", "label_en", "values_vi", "values_en"), *FIXED]
    for item in item_columns(instrument):
        rows.append((item.code, item.text["vi"], item.text["en"], _item_values(item, "vi"),
                     _item_values(item, "en")))
    rows += TRAILING
    rows += [("", vi, en, "", "") for vi, en in NOTES]
    return rows


def variable_labels(instrument, limit=None):
    """Column -> "label vi / label en" for SPSS and Stata (Stata keeps 80 characters)."""
    labels = {name: f"{vi} / {en}" for name, vi, en, *_ in FIXED + TRAILING}
    labels.update({item.code: item.text["vi"] for item in item_columns(instrument)})
    return {k: v[:limit] for k, v in labels.items()} if limit else labels
