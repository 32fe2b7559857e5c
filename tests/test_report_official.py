"""The official periodic report (issue 13 §1): the DOCX opened with python-docx and its
text checked; every finding sentence checked against the numbers it cites."""
import io
import uuid
from datetime import date, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from analysis.publication import enough_data
from survey_app.cli import main
from survey_app.models import Role

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_text(data):
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture
def city(ctx):
    """The demo city (2,000 responses in 2025), invitations issued in 2025-Q4 (7 of 10
    answered) and SIPAS 2024 results with targets for 2025."""
    from survey_app.extensions import db
    from survey_app.models import Invitation, ServicePoint, Unit
    from survey_app.services import official
    from survey_app.services.demo import load_demo

    ctx.config["TODAY"] = date(2026, 1, 10)
    load_demo(2000, 2025, end=datetime(2026, 1, 1))
    unit = db.session.scalar(sa.select(Unit).filter_by(code="TPD"))
    point = db.session.scalar(sa.select(ServicePoint).join(Unit).where(Unit.code == "P-ANHOA"))
    for k in range(10):
        created = datetime(2025, 10, 5) + timedelta(days=k)
        db.session.add(Invitation(service_point_id=point.id, dossier_hash=f"{k:064d}",
                                  created_at=created, expires_at=created + timedelta(days=30),
                                  used_at=created if k < 7 else None))
    official.store(official.parse(
        "index,place,year,code,level,name_vi,max,result,target_next_year,lead_unit,source\n"
        "SIPAS,TPD,2024,5,2,Tiếp cận dịch vụ,100,80,99,,test\n"
        "SIPAS,TPD,2024,7,2,Công chức trực tiếp giải quyết công việc,100,80,50,,test\n"), unit)
    db.session.commit()
    yield unit
    ctx.config.pop("TODAY", None)


def test_the_docx_has_the_layout_of_an_administrative_report(runner, city, tmp_path):
    out = runner.invoke(main, ["report", "--unit", "TPD", "--period", "2025-Q4", "--format",
                               "docx", "-o", str(tmp_path / "r.docx"), "--number", "15/BC-SNV",
                               "--place", "Cần Thơ", "--parent-body", "UBND thành phố Demo",
                               "--issuer", "Sở Nội vụ", "--recipient", "Ủy ban nhân dân thành phố",
                               "--signer", "Nguyễn Văn A", "--signer-title", "KT. Giám đốc"])
    assert out.exit_code == 0, out.output
    text = docx_text((tmp_path / "r.docx").read_bytes())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "UBND THÀNH PHỐ DEMO", "SỞ NỘI VỤ", "Số: 15/BC-SNV",
                     "Cần Thơ, ngày …… tháng …… năm 2026", "BÁO CÁO",
                     "Kết quả đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ "
                     "của Thành phố Demo, quý IV năm 2025",
                     "Kính gửi: Ủy ban nhân dân thành phố", "I. KẾT QUẢ", "II. XẾP HẠNG",
                     "III. CHỈ TIÊU", "IV. PHƯƠNG PHÁP", "Nơi nhận:", "- Lưu: VT.",
                     "KT. GIÁM ĐỐC", "Nguyễn Văn A", "Khoảng hạng",
                     # the method section, in plain Vietnamese
                     "không phải là mẫu ngẫu nhiên", "tỷ lệ phản hồi 70,0%",
                     "Các phiếu được gia quyền (trọng số từ",
                     "khoảng giá trị mà giá trị thực nằm trong đó với độ tin cậy 95%",
                     "Chưa đủ dữ liệu: dưới 30 câu trả lời hợp lệ"):
        assert expected in text, expected
    assert text.index("Kính gửi") < text.index("I. KẾT QUẢ") < text.index("Nơi nhận")
    assert "%%" not in text and "%(" not in text


def test_the_docx_in_english_and_from_the_console(client, login, make_user, city):
    from survey_app.services.periods import parse_period
    from survey_app.services.reports import render

    english = docx_text(render(city, parse_period("2025-Q4"), "docx", "en"))
    assert "SOCIALIST REPUBLIC OF VIET NAM" in english and "To:" in english
    assert "Kính gửi" not in english and "the fourth quarter of 2025" in english
    login(make_user(role=Role.VIEWER, unit=city))
    reply = client.get(f"/admin/units/{city.id}/report.docx?period=2025-Q4")
    assert reply.status_code == 200 and reply.mimetype == DOCX
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in docx_text(reply.data)
    page = client.get(f"/admin/units/{city.id}/results?period=2025-Q4").get_data(as_text=True)
    assert "report.docx?period=2025-Q4" in page


def answers_of(unit, code, period):
    """{item: values} of the raw answers in the period, read without the report's code."""
    from survey_app.models import Response, Unit
    from tests.responses import answer_rows

    in_scope = sa.select(Response.id).join(Unit, Unit.id == Response.unit_id).where(
        Unit.path.startswith(unit.path),
        # periods are Vietnam's months: UTC+7
        Response.submitted_at >= period.start - timedelta(hours=7),
        Response.submitted_at < period.end - timedelta(hours=7))
    rows = answer_rows(Response.id.in_(in_scope))
    return np.array([v for _, c, v in rows if c == code and v is not None], dtype=float)


