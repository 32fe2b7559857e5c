"""Exports read back: counts, values and labels in CSV, XLSX, SPSS and Stata."""
import csv
import io

import pyreadstat
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import Answer, Response, Role


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
    answers = {a.item_code: a.value for a in first.answers}
    assert rows[0]["access"] == str(answers["access"])
    assert rows[0]["feedback"] == ("" if answers["feedback"] is None else str(answers["feedback"]))
    assert "comment" not in rows[0]  # free text is not exported


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
        valid = db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(
            Answer.item_code == "access", Answer.value >= 4))
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
    first.psu, first.stratum = '=HYPERLINK("http://evil.example/","x")', "@SUM(1+1)"
    db.session.commit()
    login(make_user(role=Role.ANALYST, unit=demo))
    base = f"/admin/units/{demo.id}/export?instrument=sipas-counter"
    rows = list(csv.DictReader(io.StringIO(client.get(base).get_data(as_text=True))))
    row = next(r for r in rows if r["response"] == str(first.id))
    assert row["psu"] == '\'=HYPERLINK("http://evil.example/","x")'
    assert row["stratum"] == "'@SUM(1+1)"
    assert row["weight"] == "1.0"  # numbers untouched
    book = load_workbook(io.BytesIO(client.get(base + "&format=xlsx").data))
    cells = [c for sheet in book for line in sheet.iter_rows() for c in line]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert '=HYPERLINK("http://evil.example/","x")' in {c.value for c in cells}
