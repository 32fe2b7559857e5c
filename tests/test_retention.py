"""Retention (issue #12 §5): after HAILONG_RETENTION_MONTHS months the personal data of
comments and the optional profile answers are removed by `hailong retention run`,
audited; the deploy kit's timer runs it; the privacy page states it."""
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.cli import main
from survey_app.extensions import db
from survey_app.models import AuditLog, Channel, Comment, Response
from survey_app.services import instrument_store, packing, retention

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 27, 3, 0)


def answer(point, submitted_at, comment=None, sex="female", source_hash="abc"):
    version = instrument_store.latest_version("sipas-counter")
    response = Response(client_uuid=uuid.uuid4(), instrument_version_id=version.id,
                        service_point_id=point.id, unit_id=point.unit_id, channel=Channel.QR,
                        locale="vi", submitted_at=submitted_at, stratum="certification",
                        respondent_type="citizen", sex=sex, age_band="35-49",
                        source_hash=source_hash)
    if comment:
        response.comment = Comment(text=comment)
    db.session.add(response)
    db.session.commit()
    return response.id


def test_months_before_keeps_the_day_or_the_months_end():
    assert retention.months_before(datetime(2026, 11, 27, 3), 24) == datetime(2024, 11, 27, 3)
    assert retention.months_before(datetime(2026, 3, 31), 1) == datetime(2026, 2, 28)
    assert retention.months_before(datetime(2026, 1, 15), 13) == datetime(2024, 12, 15)
    with pytest.raises(ValueError, match="at least 1 month"):
        retention.run(0)


def test_old_personal_data_goes_recent_stays_and_the_run_is_audited(ctx, make_service_point):
    point = make_service_point()
    old = answer(point, NOW - timedelta(days=800),
                 comment="Gọi tôi 0912 345 678 hoặc an@example.vn, cán bộ tận tình")
    old_clean = answer(point, NOW - timedelta(days=760), comment="Rất tốt")
    recent = answer(point, NOW - timedelta(days=30), comment="Gọi 0912 345 678")
    yesterday = answer(point, NOW - timedelta(hours=20))

    dry = retention.run(24, dry_run=True, now=NOW)
    assert (dry.comments, dry.comments_changed, dry.profiles, dry.address_hashes) == (2, 1, 2, 3)
    db.session.rollback()
    assert db.session.get(Response, old).sex == "female"

    report = retention.run(24, now=NOW)
    db.session.commit()
    assert (report.comments, report.comments_changed, report.profiles) == (2, 1, 2)
    first = db.session.get(Response, old)
    assert first.comment.text == "Gọi tôi [số điện thoại] hoặc [email], cán bộ tận tình"
    assert first.comment.redacted_at == NOW
    assert (first.respondent_type, first.sex, first.age_band) == (None, None, None)
    assert db.session.get(Response, old_clean).comment.redacted_at == NOW
    kept = db.session.get(Response, recent)
    assert kept.comment.text == "Gọi 0912 345 678" and kept.sex == "female"
    assert kept.comment.redacted_at is None
    assert kept.source_hash is None  # older than two days
    assert db.session.get(Response, yesterday).source_hash == "abc"
    assert all(value is not None for value in packing.values_of(first).values())

    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "retention.run"))
    assert entry.user_id is None and entry.detail["comments"] == 2
    assert entry.detail["months"] == 24 and entry.detail["profiles"] == 2

    again = retention.run(24, now=NOW)  # each comment once; nothing left to remove
    assert (again.comments, again.profiles, again.address_hashes) == (0, 0, 0)


def test_the_command_dry_run_changes_nothing_and_the_run_does(ctx, runner, make_service_point):
    point = make_service_point()
    old = answer(point, datetime(2020, 1, 1), comment="an@example.vn")
    dry = runner.invoke(main, ["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would change: 1 comments (1 with personal data masked), 1 profiles" in dry.output
    db.session.rollback()
    assert db.session.get(Response, old).comment.text == "an@example.vn"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0
    done = runner.invoke(main, ["retention", "run", "--months", "12"])
    assert done.exit_code == 0 and "changed: 1 comments" in done.output
    db.session.rollback()
    assert db.session.get(Response, old).comment.text == "[email]"
    assert db.session.scalar(sa.select(AuditLog.detail)
                             .where(AuditLog.action == "retention.run"))["months"] == 12


def test_retention_off_does_nothing(ctx, runner, monkeypatch):
    monkeypatch.setitem(ctx.config, "RETENTION_MONTHS", 0)
    result = runner.invoke(main, ["retention", "run"])
    assert result.exit_code == 0 and "retention is off" in result.output


@pytest.mark.parametrize(("role_name", "sees"), [("ADMIN", True), ("UNIT_MANAGER", False)])
def test_only_administrators_see_the_scheduled_runs_in_the_audit_log(
        client, login, make_user, make_unit, role_name, sees):
    from survey_app.models import Role

    db.session.add(AuditLog(user_id=None, action="retention.run", target_type="retention",
                            detail={"comments": 3}))
    db.session.commit()
    login(make_user(role=Role[role_name], unit=make_unit(kind="province")))
    page = client.get("/admin/audit").data.decode()
    assert ("retention.run" in page) is sees
    assert ("(tác vụ định kỳ)" in page) is sees


def test_the_timer_runs_the_command_like_the_backup_and_the_setting_is_documented():
    systemd = ROOT / "deploy" / "systemd"
    service = (systemd / "hailong-retention.service").read_text()
    assert "ExecStart=/srv/hailong/venv/bin/hailong retention run" in service
    assert "EnvironmentFile=/etc/hailong/hailong.env" in service and "Type=oneshot" in service
    timer = (systemd / "hailong-retention.timer").read_text()
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer
    env = (ROOT / "deploy" / "hailong.env.example").read_text()
    assert "HAILONG_RETENTION_MONTHS=24" in env
    assert "hailong-retention.timer" in (ROOT / "docs" / "deploy.md").read_text()


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", ["Bảo vệ dữ liệu cá nhân", "Nghị định 13/2023/NĐ-CP", "sau 18 tháng",
            "Ai được xem"]),
    ("en", ["Privacy notice", "Decree 13/2023/NĐ-CP", "after 18 months", "Who sees it"]),
])
def test_the_privacy_page_says_what_why_how_long_and_who(client, ctx, monkeypatch, lang,
                                                         words):
    monkeypatch.setitem(ctx.config, "RETENTION_MONTHS", 18)
    page = client.get(f"/privacy?lang={lang}")
    html = page.data.decode()
    assert page.status_code == 200 and f'<html lang="{lang}">' in html
    assert all(w in html for w in words), [w for w in words if w not in html]
    assert "<script" not in html


def test_every_form_links_to_the_privacy_page(client, make_service_point):
    from survey_app.services import invite

    point = make_service_point()
    token = point.current_token.token
    invitation, _ = invite.create_invitation(point, "HS-001")
    db.session.commit()
    link = "/i/" + invite.link_token(invitation)
    for url in (f"/s/{token}", f"/k/{token}", f"/s/{token}?lang=en", link):
        html = client.get(url, follow_redirects=True).data.decode()
        assert "/privacy?lang=" in html and 'target="_blank"' in html, url
    assert "/privacy" in client.get(f"/s/{token}/thanks").data.decode()
