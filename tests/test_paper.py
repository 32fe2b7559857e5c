"""Paper forms typed twice: codes, double entry, reconciliation, counting (services)."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

import instruments
from survey_app.extensions import db
from survey_app.models import AuditLog, Channel, Comment, PaperEntry, Response, Role
from survey_app.services import packing, paper
from survey_app.services.paper_codes import check_codes, fields, raw_answers

# sipas-counter in printed order: access procedures staff results feedback overall
# extra_request (yes/no, sensitive) trips (choice) comment, respondent_type sex age_band
FORM = {"access": "5", "procedures": "4", "staff": "5", "results": "3", "feedback": "0",
        "overall": "4", "extra_request": "2", "trips": "1", "comment": "Nhanh  gọn",
        "respondent_type": "1", "sex": "2", "age_band": "9"}


def test_codes_follow_the_printed_order_and_the_citizen_forms_answers():
    inst = instruments.get("sipas-counter")
    layout = fields(inst)
    assert [f.name for f in layout] == [i.code for i in inst.items] + list(inst.profile)
    assert [f.number for f in layout] == list(range(1, len(layout) + 1))
    by_name = {f.name: f for f in layout}
    assert by_name["feedback"].allowed() == "1234509"  # không áp dụng allowed here
    assert by_name["access"].allowed() == "123459"  # and not here
    assert by_name["extra_request"].allowed() == "129"  # Có, Không, prefers not to say
    raw = raw_answers(inst, FORM)
    assert raw["feedback"] == "na" and raw["extra_request"] == "0" and raw["trips"] == "1"
    assert raw["sex"] == "male" and raw["age_band"] == ""
    nine = raw_answers(inst, {**FORM, "extra_request": "9", "access": "9"})
    assert nine["extra_request"] == "decline" and nine["access"] == ""


def test_a_box_left_empty_or_a_wrong_code_is_named():
    inst = instruments.get("sipas-counter")
    problems = check_codes(inst, {**FORM, "access": "", "staff": "7", "results": "0"})
    assert problems["access"][0] == "missing"
    assert problems["staff"] == ("code", {"codes": "123459"})
    assert problems["results"][0] == "code"  # 0 is not allowed where there is no "n/a"
    assert set(problems) == {"access", "staff", "results"}


@pytest.fixture
def setup(make_service_point, make_user):
    point = make_service_point()
    first = make_user(role=Role.DATA_ENTRY, unit=point.unit)
    second = make_user(role=Role.COUNTER_OFFICER, unit=point.unit)
    manager = make_user(role=Role.UNIT_MANAGER, unit=point.unit)
    batch = paper.create_batch(first, point, date(2026, 3, 2), 101, 103)
    db.session.commit()
    return point, batch, first, second, manager


def responses():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Response))


def test_double_entry_reconciliation_and_counting(setup):
    point, batch, first, second, manager = setup
    for serial in batch.serials:
        paper.save_entry(batch, first, serial, FORM)
    paper.save_entry(batch, second, 101, FORM)
    paper.save_entry(batch, second, 102, {**FORM, "staff": "4", "comment": "Nhanh gọn"})
    paper.save_entry(batch, second, 103, {}, blank=True)
    db.session.commit()

    state = paper.progress(batch)
    assert (state.total, state.twice, state.matched, state.to_reconcile) == (3, 3, 1, 2)
    # whitespace in a comment is no difference; a different digit is
    # whether the form came back blank is settled before its answers
    assert {(m.serial, m.field, m.first, m.second) for m in state.mismatches} == {
        (102, "staff", "5", "4"), (103, "_blank", "", "1")}
    with pytest.raises(paper.PaperProblem) as refused:
        paper.count_batch(batch, manager)
    assert refused.value.code == "incomplete"
    assert responses() == 0  # nothing of an unreconciled batch is a response

    paper.choose(batch, manager, 102, "staff", "2")  # the second typist read it right
    with pytest.raises(paper.PaperProblem) as blank_first:
        paper.choose(batch, manager, 103, "access", "1")
    assert blank_first.value.code == "blank_first"
    paper.decide(batch, manager, 103, "_blank", "1")  # the paper came back blank: no more
    db.session.commit()
    assert paper.progress(batch).complete
    stored = paper.count_batch(batch, manager)
    db.session.commit()
    assert stored == 2 and responses() == 2

    rows = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
    assert {r.channel for r in rows} == {Channel.PAPER}
    assert {r.submitted_at for r in rows} == {datetime(2026, 3, 2, 3, 0)}
    assert {r.service_point_id for r in rows} == {point.id}
    assert rows[0].sex == "male" and rows[0].age_band is None
    answers = packing.values_of(rows[1])
    assert answers["staff"] == 4 and answers["feedback"] is None and answers["extra_request"] == 0
    assert db.session.scalar(sa.select(Comment.text).where(Comment.response_id == rows[0].id)) \
        == "Nhanh gọn"

    actions = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "paper.reconcile")
                                 .order_by(AuditLog.id)).all()
    assert actions[0].detail == {"serial": 102, "field": "staff", "first": "5", "second": "4",
                                 "chosen": "4"}
    assert actions[0].user_id == manager.id
    counted = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "paper.batch_count"))
    assert counted.detail == {"responses": 2, "blank": 1}

    with pytest.raises(paper.PaperProblem) as again:
        paper.count_batch(batch, manager)
    assert again.value.code == "counted"
    with pytest.raises(paper.PaperProblem):
        paper.save_entry(batch, first, 101, FORM)


def test_serial_ranges_in_a_line():
    assert paper.serial_ranges([8, 3, 4, 5, 10, 11]) == "3–5, 8, 10–11"
    assert paper.serial_ranges([]) == ""


def test_the_second_typing_must_be_someone_elses(setup, make_user):
    point, batch, first, second, manager = setup
    paper.save_entry(batch, first, 101, FORM)
    state = paper.progress(batch)
    assert state.waiting == [102, 103] and state.typed_once == {101: first.username}
    # typing the same serial again corrects one's own typing, it is no second pass
    paper.save_entry(batch, first, 101, {**FORM, "access": "4"})
    entries = db.session.scalars(sa.select(PaperEntry)).all()
    assert [(e.pass_no, e.codes["access"]) for e in entries] == [(1, "4")]
    assert paper.next_serial(batch, first) == 102
    assert paper.next_serial(batch, second) == 101
    paper.save_entry(batch, second, 101, FORM)
    third = make_user(role=Role.DATA_ENTRY, unit=point.unit)
    with pytest.raises(paper.PaperProblem) as refused:
        paper.save_entry(batch, third, 101, FORM)
    assert refused.value.code == "twice"
    assert paper.next_serial(batch, third) == 102
    with pytest.raises(paper.PaperProblem) as outside:
        paper.save_entry(batch, third, 104, FORM)
    assert outside.value.code == "serial"
    with pytest.raises(paper.PaperProblem) as invalid:
        paper.save_entry(batch, third, 102, {**FORM, "overall": "6"})
    assert invalid.value.params["problems"] == {"overall": ("code", {"codes": "123459"})}


def test_decisions_take_only_the_fields_codes(setup):
    point, batch, first, second, manager = setup
    paper.save_entry(batch, first, 101, FORM)
    paper.save_entry(batch, second, 101, {**FORM, "access": "4"})
    with pytest.raises(paper.PaperProblem) as wrong:
        paper.decide(batch, manager, 101, "access", "0")
    assert wrong.value.code == "code"
    with pytest.raises(paper.PaperProblem) as agreed:
        paper.decide(batch, manager, 101, "staff", "5")
    assert agreed.value.code == "nothing_to_decide"
    paper.choose(batch, manager, 101, "access", "other", "3")
    assert paper.decisions_of(batch) == {(101, "access"): "3"}


def test_batches_of_a_point_do_not_overlap(setup):
    point, batch, first, *_ = setup
    with pytest.raises(paper.PaperProblem) as overlap:
        paper.create_batch(first, point, date(2026, 3, 3), 103, 110)
    assert overlap.value.code == "overlap"
    with pytest.raises(paper.PaperProblem) as backwards:
        paper.create_batch(first, point, date(2026, 3, 3), 120, 110)
    assert backwards.value.code == "range"
    with pytest.raises(paper.PaperProblem) as huge:
        paper.create_batch(first, point, date(2026, 3, 3), 1000, 1000 + paper.MAX_FORMS)
    assert huge.value.code == "too_many"
    assert paper.create_batch(first, point, date(2026, 3, 3), 104, 110).serials == range(104, 111)


def test_a_questionnaire_longer_than_a_page_flows_on_with_its_serial(ctx, make_service_point,
                                                                     tmp_path):
    import io
    import shutil
    import subprocess

    from flask_babel import force_locale

    from survey_app.services import paper_pdf

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    point = make_service_point(name_vi="Quầy Đất đai")
    buffer = io.BytesIO()
    styles = paper_pdf.styles_for()
    # questions in the title font make sipas-2023 longer than a page: the flowing layout
    inst = instruments.get("sipas-2023")
    with force_locale("vi"):
        paper_pdf.flowing_forms(buffer, point, inst, range(7, 9), "vi",
                                {**styles, "cell": styles["title"]})
    path = tmp_path / "long.pdf"
    path.write_bytes(buffer.getvalue())
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == 4  # two pages per serial
    assert [("000007" in p, "000008" in p) for p in pages] == [
        (True, False), (True, False), (False, True), (False, True)]
    assert "trang 2" in pages[1] and "Quầy Đất đai" in pages[2]
