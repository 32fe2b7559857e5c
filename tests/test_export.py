"""Exports read back: counts, values and labels in CSV, XLSX, SPSS and Stata."""
import csv
import io

import pandas as pd
import pyreadstat
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import Response, Role
from survey_app.services import packing
from tests.responses import answer_rows, answered


@pytest.fixture
def demo(demo_city):
    return demo_city(300, 5)["TPD"]


def counter_responses():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Response).join(
        Response.service_point).where(sa.text("service_point.instrument_code = 'sipas-counter'")))


def test_csv_streams_every_response_with_its_answers(client, login, make_user, demo):
    login(make_user(role=Role.ANALYST, unit=demo))
    reply = client.get(f"/admin/units/{demo.id}/export?instrument=sipas-counter&format=csv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    assert len(rows) == counter_responses()
    first = db.session.get(Response, int(rows[0]["response"]))
    answers = packing.values_of(first)
    assert rows[0]["access"] == str(answers["access"])
    assert rows[0]["feedback"] == ("na" if answers["feedback"] is None else str(answers["feedback"]))


def test_spss_and_stata_keep_labels(runner, demo, tmp_path):
    for fmt in ("sav", "dta"):
        path = tmp_path / f"out.{fmt}"
        out = runner.invoke(main, ["export", "--unit", "TPD", "--instrument", "sipas-counter",
                                   "--format", fmt, "-o", str(path),
                                   "--codebook", str(tmp_path / "codebook.csv")])
        assert out.exit_code == 0, out.output
        reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        frame, meta = reader(str(path))
        assert len(frame) == counter_responses()
        assert meta.variable_value_labels["access"][5.0 if fmt == "sav" else 5] == "Rất hài lòng"
        assert meta.variable_value_labels["extra_request"][0] == "Không"
        assert meta.column_names_to_labels["access"].startswith("Nơi tiếp nhận hồ sơ")
        valid = sum(1 for _id, code, value in answer_rows()
                    if code == "access" and value is not None and value >= 4)
        assert int((frame["access"] >= 4).sum()) == valid
    assert "Rất không hài lòng" in (tmp_path / "codebook.csv").read_text(encoding="utf-8")


def test_xlsx_has_responses_and_codebook(client, login, make_user, demo):
    login(make_user(unit=demo))
    reply = client.get(f"/admin/units/{demo.id}/export?instrument=sipas-counter&format=xlsx")
    book = load_workbook(io.BytesIO(reply.data), read_only=True)
    assert sum(1 for _ in book["responses"].iter_rows()) == counter_responses() + 1
    assert sum(1 for _ in book["codebook"].iter_rows()) > 10
    book.close()


def test_export_limits(client, login, make_user, demo, runner):
    login(make_user(role=Role.COUNTER_OFFICER, unit=demo))
    assert client.get(f"/admin/units/{demo.id}/export").status_code == 403
    out = runner.invoke(main, ["export", "--unit", "TPD", "--instrument", "sipas-counter",
                               "--period", "2025-Q7", "-o", "/tmp/x.csv"])
    assert out.exit_code == 2 and "2025-Q3" in out.output


def get_as_a_server_would(app, user, url):
    """Log in and GET ``url`` in a thread of its own, with no app context from the test.

    That is how a WSGI server runs a request: the request's database session is removed at
    teardown, before the streamed body is read. The whole body is read.
    """
    import threading

    from flask.testing import FlaskClient

    from tests.conftest import PASSWORD, csrf_from

    outcome, username = {}, user.username

    def run():
        try:
            client = FlaskClient(app, use_cookies=True)
            page = client.get("/admin/login")
            client.post("/admin/login", data={"username": username, "password": PASSWORD,
                                              "csrf_token": csrf_from(page.data)})
            reply = client.get(url)
            outcome["status"] = reply.status_code
            outcome["body"] = reply.get_data(as_text=True)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            import traceback

            outcome["error"] = "".join(traceback.format_exception(exc))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert "error" not in outcome, outcome.get("error")
    return outcome


def export_entries():
    from survey_app.models import AuditLog

    return db.session.scalars(sa.select(AuditLog).filter_by(action="responses.export")).all()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.UNIT_MANAGER, Role.ANALYST])
def test_csv_streams_whole_under_a_real_server_request(ctx, make_user, demo, role):
    user = make_user(role=role, unit=demo)
    outcome = get_as_a_server_would(ctx, user, f"/admin/units/{demo.id}/export")
    assert outcome["status"] == 200
    rows = list(csv.DictReader(io.StringIO(outcome["body"])))
    assert len(rows) == counter_responses() and rows[-1]["response"]
    db.session.rollback()
    [entry] = export_entries()
    assert entry.user_id == user.id and entry.detail["format"] == "csv"