def test_every_finding_says_what_its_numbers_say(city):
    from flask_babel import force_locale

    from survey_app.extensions import db
    from survey_app.models import DossierCount
    from survey_app.services.periods import parse_period
    from survey_app.services.report_document import build
    from survey_app.services.reports import number, report_data
    from survey_app.services.results import unit_results

    # without dossier counts every weight is 1, so the shares below are the raw answers'
    # (weighted designs are checked against R in tests/test_design_r.py)
    db.session.execute(sa.delete(DossierCount))
    db.session.commit()
    period = parse_period("2025-Q4")
    with force_locale("vi"):
        report = build(city, period, report_data(city, period), "vi")
    counter = {f.kind: f for f in report.findings["sipas-counter"]}
    facts = report.facts["sipas-counter"]

    # the overall index is the dashboard's, and the sentence gives it with its CI
    overall = unit_results(city, "sipas-counter", period).overall.get("total")
    f = counter["overall"]
    assert f.numbers["estimate"] == pytest.approx(overall.estimate) and f.supported
    assert f"{number(overall.estimate)}% (khoảng tin cậy 95%: {number(overall.ci_low)}–" \
           f"{number(overall.ci_high)}%)" in f.text

    # a change is "significant" exactly when its adjusted p < 0.05
    for code, found in report.findings.items():
        for f in (f for f in found if f.kind == "change" and f.supported):
            significant = f.numbers["p"] < 0.05
            assert f.numbers["significant"] is significant, code
            assert ("không có ý nghĩa thống kê" in f.text) is not significant
            assert number(f.numbers["difference"], sign=True) in f.text
            if significant:
                assert ("tăng" in f.text) is (f.numbers["difference"] > 0)

    # the factors: both named ones pass the rule; "cao nhất/thấp nhất" only when p < 0.05
    for found in report.findings.values():
        f = next(f for f in found if f.kind == "factors")
        if not f.supported:
            continue
        assert f.numbers["high_estimate"] >= f.numbers["low_estimate"]
        assert ("Yếu tố cao nhất" in f.text) is (f.numbers["p"] < 0.05)
        assert f.numbers["significant"] is (f.numbers["p"] < 0.05)
    factors = [e for e in facts.analysis.domains[0].estimates
               if e.level == "factor" and enough_data(e)]
    f = counter["factors"]
    assert f.numbers["high_estimate"] == max(e.estimate for e in factors)
    assert f.numbers["low_estimate"] == min(e.estimate for e in factors)

    # the ranking: only units that pass the rule, best first, each inside its interval
    ranked = [r for r in facts.ranking if r.rank is not None]
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    assert all(enough_data(r.estimate) for r in ranked)
    assert all(not enough_data(r.estimate) for r in facts.ranking if r.rank is None)
    assert [r.estimate.estimate for r in ranked] == sorted((r.estimate.estimate for r in ranked),
                                                           reverse=True)
    assert all(r.low <= r.rank <= r.high for r in ranked)
    f = counter["ranking"]
    assert ranked[0].name in f.text and ranked[-1].name in f.text
    assert f"{ranked[0].low}–{ranked[0].high}" in f.text
    assert ("đứng đầu rõ rệt" in f.text) is (ranked[0].high == 1)

    # extra money or papers, and trips: the shares of the raw answers (equal weights)
    extra = answers_of(city, "extra_request", period)
    f = counter["extra_request"]
    assert f.numbers["estimate"] == pytest.approx(100 * (extra == 1).mean())
    assert f.numbers["n_valid"] == len(extra)
    assert f.text.startswith(f"{number(100 * (extra == 1).mean())}% người trả lời (KTC 95%: "
                             f"{number(f.numbers['ci_low'])}–{number(f.numbers['ci_high'])}%")
    trips = answers_of(city, "trips", period)
    f = counter["trips"]
    assert f.numbers["one_trip"] == pytest.approx(100 * (trips == 1).mean())
    assert f.numbers["mean"] == pytest.approx(trips.mean())
    assert number(trips.mean(), 2) in f.text
    assert f.numbers["ci_low"] < f.numbers["one_trip"] < f.numbers["ci_high"]


