"""From a figure to the responses behind it: filters, scope, pages, downloads."""
import csv
import io
import uuid
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.models import (
    AuditLog,
    Channel,
    Comment,
    CommentStatus,
    Response,
    Role,
)
from survey_app.services import instrument_store
from tests.responses import answered as store_answers

RATINGS = ("access", "procedures", "staff", "results", "feedback", "overall")


@pytest.fixture
def answered(ctx, monkeypatch, make_service_point, make_unit):
    """Two counters of one commune: 60 answers in March 2026 (every 3rd dissatisfied with
    staff, every 10th by kiosk), 5 in April; two comments, one abusive."""
    monkeypatch.setitem(ctx.config, "TODAY", date(2026, 5, 10))
    commune = make_unit(code="XA")
    first = make_service_point(unit=commune, code="Q1")
    second = make_service_point(unit=commune, code="Q2")
    version = instrument_store.latest_version("sipas-counter")
    for i in range(65):
        point = first if i % 2 == 0 else second
        when = datetime(2026, 3, 1) + timedelta(hours=11 * i) if i < 60 else \
            datetime(2026, 4, 2) + timedelta(hours=i)
        response = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                            service_point_id=point.id, unit_id=commune.id, locale="vi",
                            channel=Channel.KIOSK if i % 10 == 0 else Channel.QR,
                            submitted_at=when, stratum=str(point.sector), weight=1.0)
        store_answers(response, {c: (1 if c == "staff" and i % 3 == 0 else 4) for c in RATINGS})
        if i == 3:
            response.comment = Comment(text="Cán bộ khó chịu, gọi 0912345678 không nghe")
        if i == 6:
            response.comment = Comment(text="lời lẽ xúc phạm", status=CommentStatus.ABUSIVE)
        db.session.add(response)
    db.session.commit()
    return commune


def page_of(client, unit, **args):
    return client.get(f"/admin/units/{unit.id}/responses", query_string=args)


def test_filters_count_what_they_say(answered, client, login, make_user):
    login(make_user(role=Role.ANALYST, unit=answered))
    march = {"period": "2026-03"}
    assert "60 phiếu" in page_of(client, answered, **march).get_data(as_text=True)
    low = page_of(client, answered, item="staff", answer="low", **march).get_data(as_text=True)
    assert "20 phiếu" in low            # i = 0, 3, …, 57
    kiosk = page_of(client, answered, channel="kiosk", **march).get_data(as_text=True)
    assert "6 phiếu" in kiosk
    point = page_of(client, answered, point="XA/Q2", **march).get_data(as_text=True)
    assert "30 phiếu" in point
    assert "5 phiếu" in page_of(client, answered, month="2026-04",
                                 period="2026").get_data(as_text=True)


def test_answers_in_words_comments_masked_abusive_left_out(answered, client, login, make_user):
    login(make_user(role=Role.VIEWER, unit=answered))
    html = page_of(client, answered, period="2026-03", item="staff", answer="low"
                   ).get_data(as_text=True)
    assert "Rất không hài lòng" in html
    assert "Cán bộ khó chịu" in html and "0912345678" not in html
    assert "xúc phạm" not in page_of(client, answered, period="2026-03").get_data(as_text=True)


def test_pages_of_fifty(answered, client, login, make_user):
    login(make_user(role=Role.ANALYST, unit=answered))
    first = page_of(client, answered, period="2026").get_data(as_text=True)
    second = page_of(client, answered, period="2026", page=2).get_data(as_text=True)
    assert first.count('<article class="response">') == 50
    assert second.count('<article class="response">') == 15


def test_bad_filters_say_so(answered, client, login, make_user):
    login(make_user(role=Role.ANALYST, unit=answered))
    for args in ({"channel": "fax"}, {"month": "2026-13"}, {"answer": "x", "item": "staff"},
                 {"period": "soon"}, {"quarter": "2026-Q5"}):
        page = page_of(client, answered, **args)
        assert page.status_code == 400, args
        assert 'role="alert"' in page.get_data(as_text=True)


def test_other_units_are_invisible(answered, client, login, make_user, make_unit):
    login(make_user(role=Role.UNIT_MANAGER, unit=make_unit()))
    assert page_of(client, answered).status_code == 404


def test_the_filtered_list_downloads_as_csv_and_xlsx(answered, client, login, make_user):
    login(make_user(role=Role.ANALYST, unit=answered))
    got = page_of(client, answered, period="2026-03", item="staff", answer="low", format="csv")
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert got.status_code == 200 and len(rows) == 21
    assert rows[0][-1] == "Góp ý" and all("0912345678" not in c for r in rows for c in r)
    book = load_workbook(io.BytesIO(page_of(client, answered, period="2026-03",
                                            format="xlsx").data))
    assert book.active.max_row == 61
    assert db.session.scalars(sa.select(AuditLog.action)).all() == [
        "responses.list_download", "responses.list_download"]


def test_a_viewer_cannot_download(answered, client, login, make_user):
    login(make_user(role=Role.VIEWER, unit=answered))
    assert page_of(client, answered, format="csv").status_code == 403


def test_the_results_page_links_to_the_responses(answered, client, login, make_user):
    login(make_user(role=Role.ANALYST, unit=answered))
    html = client.get(f"/admin/units/{answered.id}/results?period=2026-03&by=service_point"
                      ).get_data(as_text=True)
    assert f"/admin/units/{answered.id}/responses?instrument=sipas-counter&amp;period=2026-03" \
        in html
    assert "item=staff&amp;answer=low" in html
    assert "point=XA/Q1" in html
