"""Import units, service points and procedures from CSV; apply the 2025 two-level reform.

Every row is checked first; nothing is written unless the whole file is valid, and the
report lists (row, column, problem) for every bad value. Rows are upserted by code.
"""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

import instruments
from survey_app.extensions import db
from survey_app.models import Procedure, Sector, ServicePoint, Unit, UnitKind
from survey_app.services import org
from survey_app.services.cells import UnreadableRow, has_control_characters, read_csv

KINDS = {
    "units": ("code", "name_vi", "kind", "parent_code"),
    "service-points": ("unit_code", "code", "name_vi", "sector", "instrument"),
    "procedures": ("code", "name_vi", "sector"),
}


@dataclass
class Report:
    kind: str
    created: int = 0
    updated: int = 0
    retired: int = 0
    problems: list = field(default_factory=list)  # (row, column, message)

    @property
    def ok(self):
        return not self.problems


MODELS = {"units": Unit, "service-points": ServicePoint, "procedures": Procedure}
#: CSV columns that hold the code of a unit (as long as ``unit.code``).
UNIT_CODES = ("parent_code", "successor_code", "unit_code")


def longest(kind, column):
    """The longest value the database takes for ``column`` (None: no limit)."""
    if column in UNIT_CODES:
        found = Unit.__table__.c.code
    else:
        found = MODELS[kind].__table__.c.get("instrument_code" if column == "instrument" else column)
    return getattr(found.type, "length", None) if found is not None else None


def cell_problem(kind, column, value):
    if has_control_characters(value):
        return "contains control characters"
    limit = longest(kind, column)
    if limit and len(value) > limit:
        return f"longer than {limit} characters"
    return None


def read_rows(text, kind, report):
    try:
        names, records = read_csv(text)
    except UnreadableRow as problem:
        report.problems.append((problem.row, "", problem.reason))
        return []
    missing = [c for c in KINDS[kind] if c not in names]
    if missing:
        report.problems.append((0, ", ".join(missing), "missing column(s)"))
        return []
    rows = []
    for number, row in records:
        clean = {k: (v if isinstance(v, str) else "").strip() for k, v in row.items()
                 if isinstance(k, str) and k}
        for column, value in clean.items():
            problem = cell_problem(kind, column, value)
            if problem:
                report.problems.append((number, column, problem))
        rows.append(clean)
    return rows


def _date(value, row, column, report):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        report.problems.append((row, column, f"{value!r} is not a date YYYY-MM-DD"))
        return None


def retire(unit, successor, on_date):
    """Retire ``unit`` on ``on_date``: it and its subtree move under ``successor``, so their
    responses roll up there, and its counters stop taking answers."""
    unit.valid_to = on_date
    unit.successor = successor
    org.move_unit(unit, successor)
    for point in org.service_points_in_scope(unit):
        point.active = False
        org.revoke_token(point)
    db.session.flush()


def import_units(text, report=None):
    report = report or Report("units")
    rows = read_rows(text, "units", report)
    known = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    codes = {r.get("code") for r in rows}
    for number, row in enumerate(rows, start=2):
        if not row["code"]:
            report.problems.append((number, "code", "empty"))
        if not row["name_vi"]:
            report.problems.append((number, "name_vi", "empty"))
        if row["kind"] not in {k.value for k in UnitKind}:
            report.problems.append((number, "kind", f"{row['kind']!r} is not one of "
                                    + ", ".join(k.value for k in UnitKind)))
        for column in ("parent_code", "successor_code"):
            value = row.get(column, "")
            if value and value not in known and value not in codes:
                report.problems.append((number, column, f"no unit with code {value!r}"))
        row["valid_from"] = _date(row.get("valid_from"), number, "valid_from", report)
        row["valid_to"] = _date(row.get("valid_to"), number, "valid_to", report)
        if row.get("successor_code") and not row["valid_to"]:
            report.problems.append((number, "valid_to", "a successor needs the date the unit ends"))
    if report.problems:
        return report
    pending = list(rows)
    while pending:  # parents before children, whatever the file order
        progress = False
        for row in list(pending):
            parent = known.get(row["parent_code"]) if row["parent_code"] else None
            if row["parent_code"] and parent is None:
                continue
            unit = known.get(row["code"])
            if unit is None:
                unit = org.create_unit(row["code"], row["name_vi"], row["kind"], parent=parent,
                                       name_en=row.get("name_en") or None,
                                       valid_from=row["valid_from"])
                known[unit.code] = unit
                report.created += 1
            else:
                unit.name_vi, unit.kind = row["name_vi"], UnitKind(row["kind"])
                unit.name_en = row.get("name_en") or unit.name_en
                if parent is not None and unit.parent_id != parent.id and unit.valid_to is None:
                    org.move_unit(unit, parent)
                report.updated += 1
            pending.remove(row)
            progress = True
        if not progress:
            report.problems.append((0, "parent_code", "the parents form a cycle"))
            db.session.rollback()
            return report
    for row in rows:
        if row.get("successor_code") and known[row["code"]].valid_to is None:
            retire(known[row["code"]], known[row["successor_code"]], row["valid_to"])
            report.retired += 1
    db.session.flush()
    return report


def import_service_points(text, report=None):
    report = report or Report("service-points")
    rows = read_rows(text, "service-points", report)
    units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    for number, row in enumerate(rows, start=2):
        if row["unit_code"] not in units:
            report.problems.append((number, "unit_code", f"no unit with code {row['unit_code']!r}"))
        if not row["code"] or not row["name_vi"]:
            report.problems.append((number, "code" if not row["code"] else "name_vi", "empty"))
        if row["sector"] not in {s.value for s in Sector}:
            report.problems.append((number, "sector", f"{row['sector']!r} is not one of "
                                    + ", ".join(s.value for s in Sector)))
        if row["instrument"] not in instruments.bundled():
            report.problems.append((number, "instrument", f"unknown instrument {row['instrument']!r}"))
    if report.problems:
        return report
    for row in rows:
        unit = units[row["unit_code"]]
        point = db.session.scalar(sa.select(ServicePoint).filter_by(unit_id=unit.id, code=row["code"]))
        if point is None:
            org.create_service_point(unit, row["code"], row["name_vi"], row["sector"],
                                     row["instrument"], name_en=row.get("name_en") or None)
            report.created += 1
        else:
            point.name_vi, point.sector = row["name_vi"], Sector(row["sector"])
            point.instrument_code = row["instrument"]
            report.updated += 1
    db.session.flush()
    return report


def import_procedures(text, report=None):
    report = report or Report("procedures")
    rows = read_rows(text, "procedures", report)
    for number, row in enumerate(rows, start=2):
        if not row["code"] or not row["name_vi"]:
            report.problems.append((number, "code" if not row["code"] else "name_vi", "empty"))
        if row["sector"] not in {s.value for s in Sector}:
            report.problems.append((number, "sector", f"{row['sector']!r} is not a sector"))
    if report.problems:
        return report
    for row in rows:
        procedure = db.session.scalar(sa.select(Procedure).filter_by(code=row["code"]))
        if procedure is None:
            db.session.add(Procedure(code=row["code"], name_vi=row["name_vi"],
                                     name_en=row.get("name_en") or None,
                                     sector=Sector(row["sector"]), level=row.get("level") or None))
            report.created += 1
        else:
            procedure.name_vi, procedure.sector = row["name_vi"], Sector(row["sector"])
            report.updated += 1
    db.session.flush()
    return report


IMPORTERS = {"units": import_units, "service-points": import_service_points,
             "procedures": import_procedures}
