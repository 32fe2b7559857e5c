"""The unit manager's list of answers held in quarantine: release or reject, scoped and
audited; the results page shows the counts (issue #12 §4)."""
from datetime import datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, Response, Role
from survey_app.services.periods import parse_period
from survey_app.services.results import unit_results
from tests.conftest import csrf_from
from tests.responses import add_responses

MARCH = parse_period("2026-03")


def hold(point, count, value, reason="burst"):
    """``count`` answers at ``point`` in March 2026, held in quarantine; their ids."""
    add_responses(point, datetime(2026, 3, 10), count, value, days=5)
    ids = db.session.scalars(sa.select(Response.id).where(
        Response.service_point_id == point.id, Response.quarantined.is_(False))
        .order_by(Response.id.desc()).limit(count)).all()
    db.session.execute(sa.update(Response).where(Response.id.in_(ids))
                       .values(quarantined=True, quarantine_reason=reason))
    db.session.commit()
    return sorted(ids)


def counted(unit):
    return unit_results(unit, "sipas-counter", MARCH, lang="vi").n


def test_a_manager_releases_and_rejects_held_answers_and_each_decision_is_audited(
        client, login, make_user, make_unit, make_service_point):
    province = make_unit(code="P", kind="province")
    ward = make_unit(code="W", parent=province, kind="ward")
    other = make_unit(code="O", parent=province, kind="ward")
    point = make_service_point(unit=ward)
    elsewhere = make_service_point(unit=other)
    add_responses(point, datetime(2026, 3, 1), 30, 4, days=20)
    held = hold(point, 5, 1, reason="burst,speed")
    foreign = hold(elsewhere, 2, 1)
    manager = make_user(role=Role.UNIT_MANAGER, unit=ward)
    login(manager)
    assert counted(ward) == 30

    results = client.get(f"/admin/units/{ward.id}/results?period=2026-03").data.decode()
    assert 'id="quarantine"' in results and "5 phiếu đang bị giữ" in results.replace(
        "</strong>", "")
    page = client.get(f"/admin/units/{ward.id}/quarantine")
    html = page.data.decode()
    assert page.status_code == 200
    assert all(f'value="{i}"' in html for i in held)
    assert not any(f'name="response" value="{i}"' in html for i in foreign)
    assert "nhiều phiếu từ một địa chỉ" in html

    token = csrf_from(html)
    released = client.post(f"/admin/units/{ward.id}/quarantine", data={
        "csrf_token": token, "action": "release", "response": [str(held[0]), str(held[1]),
                                                               str(foreign[0])]})
    assert released.status_code == 302
    assert counted(ward) == 32
    assert db.session.get(Response, foreign[0]).quarantined  # another unit's: untouched

    rejected = client.post(f"/admin/units/{ward.id}/quarantine", data={
        "csrf_token": token, "action": "reject_page", "state": "held",
        "on_page": [str(i) for i in held[2:]]})
    assert rejected.status_code == 302
    assert counted(ward) == 32
    states = dict(db.session.execute(
        sa.select(Response.id, Response.quarantined).where(Response.id.in_(held))).all())
    assert [states[i] for i in held] == [False, False, True, True, True]
    assert all(db.session.get(Response, i).quarantine_reviewed_at is not None for i in held)

    audit = db.session.execute(sa.select(AuditLog.action, AuditLog.target_id, AuditLog.user_id)
                               .where(AuditLog.action.like("response.%"))).all()
    assert sorted(audit) == sorted([("response.release", i, manager.id) for i in held[:2]]
                                   + [("response.reject", i, manager.id) for i in held[2:]])

    listing = client.get(f"/admin/units/{ward.id}/quarantine?state=rejected&lang=en")
    text = listing.data.decode()
    assert "released (2)" in text and "rejected (3)" in text and "held (0)" in text
    assert "Release the ticked answers" in text


def test_nothing_ticked_is_said_and_changes_nothing(client, login, make_user, make_unit,
                                                    make_service_point):
    ward = make_unit(kind="ward")
    held = hold(make_service_point(unit=ward), 2, 1)
    login(make_user(role=Role.UNIT_MANAGER, unit=ward))
    token = csrf_from(client.get(f"/admin/units/{ward.id}/quarantine").data)
    answer = client.post(f"/admin/units/{ward.id}/quarantine", data={
        "csrf_token": token, "action": "release"}, follow_redirects=True)
    assert "Hãy đánh dấu" in answer.data.decode()
    bad = client.post(f"/admin/units/{ward.id}/quarantine", data={
        "csrf_token": token, "action": "delete", "response": str(held[0])})
    assert bad.status_code == 400
    assert all(db.session.get(Response, i).quarantined for i in held)
