"""`hailong demo --responses N` through the bulk loader: N responses over 24 months,
unique UUIDs, dossier counts where the demo promises them, comments joined to theirs."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import Comment, DossierCount, Response, ServicePoint, Unit
from survey_app.services.demo import UNCOUNTED_UNIT


def test_five_thousand_responses_over_two_years(runner):
    out = runner.invoke(main, ["demo", "--responses", "5000"])
    assert out.exit_code == 0, out.output
    assert "5000 responses" in out.output
    total, uuids, first, last = db.session.execute(sa.select(
        sa.func.count(), sa.func.count(sa.distinct(Response.client_uuid)),
        sa.func.min(Response.submitted_at), sa.func.max(Response.submitted_at))).one()
    assert total == uuids == 5000
    # the suite's today is 2026-11-20 (tests/conftest.py); times are stored in UTC
    assert first >= datetime(2024, 11, 20) - timedelta(hours=7)
    assert last < datetime(2026, 11, 20) - timedelta(hours=7)  # before today's local midnight
    months = {date(t.year, t.month, 1) for t in db.session.scalars(sa.select(Response.submitted_at))}
    whole = {date(2024 + (11 + k) // 12, (11 + k) % 12 + 1, 1) for k in range(23)}
    assert min(whole) == date(2024, 12, 1) and max(whole) == date(2026, 10, 1)
    assert whole <= months <= whole | {date(2024, 11, 1), date(2026, 11, 1)}

    points = db.session.execute(sa.select(ServicePoint.id, Unit.code).join(Unit)).all()
    counted = set(db.session.scalars(sa.select(DossierCount.service_point_id).distinct()))
    assert counted == {point for point, unit in points if unit != UNCOUNTED_UNIT}
    assert len({point for point, _ in points}) == 14
    per_cell = dict(db.session.execute(
        sa.select(DossierCount.service_point_id, sa.func.sum(DossierCount.count))
        .group_by(DossierCount.service_point_id)).all())
    answered = dict(db.session.execute(
        sa.select(Response.service_point_id, sa.func.count()).group_by(Response.service_point_id)).all())
    for point, dossiers in per_cell.items():
        assert 4 * answered[point] - 14 <= dossiers <= 20 * answered[point] + 14

    comments = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))
    assert 200 < comments < 600  # ~8 % of 5,000
    joined = db.session.scalar(sa.select(sa.func.count()).select_from(Comment).join(Response))
    assert joined == comments
    channels = dict(db.session.execute(
        sa.select(Response.channel, sa.func.count()).group_by(Response.channel)).all())
    assert set(channels) == {"qr", "kiosk", "invitation"} or set(channels) == {"qr", "invitation"}
    verified = db.session.scalar(sa.select(sa.func.count()).where(Response.verified))
    assert verified == channels["invitation"]


def test_the_bulk_demo_leaves_the_response_table_whole(runner):
    """On PostgreSQL the loader drops the table's keys and indexes while it copies."""
    runner.invoke(main, ["demo", "--responses", "300"])
    inspector = sa.inspect(db.session.connection())
    indexes = {ix["name"] for ix in inspector.get_indexes("response")}
    assert {"ix_response_unit_submitted", "ix_response_service_point_submitted"} <= indexes
    assert len(inspector.get_foreign_keys("response")) == len(
        Response.__table__.foreign_key_constraints)
    again, point, province = db.session.execute(sa.select(
        Response.client_uuid, Response.service_point_id, Response.province_id).limit(1)).one()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.insert(Response.__table__).values(
            client_uuid=again, province_id=province, instrument_version_id=1,
            service_point_id=point, unit_id=1,
            channel="qr", verified=False, locale="vi", submitted_at=datetime(2026, 1, 1),
            weight=1.0))
    db.session.rollback()
