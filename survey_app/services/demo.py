"""A demo city with its units, service points, staff and a year of plausible responses."""
import uuid
from datetime import date, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from instruments.schema import PROFILE_FIELDS
from survey_app.extensions import db
from survey_app.models import Channel, Comment, Procedure, Response, Role, Unit, User
from survey_app.services import instrument_store, org, packing

DEMO_PASSWORD = "hailong-demo"  # noqa: S105 - printed for the demo; never used in production

# (code, name, kind, parent code, [(point code, point name, sector, instrument)])
DEMO_UNITS = [
    ("TPD", "Thành phố Demo", "province", None, []),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công", "service_centre", "TPD", [
        ("Q01", "Quầy đất đai", "land", "sipas-counter"),
        ("Q02", "Quầy xây dựng", "construction", "sipas-counter"),
        ("Q03", "Quầy đăng ký kinh doanh", "business", "sipas-counter"),
    ]),
    ("SO-NNMT", "Sở Nông nghiệp và Môi trường", "department", "TPD", [
        ("DD", "Bộ phận một cửa đất đai", "land", "sipas-services"),
    ]),
    ("SO-XD", "Sở Xây dựng", "department", "TPD", [
        ("CPXD", "Bộ phận cấp phép xây dựng", "construction", "sipas-counter"),
    ]),
    ("SO-TP", "Sở Tư pháp", "department", "TPD", [
        ("HT", "Bộ phận hộ tịch, lý lịch tư pháp", "justice", "sipas-counter"),
    ]),
    ("P-ANHOA", "Phường An Hòa", "ward", "TPD", [
        ("CT", "Quầy chứng thực", "certification", "sipas-counter"),
        ("DD", "Quầy đất đai", "land", "sipas-counter"),
    ]),
    ("X-TANPHU", "Xã Tân Phú", "commune", "TPD", [
        ("CT", "Quầy chứng thực", "certification", "sipas-counter"),
        ("TP", "Quầy tư pháp, hộ tịch", "justice", "sipas-counter"),
    ]),
    ("P-BINHMINH", "Phường Bình Minh", "ward", "TPD", [
        ("CT", "Quầy chứng thực", "certification", "sipas-counter"),
    ]),
    ("X-LONGTHANH", "Xã Long Thạnh", "commune", "TPD", [
        ("CT", "Quầy chứng thực", "certification", "sipas-counter"),
    ]),
    ("BV-DK", "Bệnh viện Đa khoa Thành phố", "hospital", "TPD", [
        ("KKB", "Khoa Khám bệnh", "health", "health-outpatient"),
    ]),
    ("THCS-AH", "Trường THCS An Hòa", "school", "P-ANHOA", [
        ("PH", "Cổng trường (phụ huynh)", "education", "education-parents"),
    ]),
]
# retired on 1 July 2025 (valid_to below); the console says "(đã giải thể)" itself
RETIRED_DISTRICT = ("Q-CU", "Quận Cũ", "district", "TPD")
DEMO_USERS = [
    ("admin", Role.ADMIN, "TPD"),
    ("analyst", Role.ANALYST, "TPD"),
    ("anhoa", Role.UNIT_MANAGER, "P-ANHOA"),
    ("quay", Role.COUNTER_OFFICER, "TTPVHCC"),
]
# Demo codes in the dotted shape of the national catalogue (not its real codes), so that
# the example of docs/api.md works: (code, name vi, name en, sector).
DEMO_PROCEDURES = [
    ("1.001", "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
     "Certified copy of a document from its original", "certification"),
    ("1.002", "Chứng thực chữ ký trong giấy tờ, văn bản", "Certification of a signature",
     "certification"),
    ("1.003", "Đăng ký khai sinh", "Birth registration", "justice"),
    ("1.004", "Đăng ký kết hôn", "Marriage registration", "justice"),
    ("1.005", "Cấp Phiếu lý lịch tư pháp", "Criminal record certificate", "justice"),
    ("1.006", "Đăng ký biến động quyền sử dụng đất", "Registration of a change in land use rights",
     "land"),
    ("1.007", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
     "First land use rights certificate", "land"),
    ("1.008", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a private house",
     "construction"),
    ("1.009", "Đăng ký thành lập hộ kinh doanh", "Registration of a household business",
     "business"),
    ("1.010", "Đăng ký thành lập doanh nghiệp tư nhân", "Registration of a private enterprise",
     "business"),
]

COMMENTS = [
    "Cán bộ hướng dẫn nhiệt tình, cảm ơn.",
    "Chờ hơi lâu, nên có thêm ghế ngồi.",
    "Nên có bảng hướng dẫn rõ hơn.",
    "Hồ sơ trả đúng hẹn, rất hài lòng.",
    "Phải đi lại nhiều lần vì thiếu giấy tờ, mong hướng dẫn một lần cho đủ.",
    "Máy lấy số thứ tự bị hỏng.",
    "Thái độ phục vụ tốt.",
]


def create_org():
    by_code = {}
    for code, name, kind, parent_code, points in DEMO_UNITS:
        unit = org.create_unit(code, name, kind, parent=by_code.get(parent_code))
        by_code[code] = unit
        for point_code, point_name, sector, instrument in points:
            org.create_service_point(unit, point_code, point_name, sector, instrument)
    code, name, kind, parent_code = RETIRED_DISTRICT
    org.create_unit(code, name, kind, parent=by_code[parent_code],
                    valid_from=date(2010, 1, 1), valid_to=date(2025, 6, 30),
                    successor=by_code["P-ANHOA"])
    return by_code