def test_a_download_that_fails_before_its_first_rows_is_not_recorded(ctx, make_user, demo,
                                                                     monkeypatch):
    from survey_app.services import export

    def broken(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT …", {}, Exception("server closed the connection"))
        yield  # pragma: no cover - a generator, like the real one

    monkeypatch.setattr(export, "iter_rows", broken)
    user = make_user(role=Role.ANALYST, unit=demo)
    for fmt in ("csv", "xlsx"):
        outcome = get_as_a_server_would(ctx, user, f"/admin/units/{demo.id}/export?format={fmt}")
        assert outcome["status"] == 503
    db.session.rollback()
    assert export_entries() == []


def test_a_download_stopped_half_way_gives_its_connection_back(ctx, make_user, demo,
                                                               monkeypatch):
    import threading

    from flask.testing import FlaskClient

    from survey_app.services import export
    from tests.conftest import PASSWORD, csrf_from

    monkeypatch.setattr(export, "CHUNK", 10)
    username, url = make_user(unit=demo).username, f"/admin/units/{demo.id}/export"
    seen, pool = {}, db.engine.pool

    def run():
        client = FlaskClient(ctx)
        page = client.get("/admin/login")
        client.post("/admin/login", data={"username": username, "password": PASSWORD,
                                          "csrf_token": csrf_from(page.data)})
        reply = client.get(url)
        pieces = iter(reply.response)
        next(pieces)
        seen["during"] = pool.checkedout()
        reply.close()  # what a server does when the client goes away
        seen["after"] = pool.checkedout()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen["during"] == seen["after"] + 1


def test_text_never_becomes_a_formula_in_csv_or_xlsx(client, login, make_user, demo):
    first = db.session.scalars(sa.select(Response).join(Response.service_point).where(
        sa.text("service_point.instrument_code = 'sipas-counter'")).order_by(Response.id)).first()
    first.service_point.code = '=HYPERLINK("http://evil.example/","x")'
    first.respondent_type = "@SUM(1+1)"
    db.session.commit()
    login(make_user(role=Role.ANALYST, unit=demo))
    base = f"/admin/units/{demo.id}/export?instrument=sipas-counter"
    rows = list(csv.DictReader(io.StringIO(client.get(base).get_data(as_text=True))))
    row = next(r for r in rows if r["response"] == str(first.id))
    assert row["service_point"] == '\'=HYPERLINK("http://evil.example/","x")'
    assert row["respondent_type"] == "'@SUM(1+1)"
    assert float(row["weight"]) >= 1 and row["weight"][0].isdigit()  # numbers untouched
    book = load_workbook(io.BytesIO(client.get(base + "&format=xlsx").data))
    cells = [c for sheet in book for line in sheet.iter_rows() for c in line]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert '=HYPERLINK("http://evil.example/","x")' in {c.value for c in cells}


@pytest.fixture
def marked(demo):
    """Three counter responses: one without an answer to 'feedback', one 'không áp dụng',
    one with a comment holding a phone number, published."""
    from survey_app.models import Comment, CommentStatus

    first, second, third = db.session.scalars(
        sa.select(Response).join(Response.service_point)
        .where(sa.text("service_point.instrument_code = 'sipas-counter'"))
        .order_by(Response.id).limit(3)).all()
    values = packing.values_of(first)
    del values["feedback"]
    answered(first, values)
    answered(second, {**packing.values_of(second), "feedback": None})
    db.session.execute(sa.delete(Comment).where(Comment.response_id == third.id))
    db.session.add(Comment(response_id=third.id, text="Gọi tôi: 0912 345 678, cảm ơn",
                           status=CommentStatus.PUBLISHED))
    db.session.commit()
    return first.id, second.id, third.id


def export_via_cli(runner, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    out = runner.invoke(main, ["export", "--unit", "TPD", "--instrument", "sipas-counter",
                               "--format", fmt, "-o", str(path)])
    assert out.exit_code == 0, out.output
    return path


def test_no_answer_and_not_applicable_differ_in_every_format(runner, marked, tmp_path):
    no_answer, not_applicable, _ = marked
    with export_via_cli(runner, tmp_path, "csv").open(encoding="utf-8") as f:
        rows = {int(r["response"]): r for r in csv.DictReader(f)}
    assert rows[no_answer]["feedback"] == "" and rows[not_applicable]["feedback"] == "na"
    book = load_workbook(export_via_cli(runner, tmp_path, "xlsx"), read_only=True)
    sheet = {row[0]: row for row in book["responses"].iter_rows(min_row=2, values_only=True)}
    column = [c.value for c in next(book["responses"].iter_rows(max_row=1))].index("feedback")
    assert sheet[no_answer][column] is None and sheet[not_applicable][column] == "na"
    book.close()
    frame, meta = pyreadstat.read_sav(str(export_via_cli(runner, tmp_path, "sav")),
                                      user_missing=True)
    by_id = frame.set_index("response")
    assert pd.isna(by_id.loc[no_answer, "feedback"])
    assert by_id.loc[not_applicable, "feedback"] == -1
    assert meta.variable_value_labels["feedback"][-1] == "Không áp dụng"
    assert meta.missing_ranges["feedback"] == [{"lo": -1.0, "hi": -1.0}]
    plain, _ = pyreadstat.read_sav(str(tmp_path / "out.sav"))  # without user-missing: missing
    assert pd.isna(plain.set_index("response").loc[not_applicable, "feedback"])
    frame, meta = pyreadstat.read_dta(str(export_via_cli(runner, tmp_path, "dta")),
                                      user_missing=True)
    by_id = frame.set_index("response")
    assert pd.isna(by_id.loc[no_answer, "feedback"]) and by_id.loc[not_applicable, "feedback"] == "a"
    assert meta.variable_value_labels["feedback"]["a"] == "Không áp dụng"


def test_timestamps_are_dates_and_comments_are_exported_masked(runner, marked, tmp_path):
    *_, commented = marked
    submitted = db.session.get(Response, commented).submitted_at.replace(microsecond=0)
    with export_via_cli(runner, tmp_path, "csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["response"] == str(commented))
    assert row["submitted_at"] == f"{submitted:%Y-%m-%d %H:%M:%S}"
    assert row["comment"] == "Gọi tôi: [số điện thoại], cảm ơn" and row["comment_status"] == "published"
    book = load_workbook(export_via_cli(runner, tmp_path, "xlsx"))
    names = [c.value for c in book["responses"][1]]
    cells = next(r for r in book["responses"].iter_rows(min_row=2) if r[0].value == commented)
    assert cells[names.index("submitted_at")].value == submitted
    assert cells[names.index("submitted_at")].is_date
    assert cells[names.index("comment")].value == "Gọi tôi: [số điện thoại], cảm ơn"
    for fmt, reader in (("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)):
        frame, meta = reader(str(export_via_cli(runner, tmp_path, fmt)))
        assert str(frame["submitted_at"].dtype).startswith("datetime64")
        by_id = frame.set_index("response")
        assert by_id.loc[commented, "submitted_at"].to_pydatetime() == submitted
        assert by_id.loc[commented, "comment"] == "Gọi tôi: [số điện thoại], cảm ơn"
        assert by_id.loc[commented, "comment_status"] == "published"
        assert meta.column_names_to_labels["comment_status"]


def test_the_codebook_labels_every_column_in_both_languages(client, login, make_user, demo):
    login(make_user(role=Role.ANALYST, unit=demo))
    reply = client.get(f"/admin/units/{demo.id}/export?instrument=sipas-counter&format=codebook")
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    variables = [r for r in rows if r["variable"]]
    csv_header = client.get(f"/admin/units/{demo.id}/export?instrument=sipas-counter") \
        .get_data(as_text=True).splitlines()[0].split(",")
    assert [r["variable"] for r in variables] == csv_header
    assert all(r["label_vi"] and r["label_en"] for r in variables)
    feedback = next(r for r in variables if r["variable"] == "feedback")
    assert "na=Không áp dụng" in feedback["values_vi"] and "na=Not applicable" in feedback["values_en"]
    notes = " ".join(r["label_en"] for r in rows if not r["variable"])
    assert "Empty = no answer" in notes and "-1" in notes and ".a" in notes


def test_r_reads_the_csv_export(runner, marked, tmp_path):
    import subprocess

    from tests.r_tools import rscript

    r = rscript()
    path = export_via_cli(runner, tmp_path, "csv")
    script = (f'x <- read.csv("{path}", na.strings = c("", "na"), encoding = "UTF-8"); '
              'cat(nrow(x), sum(is.na(x$feedback)), class(x$feedback), '
              'x$comment_status[x$response == ' + str(marked[2]) + '])')
    out = subprocess.run([r, "-e", script], capture_output=True, text=True, check=True)
    expected_na = db.session.scalar(sa.select(sa.func.count()).select_from(Response).join(
        Response.service_point).where(sa.text("service_point.instrument_code = 'sipas-counter'"))
        ) - sum(1 for _id, code, value in answer_rows() if code == "feedback" and value is not None)
    assert out.stdout.split() == [str(counter_responses()), str(expected_na), "integer", "published"]
