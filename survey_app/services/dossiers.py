"""Dossier counts (dossiers returned per service point and month) and response rates.

Counts come from the one-stop software (``PUT /api/v1/dossier-counts``), a console upload
or ``hailong import dossier-counts``; all three check every row here first and store
nothing when one is wrong. Sending a month again replaces it (idempotent), with an audit
entry. The counts are the population the responses are post-stratified to
(``services.survey_design``).
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import DossierCount, Invitation, ServicePoint, Unit
from survey_app.services import audit, cells
from survey_app.services.survey_design import LOCAL_OFFSET

COLUMNS = ("unit", "service_point", "month", "count")
OPTIONAL = ("procedure",)
MAX_COUNT = 10_000_000


@dataclass(frozen=True)
class RowProblem:
    """A bad row: ``row`` as the reader counts it (CSV: the header is row 1; JSON: the
    first item is row 1), the column and a reason code with its parameters."""

    row: int
    column: str
    code: str
    value: str = ""


@dataclass(frozen=True)
class CountRow:
    point: ServicePoint
    month: date
    procedure: str
    count: int


class CountsRejected(ValueError):
    def __init__(self, problems):
        super().__init__("; ".join(f"row {p.row}, {p.column}: {p.code}" for p in problems))
        self.problems = problems


def parse_month(text):
    """``2026-03`` (or ``2026-03-01``) as the month's first day; None when not a month."""
    text = (text or "").strip()
    if len(text) not in (7, 10) or text[4] != "-":
        return None
    try:
        year, month = int(text[:4]), int(text[5:7])
        if len(text) == 10 and int(text[8:]) != 1:
            return None
        return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None
    except ValueError:
        return None


def parse_count(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value or "").strip().replace(",", "")
        if not text.isdigit():
            return None
        number = int(text)
    return number if 0 <= number <= MAX_COUNT else None


def check_rows(records, scope):
    """``records``: [(row number, {column: value})]; ``scope``: a Unit (its subtree may be
    written) or a ServicePoint (only itself). Return [CountRow] or raise CountsRejected."""
    points = points_in(scope)
    problems, rows, seen = [], [], set()
    for number, record in records:
        for column in ("unit", "service_point", "month", "count", "procedure"):
            value = record.get(column)
            if isinstance(value, str) and cells.has_control_characters(value):
                problems.append(RowProblem(number, column, "control_characters"))
            elif column != "count" and value is not None and not isinstance(value, str):
                problems.append(RowProblem(number, column, "not_text"))
        if problems and problems[-1].row == number:
            continue
        unit = str(record.get("unit") or "").strip()
        code = str(record.get("service_point") or "").strip()
        point = points.get((unit, code))
        if point is None:
            problems.append(RowProblem(number, "service_point", "unknown_point",
                                       f"{unit}/{code}"))
        month = parse_month(str(record.get("month") or ""))
        if month is None:
            problems.append(RowProblem(number, "month", "bad_month", str(record.get("month"))))
        count = parse_count(record.get("count"))
        if count is None:
            problems.append(RowProblem(number, "count", "bad_count", str(record.get("count"))))
        procedure = str(record.get("procedure") or "").strip()
        if len(procedure) > 40:
            problems.append(RowProblem(number, "procedure", "too_long"))
        if point is None or month is None or count is None:
            continue
        key = (point.id, month, procedure)
        if key in seen:
            problems.append(RowProblem(number, "month", "duplicate",
                                       f"{unit}/{code} {month:%Y-%m} {procedure}".strip()))
            continue
        seen.add(key)
        rows.append(CountRow(point, month, procedure, count))
    if problems:
        raise CountsRejected(problems)
    if not rows:
        raise CountsRejected([RowProblem(1, "", "no_rows")])
    return rows


def points_in(scope):
    """{(unit code, point code): ServicePoint} that ``scope`` may write."""
    if isinstance(scope, ServicePoint):
        return {(scope.unit.code, scope.code): scope}
    found = db.session.execute(
        sa.select(ServicePoint, Unit.code).join(Unit, Unit.id == ServicePoint.unit_id)
        .where(Unit.path.startswith(scope.path))).all()
    return {(unit_code, point.code): point for point, unit_code in found}


def store(rows, user=None, source="api"):
    """Replace the months named in ``rows`` (every row of a point's month, procedures
    included) with the rows given. Return (months replaced, months new)."""
    months = sorted({(r.point.id, r.month) for r in rows})
    replaced = 0
    for point_id, month in months:
        deleted = db.session.execute(sa.delete(DossierCount).where(
            DossierCount.service_point_id == point_id, DossierCount.month == month))
        replaced += 1 if deleted.rowcount else 0
    db.session.add_all(DossierCount(service_point_id=r.point.id, month=r.month,
                                    procedure_code=r.procedure, count=r.count) for r in rows)
    db.session.flush()
    for point_id, month in months:
        point_rows = [r for r in rows if r.point.id == point_id and r.month == month]
        audit.record(user, "dossier_counts.put", point_rows[0].point, month=f"{month:%Y-%m}",
                     dossiers=sum(r.count for r in point_rows), rows=len(point_rows),
                     source=source)
    return replaced, len(months) - replaced


def response_rates(scope, start=None, end=None):
    """Invitations issued and answered per service point and local month under ``scope``:
    [{unit, service_point, month, issued, answered, rate}] (rate None when none issued)."""
    from survey_app.services.survey_design import local_day_sql

    month = sa.func.substr(local_day_sql(Invitation.created_at), 1, 7)
    query = (sa.select(Unit.code, ServicePoint.code, month, sa.func.count(),
                       sa.func.count(Invitation.used_at))
             .join(ServicePoint, ServicePoint.id == Invitation.service_point_id)
             .join(Unit, Unit.id == ServicePoint.unit_id)
             .where(Unit.path.startswith(scope.path))
             .group_by(Unit.code, ServicePoint.code, month)
             .order_by(Unit.code, ServicePoint.code, month))
    if start is not None:
        query = query.where(Invitation.created_at >= start - LOCAL_OFFSET)
    if end is not None:
        query = query.where(Invitation.created_at < end - LOCAL_OFFSET)
    return [{"unit": u, "service_point": p, "month": str(m), "issued": int(issued),
             "answered": int(answered),
             "rate": answered / issued if issued else None}
            for u, p, m, issued, answered in db.session.execute(query)]


def problem_message(problem):
    """A bad row in the reader's language (Vietnamese in the console)."""
    from flask_babel import gettext as _

    text = {
        "control_characters": _("contains control characters"),
        "unknown_point": _("no service point %(value)s that you may write to",
                           value=problem.value),
        "bad_month": _("'%(value)s' is not a month (write 2026-03)", value=problem.value),
        "bad_count": _("'%(value)s' is not a whole number of dossiers from 0 to 10,000,000",
                       value=problem.value),
        "too_long": _("longer than 40 characters"),
        "not_text": _("must be text"),
        "duplicate": _("%(value)s is given twice", value=problem.value),
        "no_rows": _("the file has no rows"),
        "missing_columns": _("missing column(s): %(value)s", value=problem.value),
    }[problem.code]
    if not problem.column:
        return _("Row %(row)d: %(reason)s", row=problem.row, reason=text)
    return _("Row %(row)d, column %(column)s: %(reason)s", row=problem.row,
             column=problem.column, reason=text)


def read_csv_rows(text):
    """Records of an uploaded CSV (columns unit, service_point, month, count[, procedure])."""
    names, rows = cells.read_csv(text)
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise CountsRejected([RowProblem(1, "", "missing_columns", ", ".join(missing))])
    return rows
