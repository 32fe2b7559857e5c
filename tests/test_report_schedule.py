"""Scheduled reports (issue 13 §5): the period a timer's run reports, the folder, and the
e-mail through a local SMTP server (aiosmtpd)."""
import email
import email.policy
import io
import socket
from datetime import date, datetime

import pytest

from survey_app.cli import main
from survey_app.services.report_schedule import last_ended


@pytest.mark.parametrize(("kind", "today", "label"), [
    ("quarter", date(2025, 10, 2), "2025-Q3"), ("quarter", date(2026, 1, 1), "2025-Q4"),
    ("quarter", date(2025, 9, 30), "2025-Q2"), ("half", date(2025, 7, 1), "2025-H1"),
    ("half", date(2026, 3, 1), "2025-H2"), ("9m", date(2025, 10, 1), "2025-9M"),
    ("9m", date(2025, 9, 30), "2024-9M"), ("year", date(2026, 1, 2), "2025"),
])
def test_the_latest_period_that_has_ended(kind, today, label):
    assert last_ended(kind, today).label == label


@pytest.fixture
def small_unit(make_service_point, ctx):
    import numpy as np

    from survey_app.extensions import db
    from survey_app.services.demo import generate_responses

    point = make_service_point()
    generate_responses([point], 40, np.random.default_rng(5), end=datetime(2025, 12, 31))
    db.session.commit()
    ctx.config["TODAY"] = date(2026, 1, 2)
    yield point.unit
    ctx.config.pop("TODAY", None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch):
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            self.messages.append((envelope.rcpt_tos, envelope.content))
            return "250 OK"

    handler = Keep()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("HAILONG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HAILONG_SMTP_PORT", str(port))
    monkeypatch.setenv("HAILONG_SMTP_TLS", "none")
    monkeypatch.setenv("HAILONG_SMTP_FROM", "hailong@so-noi-vu.example")
    yield handler
    controller.stop()


def test_a_scheduled_run_writes_the_quarter_to_the_folder_and_mails_it(runner, small_unit,
                                                                      smtp_server, tmp_path):
    import docx

    out = runner.invoke(main, ["report", "--unit", small_unit.code, "--schedule", "quarter",
                               "--format", "docx", "--dir", str(tmp_path / "reports"),
                               "--mail-to", "a@ubnd.example, b@snv.example"])
    assert out.exit_code == 0, out.output
    path = tmp_path / "reports" / f"bao-cao-{small_unit.code}-2025-Q4.docx"
    assert path.exists() and not list((tmp_path / "reports").glob(".*.part"))
    [(recipients, content)] = smtp_server.messages
    assert recipients == ["a@ubnd.example", "b@snv.example"]
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert "quý IV năm 2025" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == path.name
    assert attachment.get_content_type().endswith("wordprocessingml.document")
    assert attachment.get_content() == path.read_bytes()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(attachment.get_content())).paragraphs)
    assert "quý IV năm 2025" in text


def test_mail_needs_smtp_and_a_failed_mail_keeps_the_file(runner, small_unit, tmp_path,
                                                          monkeypatch):
    monkeypatch.delenv("HAILONG_SMTP_HOST", raising=False)
    args = ["report", "--unit", small_unit.code, "--schedule", "year", "--format", "xlsx",
            "--dir", str(tmp_path), "--mail-to", "a@ubnd.example"]
    out = runner.invoke(main, args)
    assert out.exit_code == 2 and "HAILONG_SMTP_HOST" in out.output
    monkeypatch.setenv("HAILONG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HAILONG_SMTP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("HAILONG_SMTP_TLS", "none")
    monkeypatch.setenv("HAILONG_SMTP_FROM", "hailong@so-noi-vu.example")
    out = runner.invoke(main, args)
    assert out.exit_code == 1 and "could not be e-mailed" in out.output
    assert (tmp_path / f"bao-cao-{small_unit.code}-2025.xlsx").exists()


def test_period_or_schedule_and_file_or_folder(runner, small_unit, tmp_path):
    out = runner.invoke(main, ["report", "--unit", small_unit.code, "-o", str(tmp_path / "r.pdf")])
    assert out.exit_code == 2 and "--period or --schedule" in out.output
    out = runner.invoke(main, ["report", "--unit", small_unit.code, "--period", "2025"])
    assert out.exit_code == 2 and "-o FILE or --dir" in out.output


def test_the_systemd_recipe_runs_as_written(runner, small_unit, tmp_path, monkeypatch):
    """The ExecStart of deploy/systemd/hailong-report@.service, with the instance and the
    environment file's settings, makes the file the timer promises."""
    import shlex
    from pathlib import Path

    deploy = Path(__file__).resolve().parents[1] / "deploy" / "systemd"
    service = (deploy / "hailong-report@.service").read_text()
    command = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(command.split("=", 1)[1].replace("%i", "quarter"))
    assert argv[0] == "/srv/hailong/venv/bin/hailong"
    timer = (deploy / "hailong-report-quarter.timer").read_text()
    assert "Unit=hailong-report@quarter.service" in timer
    assert "ReadWritePaths=/srv/hailong/reports" in service
    monkeypatch.setenv("HAILONG_REPORT_UNIT", small_unit.code)
    monkeypatch.setenv("HAILONG_REPORT_DIR", str(tmp_path))
    monkeypatch.delenv("HAILONG_REPORT_MAIL_TO", raising=False)
    out = runner.invoke(main, argv[1:])
    assert out.exit_code == 0, out.output
    assert (tmp_path / f"bao-cao-{small_unit.code}-2025-Q4.docx").exists()
