"""Scheduled reports: which period a timer's run reports, where the file goes, the e-mail.

A systemd timer (deploy/systemd/hailong-report.timer) runs ``hailong report --schedule
quarter`` after each quarter; the run reports the latest period of that kind that has
ended, writes it to a folder and, when ``HAILONG_SMTP_HOST`` is set, e-mails it to a list.

SMTP settings (environment): ``HAILONG_SMTP_HOST``, ``HAILONG_SMTP_PORT`` (default 587 with
STARTTLS, 465 with SSL, else 25), ``HAILONG_SMTP_TLS`` (``starttls`` default, ``ssl`` or
``none``), ``HAILONG_SMTP_USER`` and ``HAILONG_SMTP_PASSWORD`` (optional),
``HAILONG_SMTP_FROM`` (default: the user).
"""
import os
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from survey_app.services.periods import parse_period

#: What ``--schedule`` accepts: the report kinds of the plans (quý, 6 tháng, 9 tháng, năm).
KINDS = ("quarter", "half", "9m", "year")


def candidates(kind, year):
    if kind == "quarter":
        return [f"{year}-Q{q}" for q in (1, 2, 3, 4)]
    if kind == "half":
        return [f"{year}-H1", f"{year}-H2"]
    if kind == "9m":
        return [f"{year}-9M"]
    return [str(year)]


def last_ended(kind, today):
    """The latest period of ``kind`` that has ended by ``today`` (a date)."""
    if kind not in KINDS:
        raise ValueError(f"schedule must be one of {', '.join(KINDS)}")
    now = datetime(today.year, today.month, today.day)
    ended = [p for year in (today.year - 1, today.year) for p in map(parse_period,
                                                                      candidates(kind, year))
             if p.end <= now]
    return max(ended, key=lambda p: p.end)


def file_name(unit, period, fmt):
    return f"bao-cao-{unit.code}-{period.label}.{fmt}"


def write_atomically(folder, name, data):
    """Write ``data`` to ``folder/name`` through a temporary file: a reader (or the mail
    step of a rerun) never sees half a report."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    temporary = folder / f".{name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return target


def smtp_configured(env=None):
    return bool((env if env is not None else os.environ).get("HAILONG_SMTP_HOST"))


def send_report(path, recipients, subject, text, mimetype, env=None):
    """E-mail the file at ``path`` to ``recipients`` with the HAILONG_SMTP_* settings."""
    env = env if env is not None else os.environ
    tls = env.get("HAILONG_SMTP_TLS", "starttls").lower()
    if tls not in ("starttls", "ssl", "none"):
        raise ValueError("HAILONG_SMTP_TLS must be starttls, ssl or none")
    host = env["HAILONG_SMTP_HOST"]
    port = int(env.get("HAILONG_SMTP_PORT") or {"starttls": 587, "ssl": 465, "none": 25}[tls])
    user, password = env.get("HAILONG_SMTP_USER"), env.get("HAILONG_SMTP_PASSWORD")
    sender = env.get("HAILONG_SMTP_FROM") or user
    if not sender:
        raise ValueError("set HAILONG_SMTP_FROM (or HAILONG_SMTP_USER)")
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, sender, ", ".join(recipients)
    message.set_content(text)
    maintype, subtype = mimetype.split("/", 1)
    path = Path(path)
    message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=path.name)
    context = ssl.create_default_context()
    if tls == "ssl":
        server = smtplib.SMTP_SSL(host, port, context=context, timeout=60)
    else:
        server = smtplib.SMTP(host, port, timeout=60)
    with server:
        if tls == "starttls":
            server.starttls(context=context)
        if user and password:
            server.login(user, password)
        server.send_message(message)