def test_targets_are_judged_with_their_gap_and_probability(city):
    from flask_babel import force_locale

    from survey_app.services.periods import parse_period
    from survey_app.services.report_document import build
    from survey_app.services.report_findings import target_findings
    from survey_app.services.reports import number, report_data

    period = parse_period("2025-Q4")
    with force_locale("vi"):
        report = build(city, period, report_data(city, period), "vi")
        found = target_findings(report.targets, "vi")
    assert {t.row.code for t, *_ in report.targets} == {"5", "7"}
    for (t, estimate, _unit, _digits), f in zip(report.targets, found, strict=True):
        assert f.numbers["gap"] == pytest.approx(t.row.target_next_year - t.estimate)
        instrument, node = t.source.split(":")
        assert estimate.code == node and t.estimate == pytest.approx(estimate.estimate)
        assert f.supported is enough_data(estimate)
        if f.supported:
            assert ("còn thiếu" in f.text) is (f.numbers["gap"] > 0)
            assert ("vượt" in f.text) is (f.numbers["gap"] <= 0)
            if t.probability is None:  # no official year to calibrate the gap on
                assert "chưa tính xác suất đạt chỉ tiêu" in f.text
            else:
                assert f"xác suất đạt chỉ tiêu {number(100 * t.probability, 0)}%" in f.text
        if t.nowcast is None:  # without a nowcast no probability is claimed (issue #11 §6)
            assert t.probability is None
    # a target of 50 % is far below the estimate
    seven = next(f for f in found if f.numbers["code"] == "7")
    assert "vượt" in seven.text and "chưa tính xác suất đạt chỉ tiêu" in seven.text


def test_the_xlsx_keeps_every_table_with_numbers(city):
    from survey_app.services.periods import parse_period
    from survey_app.services.reports import render

    book = load_workbook(io.BytesIO(render(city, parse_period("2025-Q4"), "xlsx")))
    # sheets named in the report's language (Vietnamese by default)
    assert {"Tóm tắt", "sipas-counter", "Nhận định", "Xếp hạng", "Chỉ tiêu", "Câu hỏi khác",
            "Phương pháp"} <= set(book.sheetnames)
    english = load_workbook(io.BytesIO(render(city, parse_period("2025-Q4"), "xlsx", "en")))
    assert {"summary", "findings", "ranking", "targets", "other questions",
            "method"} <= set(english.sheetnames)
    ranking = list(book["Xếp hạng"].iter_rows(min_row=2))
    ranked = [row for row in ranking if row[1].value is not None]
    assert ranked and all(isinstance(row[6].value, float) and row[6].number_format == "0.0"
                          for row in ranked)
    method = next(book["Phương pháp"].iter_rows(min_row=2))
    assert method[7].value == 10 and method[8].value == 7 and method[9].value == pytest.approx(0.7)
    assert method[9].number_format == "0.0%"
    targets = list(book["Chỉ tiêu"].iter_rows(min_row=2, values_only=True))
    assert {row[1] for row in targets} == {"5", "7"}
    findings = [row[2] for row in book["Nhận định"].iter_rows(min_row=2, values_only=True)]
    assert any(text.startswith("Chỉ số hài lòng tại quầy của kỳ báo cáo đạt") for text in findings)


def add_responses(point, month_start, satisfied_share, n, seed):
    """``n`` responses in the month, each item satisfied (5) with the given probability
    and otherwise dissatisfied (2)."""
    from survey_app.extensions import db
    from survey_app.models import Channel, Response
    from survey_app.services import instrument_store
    from tests.responses import answered

    rng = np.random.default_rng(seed)
    version = instrument_store.latest_version("sipas-counter")
    for k in range(n):
        response = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                            service_point_id=point.id, unit_id=point.unit_id,
                            channel=Channel.QR, submitted_at=month_start + timedelta(hours=k),
                            stratum="certification", weight=1.0)
        values = {item: 5 if rng.random() < satisfied_share else 2
                  for item in ("access", "procedures", "staff", "results", "feedback", "overall")}
        answered(response, {**values, "extra_request": 0, "trips": 1})
        db.session.add(response)
    db.session.commit()


def test_a_real_rise_is_called_significant(make_service_point):
    from flask_babel import force_locale

    from survey_app.services.periods import parse_period
    from survey_app.services.report_document import build
    from survey_app.services.reports import report_data

    point = make_service_point()
    add_responses(point, datetime(2025, 7, 1), 0.55, 150, 1)
    add_responses(point, datetime(2025, 10, 1), 0.92, 150, 2)
    period = parse_period("2025-Q4")
    with force_locale("vi"):
        report = build(point.unit, period, report_data(point.unit, period), "vi")
    change = next(f for f in report.findings["sipas-counter"] if f.kind == "change")
    assert change.numbers["p"] < 0.05 and change.numbers["difference"] > 20
    assert "chỉ số tăng" in change.text and "thay đổi có ý nghĩa thống kê" in change.text


def test_a_small_sample_makes_no_claim(make_service_point):
    from flask_babel import force_locale

    from survey_app.services.periods import parse_period
    from survey_app.services.report_document import build
    from survey_app.services.reports import number, render, report_data

    point = make_service_point()
    add_responses(point, datetime(2025, 10, 1), 0.8, 12, 3)
    period = parse_period("2025-Q4")
    with force_locale("vi"):
        report = build(point.unit, period, report_data(point.unit, period), "vi")
    found = report.findings["sipas-counter"]
    assert found and not any(f.supported for f in found)
    assert all(f.text.startswith("Chưa đủ dữ liệu") for f in found)
    overall = next(f for f in found if f.kind == "overall")
    assert f"{number(overall.numbers['estimate'])}%" not in overall.text
    text = docx_text(render(point.unit, period, "docx"))
    assert "Chưa đủ dữ liệu để công bố Chỉ số hài lòng tại quầy" in text