def create_users(by_code):
    hashed = generate_password_hash(DEMO_PASSWORD)
    for username, role, unit_code in DEMO_USERS:
        db.session.add(User(username=username, password_hash=hashed, role=role,
                            unit=by_code[unit_code]))
    db.session.flush()
    return [u[0] for u in DEMO_USERS]


def create_procedures():
    """The demo's procedures, by sector (codes the demo makes up; see DEMO_PROCEDURES)."""
    by_sector = {}
    for code, name_vi, name_en, sector in DEMO_PROCEDURES:
        procedure = Procedure(code=code, name_vi=name_vi, name_en=name_en, sector=sector)
        db.session.add(procedure)
        by_sector.setdefault(sector, []).append(procedure)
    db.session.flush()
    return by_sector


def assign_procedures(responses, points, by_sector, rng):
    """Most responses at a counter name one of its sector's procedures, as the one-stop
    software would; a separate random stream keeps the answers of a seed unchanged."""
    sector_of = {p.id: getattr(p.sector, "value", p.sector) for p in points}
    for response in responses:
        choices = by_sector.get(sector_of[response.service_point_id], [])
        if choices and rng.random() < 0.8:
            response.procedure_id = choices[int(rng.integers(len(choices)))].id


def answer_value(rng, level):
    """A 1-5 answer around a satisfaction ``level`` in (0, 1)."""
    p_top = level
    draw = rng.random()
    if draw < p_top * 0.45:
        return 5
    if draw < p_top:
        return 4
    return int(rng.choice([1, 2, 3], p=[0.15, 0.3, 0.55]))


def generate_responses(points, n, rng, end=None, procedures=None, procedure_seed=0):
    """``n`` responses spread over the 12 months before ``end`` across ``points``.

    ``procedures`` (sector -> procedures) names a procedure on most of them.
    """
    end = end or datetime.now().replace(microsecond=0)
    levels = {p.id: rng.uniform(0.72, 0.95) for p in points}
    versions = {p.id: instrument_store.latest_version(p.instrument_code) for p in points}
    parsed = {p.id: instrument_store.load(versions[p.id]) for p in points}
    rows = []
    for _ in range(n):
        point = points[int(rng.integers(len(points)))]
        instrument = parsed[point.id]
        age_days = float(rng.uniform(0, 365))
        # Satisfaction drifts up over the year, as plans expect of a unit that acts.
        level = min(0.98, levels[point.id] + 0.05 * (1 - age_days / 365))
        channel = rng.choice([Channel.QR, Channel.KIOSK, Channel.INVITATION], p=[0.7, 0.15, 0.15])
        response = Response(
            province_id=org.province_of_unit(point.unit_id),
            client_uuid=uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | int(rng.integers(0, 2**63))),
            instrument_version_id=versions[point.id].id, service_point_id=point.id,
            unit_id=point.unit_id, channel=channel, verified=channel == Channel.INVITATION,
            locale="vi", submitted_at=end - timedelta(days=age_days),
            stratum=str(point.sector), weight=1.0,
        )
        for name in instrument.profile:
            if rng.random() < 0.6:
                setattr(response, name, PROFILE_FIELDS[name][int(rng.integers(
                    len(PROFILE_FIELDS[name])))][0])
        answers = {}
        for item in instrument.items:
            if item.type == "likert5":
                value = None if item.not_applicable and rng.random() < 0.4 \
                    else answer_value(rng, level)
            elif item.type == "yesno":
                value = int(rng.random() < 0.04)
            elif item.type == "choice":
                values = [o.value for o in item.options]
                value = values[min(len(values) - 1, int(rng.geometric(0.7)) - 1)]
            else:
                if rng.random() < 0.08:
                    response.comment = Comment(text=COMMENTS[int(rng.integers(len(COMMENTS)))])
                continue
            answers[item.code] = value
        response.answer_codes = packing.pack(
            packing.slots_of_version(versions[point.id].id), answers)
        rows.append(response)
    db.session.add_all(rows)
    db.session.flush()
    if procedures:
        assign_procedures(rows, points, procedures, np.random.default_rng(procedure_seed))
        db.session.flush()
    return len(rows)


#: The demo unit whose service points report no dossier counts (its results stay unweighted).
UNCOUNTED_UNIT = "X-LONGTHANH"


def create_dossier_counts(points, rng):
    """Dossiers returned per service point and month, as the one-stop software would send
    them: responses are 5-25 % of dossiers. The points of ``UNCOUNTED_UNIT`` send none,
    so the demo shows "unweighted" somewhere."""
    from survey_app.models import DossierCount, InstrumentVersion
    from survey_app.services.survey_design import cells_for

    counted = [p for p in points if p.unit.code != UNCOUNTED_UNIT]
    versions = db.session.scalars(sa.select(InstrumentVersion.id)).all()
    facts = cells_for([p.id for p in counted], versions)
    rows = [DossierCount(service_point_id=point, month=month,
                         count=int(round(n / rng.uniform(0.05, 0.25))))
            for (point, month), n in sorted(facts.responses.items())]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


def load_demo(n_responses=2000, seed=2025, end=None):
    """Create the demo once; return a summary, or None when it already exists.

    The responses cover the 12 months before ``end`` (default: now; tests fix it).
    """
    if db.session.scalar(sa.select(Unit).filter_by(code="TPD")) is not None:
        return None
    instrument_store.sync_bundled()
    by_code = create_org()
    usernames = create_users(by_code)
    points = org.service_points_in_scope(by_code["TPD"])
    count = generate_responses(points, n_responses, np.random.default_rng(seed), end,
                               procedures=create_procedures(), procedure_seed=seed + 1)
    create_dossier_counts(points, np.random.default_rng(seed + 2))
    return {"usernames": usernames, "password": DEMO_PASSWORD, "responses": count,
            "points": points}
