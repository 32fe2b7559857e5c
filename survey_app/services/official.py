"""Import official results and targets (CSV as shared/data/official_results.csv) and check them.

Columns: index, place, year, code, level, name_vi, max, result, target_next_year,
lead_unit, source. Rows are in table order: a row's parent is the nearest earlier row of
the same index, place and year one level up. A row without a code is the grand total
(the plans print "TỔNG ĐIỂM" last, uncoded).
"""
import math
from dataclasses import dataclass

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import OfficialResult
from survey_app.services.cells import UnreadableRow, has_control_characters, read_csv

COLUMNS = ("index", "place", "year", "code", "level", "name_vi", "max", "result",
           "target_next_year", "lead_unit", "source")
INDICES = ("SIPAS", "PAR_INDEX", "PAPI")
SUMMED = {"PAR_INDEX", "PAPI"}  # parents are the sum of their children
TOLERANCE = 0.011  # published figures are rounded to 2 decimals


@dataclass(frozen=True)
class Warning:
    index: str
    place: str
    year: int
    code: str
    message: str


class ImportProblem(ValueError):
    """A row that cannot be read; the message names the line and the column."""


def _number(text, line, column):
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or abs(value) > 1e6:
        raise ImportProblem(f"line {line}, column '{column}': {text!r} is not a number")
    return value


#: Longest value of each text column (the database's limits).
TEXT_LIMITS = {"place": 200, "code": 40, "source": 200, "name_vi": 2000, "lead_unit": 2000}


def _check_text(raw, line):
    for column, value in raw.items():
        if not isinstance(value, str):
            continue
        if has_control_characters(value):
            raise ImportProblem(f"line {line}, column '{column}': contains control characters")
        limit = TEXT_LIMITS.get(column)
        if limit and len(value.strip()) > limit:
            raise ImportProblem(f"line {line}, column '{column}': longer than {limit} characters")


def parse(text):
    """Rows of an official-results CSV as dicts; ``ImportProblem`` names the bad line."""
    try:
        names, records = read_csv(text)
    except UnreadableRow as problem:
        raise ImportProblem(f"line {problem.row}: {problem.reason}") from None
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ImportProblem(f"missing column(s): {', '.join(missing)}")
    rows = []
    for line, raw in records:
        _check_text(raw, line)
        index = (raw["index"] or "").strip()
        if index not in INDICES:
            raise ImportProblem(f"line {line}, column 'index': {index!r} is not one of "
                                f"{', '.join(INDICES)}")
        try:
            year, level = int(raw["year"]), int(raw["level"])
        except (TypeError, ValueError):
            raise ImportProblem(f"line {line}: 'year' and 'level' must be whole numbers") from None
        if not (1990 <= year <= 2100 and 0 <= level <= 10):
            raise ImportProblem(f"line {line}: 'year' must be 1990-2100 and 'level' 0-10")
        if not (raw["place"] or "").strip():
            raise ImportProblem(f"line {line}: 'place' must not be empty")
        code = (raw["code"] or "").strip()
        if not code:  # the plans print the grand total ("TỔNG ĐIỂM") without a code
            code, level = "total", 0
        rows.append({
            "index": index, "place": raw["place"].strip(), "year": year,
            "code": code, "level": level, "position": line,
            "name_vi": (raw["name_vi"] or "").strip(),
            "max_points": _number(raw["max"], line, "max"),
            "result": _number(raw["result"], line, "result"),
            "target_next_year": _number(raw["target_next_year"], line, "target_next_year"),
            "lead_unit": (raw["lead_unit"] or "").strip() or None,
            "source": (raw["source"] or "").strip() or None,
        })
    return rows


def children_of(rows):
    """Map each row's position to the rows directly below it (table order, by level)."""
    children, stack = {}, []
    for row in rows:
        while stack and stack[-1]["level"] >= row["level"]:
            stack.pop()
        if stack:
            children.setdefault(stack[-1]["position"], []).append(row)
        stack.append(row)
    return children


def check(rows):
    """Warnings for an imported table: sums that disagree, targets above the maximum or
    below the last result."""
    warnings = []
    groups = {}
    for row in rows:
        groups.setdefault((row["index"], row["place"], row["year"]), []).append(row)
    for (index, place, year), group in groups.items():
        def warn(row, message, index=index, place=place, year=year):
            warnings.append(Warning(index, place, year, row["code"], message))

        kids = children_of(sorted(group, key=lambda r: (r["code"] != "total", r["position"])))
        for row in group:
            if row["target_next_year"] is not None and row["max_points"] is not None \
                    and row["target_next_year"] > row["max_points"] + 1e-9:
                warn(row, f"target {row['target_next_year']:g} is above the maximum "
                          f"{row['max_points']:g}")
            if row["target_next_year"] is not None and row["result"] is not None \
                    and row["target_next_year"] < row["result"] - 1e-9:
                warn(row, f"target {row['target_next_year']:g} is below the last result "
                          f"{row['result']:g}")
            below = kids.get(row["position"], [])
            if not below or any(k["level"] != row["level"] + 1 for k in below):
                continue  # a partial table (levels skipped): nothing to add up
            for field, label in (("max_points", "maximum"), ("result", "result"),
                                 ("target_next_year", "target")):
                values = [k[field] for k in below]
                if row[field] is None or any(v is None for v in values):
                    continue
                if index in SUMMED:
                    combined, how = sum(values), "sum"
                elif row["level"] == 0 and field != "max_points":
                    combined, how = sum(values) / len(values), "mean"
                else:
                    continue  # SIPAS aspects pool items: not a plain function of factors
                if abs(combined - row[field]) > TOLERANCE:
                    warn(row, f"{label} {row[field]:g} differs from the {how} of its "
                              f"{len(values)} children ({combined:.4g})")
    return warnings


def store(rows, unit=None):
    """Insert or replace the rows (by index, place, year, code); return how many."""
    for row in rows:
        existing = db.session.scalar(sa.select(OfficialResult).filter_by(
            index=row["index"], place=row["place"], year=row["year"], code=row["code"]))
        if existing is None:
            existing = OfficialResult(**row)
            db.session.add(existing)
        else:
            for key, value in row.items():
                setattr(existing, key, value)
        if unit is not None:
            existing.unit_id = unit.id
    db.session.flush()
    return len(rows)


def stored_rows(index, place, year):
    return [{c.name: getattr(r, c.name) for c in OfficialResult.__table__.columns}
            for r in db.session.scalars(sa.select(OfficialResult).filter_by(
                index=index, place=place, year=year).order_by(OfficialResult.position))]
