"""The comments analysis page and the theme list: words, themes, scope, moderation."""
import csv
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AuditLog,
    Channel,
    Comment,
    CommentStatus,
    CommentTheme,
    Response,
    Role,
)
from survey_app.services import comment_analysis, instrument_store
from tests.conftest import csrf_from
from tests.responses import answered

ROWS = list(csv.DictReader((Path(__file__).parent.parent / "data" / "comments_vi.csv")
                           .read_text(encoding="utf-8").splitlines()))
RATINGS = ("access", "procedures", "staff", "results", "feedback", "overall")


@pytest.fixture
def commented(ctx, monkeypatch, make_service_point):
    """A commune whose counter received the 222 test comments over March–May 2026."""
    monkeypatch.setitem(ctx.config, "TODAY", date(2026, 6, 10))
    point = make_service_point()
    version = instrument_store.latest_version("sipas-counter")
    for i, row in enumerate(ROWS):
        low = set(filter(None, row["low"].split(";")))
        response = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                            service_point_id=point.id, unit_id=point.unit_id,
                            channel=Channel.QR, locale="vi",
                            submitted_at=datetime(2026, 3, 1) + timedelta(hours=9 * i))
        answered(response, {c: 1 if c in low else 5 for c in RATINGS})
        response.comment = Comment(text=row["text"])
        db.session.add(response)
    db.session.commit()
    return point


def test_the_analysis_counts_words_and_themes(commented):
    result = comment_analysis.analyse(commented.unit, None)
    assert result.total == len(ROWS)
    assert len(result.low) == sum(1 for r in ROWS if r["low"])
    themes = {t.theme.name: t for t in result.themes}
    attitude = themes["Thái độ phục vụ"]
    # months are March, April and May 2026 (9 hours apart from 1 March)
    assert result.months == ["2026-03", "2026-04", "2026-05"]
    assert sum(attitude.by_month.values()) == attitude.comments > 20
    staff = next(f for f in result.factors if f.label.startswith("Công chức tiếp nhận"))
    assert staff.comments == sum(1 for r in ROWS if "staff" in r["low"].split(";"))
    assert "thái độ" in [f.term for f in staff.terms]


def test_abusive_comments_are_left_out_and_examples_masked(commented):
    first = db.session.scalars(sa.select(Comment).order_by(Comment.id)).first()
    first.status = CommentStatus.ABUSIVE
    db.session.commit()
    result = comment_analysis.analyse(commented.unit, None)
    assert result.total == len(ROWS) - 1
    assert not any("0912345678" in t or "@example.com" in t for t in result.texts)
    assert any("[số điện thoại]" in t for t in result.texts)


def test_the_page_for_a_manager_in_both_languages(commented, client, login, make_user):
    manager = make_user(role=Role.UNIT_MANAGER, unit=commented.unit)
    login(manager)
    page = client.get(f"/admin/units/{commented.unit_id}/comments/analysis?period=2026-Q2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Từ ngữ thường gặp" in html and "Thái độ phục vụ" in html and "thái độ" in html
    assert client.get(f"/admin/units/{commented.unit_id}/comments/analysis?period=x"
                      ).status_code == 400
    english = client.get(f"/admin/units/{commented.unit_id}/comments/analysis?lang=en")
    assert "Most frequent words" in english.get_data(as_text=True)


def test_other_units_are_invisible(commented, client, login, make_user, make_unit):
    outsider = make_user(role=Role.UNIT_MANAGER, unit=make_unit())
    login(outsider)
    assert client.get(f"/admin/units/{commented.unit_id}/comments/analysis").status_code == 404
    assert client.get(f"/admin/units/{commented.unit_id}/comment-themes").status_code == 404


def test_staff_edit_their_theme_list_with_an_audit_trail(commented, client, login, make_user):
    unit = commented.unit
    manager = make_user(role=Role.UNIT_MANAGER, unit=unit)
    login(manager)
    url = f"/admin/units/{unit.id}/comment-themes"
    page = client.get(url)
    assert "danh sách chủ đề mặc định" in page.get_data(as_text=True).lower()
    sent = client.post(url, data={"name": "Máy lấy số", "keywords": "máy lấy số, bốc số",
                                  "csrf_token": csrf_from(page.data)})
    assert sent.status_code == 302
    assert client.post(url, data={"name": "X", "keywords": "y"}).status_code == 400  # no CSRF
    themes, source = comment_analysis.themes_for(unit)
    assert source == "unit" and [t.name for t in themes] == ["Máy lấy số"]
    result = comment_analysis.analyse(unit, None)
    assert result.themes[0].comments == sum(
        1 for r in ROWS if "máy lấy số" in r["text"].lower())
    theme = db.session.scalar(sa.select(CommentTheme))
    page = client.get(url)
    assert client.post(f"/admin/comment-themes/{theme.id}/delete",
                       data={"csrf_token": csrf_from(page.data)}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(CommentTheme.id))) == 0
    actions = db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["comment_theme.add", "comment_theme.delete"]


def test_a_counter_officer_reads_but_does_not_edit(commented, client, login, make_user):
    officer = make_user(role=Role.COUNTER_OFFICER, unit=commented.unit)
    login(officer)
    url = f"/admin/units/{commented.unit_id}/comment-themes"
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url, data={"name": "X", "keywords": "y",
                                  "csrf_token": csrf_from(page.data)}).status_code == 403
