"""Import official results and targets (CSV as shared/data/official_results.csv) and check them.

Columns: index, place, year, code, level, name_vi, max, result, target_next_year,
lead_unit, source. Rows are in table order: a row's parent is the nearest earlier row of
the same index, place and year one level up. A row without a code is the grand total
(the plans print "TỔNG ĐIỂM" last, uncoded).

Rows belong to the unit they are imported for, and an import takes the rows of one place
only: the one named at upload, else the place of the unit's earlier tables, else a place
that appears in the name of the unit or of a unit above it ("Thành phố Hà Nội").
"""
import dataclasses
import math
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from survey_app.extensions import db
from survey_app.models import OfficialResult
from survey_app.models.base import utcnow
from survey_app.services.cells import UnreadableRow, has_control_characters, read_csv

COLUMNS = ("index", "place", "year", "code", "level", "name_vi", "max", "result",
           "target_next_year", "lead_unit", "source")
INDICES = ("SIPAS", "PAR_INDEX", "PAPI")
SUMMED = {"PAR_INDEX", "PAPI"}  # parents are the sum of their children
TOLERANCE = 0.011  # published figures are rounded to 2 decimals


@dataclass(frozen=True)
class Warning:
    """``message`` is English (the CLI prints it); ``kind`` and ``values`` let a page say
    it in the reader's language (``labels.official_warning``)."""

    index: str
    place: str
    year: int
    code: str
    message: str
    kind: str = ""
    values: tuple = ()


class ImportProblem(ValueError):
    """A file that cannot be imported; the message names the line and the column, in the
    language of the request (English on the command line)."""


def _number(text, line, column):
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or abs(value) > 1e6:
        raise ImportProblem(_("line %(line)d, column '%(column)s': %(value)s is not a number",
                              line=line, column=column, value=repr(text)))
    return value


#: Longest value of each text column (the database's limits).
TEXT_LIMITS = {"place": 200, "code": 40, "source": 200, "name_vi": 2000, "lead_unit": 2000}


def _check_text(raw, line):
    for column, value in raw.items():
        if not isinstance(value, str):
            continue
        if has_control_characters(value):
            raise ImportProblem(_("line %(line)d, column '%(column)s': contains control "
                                  "characters", line=line, column=column))
        limit = TEXT_LIMITS.get(column)
        if limit and len(value.strip()) > limit:
            raise ImportProblem(_("line %(line)d, column '%(column)s': longer than %(limit)d "
                                  "characters", line=line, column=column, limit=limit))


def _records(text):
    try:
        names, records = read_csv(text)
    except UnreadableRow as problem:
        if problem.limit:
            raise ImportProblem(_("line %(line)d: a cell is longer than %(limit)d characters",
                                  line=problem.row, limit=problem.limit)) from None
        raise ImportProblem(_("line %(line)d: not readable as CSV", line=problem.row)) from None
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ImportProblem(_("missing column(s): %(names)s", names=", ".join(missing)))
    return records


def parse(text):
    """Rows of an official-results CSV as dicts; ``ImportProblem`` names the bad line."""
    rows, seen = [], {}
    for line, raw in _records(text):
        _check_text(raw, line)
        index = (raw["index"] or "").strip()
        if index not in INDICES:
            raise ImportProblem(_("line %(line)d, column 'index': %(value)s is not one of "
                                  "%(choices)s", line=line, value=repr(index),
                                  choices=", ".join(INDICES)))
        try:
            year, level = int(raw["year"]), int(raw["level"])
        except (TypeError, ValueError):
            raise ImportProblem(_("line %(line)d: 'year' and 'level' must be whole numbers",
                                  line=line)) from None
        if not (1990 <= year <= 2100 and 0 <= level <= 10):
            raise ImportProblem(_("line %(line)d: 'year' must be 1990-2100 and 'level' 0-10",
                                  line=line))
        if not (raw["place"] or "").strip():
            raise ImportProblem(_("line %(line)d: 'place' must not be empty", line=line))
        code = (raw["code"] or "").strip()
        if not code:  # the plans print the grand total ("TỔNG ĐIỂM") without a code
            code, level = "total", 0
        key = (index, raw["place"].strip(), year, code)
        if key in seen:  # which of the two is right? the table is ambiguous
            raise ImportProblem(_("line %(line)d: %(index)s %(place)s %(year)d '%(code)s' is "
                                  "already on line %(first)d", line=line, index=index,
                                  place=key[1], year=year, code=code, first=seen[key]))
        seen[key] = line
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
        def warn(row, message, kind, *values, index=index, place=place, year=year):
            warnings.append(Warning(index, place, year, row["code"], message, kind, values))

        kids = children_of(sorted(group, key=lambda r: (r["code"] != "total", r["position"])))
        for row in group:
            if row["target_next_year"] is not None and row["max_points"] is not None \
                    and row["target_next_year"] > row["max_points"] + 1e-9:
                warn(row, f"target {row['target_next_year']:g} is above the maximum "
                          f"{row['max_points']:g}", "above_max", row["target_next_year"],
                     row["max_points"])
            if row["target_next_year"] is not None and row["result"] is not None \
                    and row["target_next_year"] < row["result"] - 1e-9:
                warn(row, f"target {row['target_next_year']:g} is below the last result "
                          f"{row['result']:g}", "below_result", row["target_next_year"],
                     row["result"])
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
                              f"{len(values)} children ({combined:.4g})", f"{how}_{field}",
                         row[field], len(values), combined)
    return warnings


def _folded(text):
    """For comparing place names: one Unicode form (typed "Hà Nội" may be decomposed), any case."""
    return unicodedata.normalize("NFC", text or "").casefold().strip()


def places_in(rows):
    """The places of ``rows`` in file order."""
    return list(dict.fromkeys(row["place"] for row in rows))


def known_place(unit):
    """The place most of the unit's rows are of (its own tables; a few rows of another
    place are comparisons), or None before its first import."""
    return db.session.scalar(
        sa.select(OfficialResult.place).where(OfficialResult.unit_id == unit.id)
        .group_by(OfficialResult.place)
        .order_by(sa.func.count().desc(), sa.func.max(OfficialResult.id).desc()).limit(1))


def _named_in_tree(unit, places):
    """Places of the file that appear in the name of ``unit`` or of a unit above it."""
    names = []
    while unit is not None:
        names += [_folded(unit.name_vi), _folded(unit.name_en)]
        unit = unit.parent
    def in_name(place):  # whole words: "An" is not in "Phường Anh Dũng"
        pattern = re.compile(r"(?<!\w)" + re.escape(_folded(place)) + r"(?!\w)")
        return any(pattern.search(name) for name in names if name)

    return [p for p in places if in_name(p)]


def choose_place(unit, rows, named=None):
    """The place whose rows are imported for ``unit``; ``ImportProblem`` when it is not
    clear (say which places the file has) or the named place is not in the file."""
    places = places_in(rows)
    if not places:
        raise ImportProblem(_("The file has no rows."))
    listed = ", ".join(places)
    if named and named.strip():
        found = [p for p in places if _folded(p) == _folded(named)]
        if not found:
            raise ImportProblem(_("The file has no rows for %(place)s; it has rows for: "
                                  "%(places)s.", place=named.strip(), places=listed))
        return found[0]
    earlier = known_place(unit)
    if earlier in places:
        return earlier
    if earlier is not None:  # another place's table for this unit: only when named
        raise ImportProblem(_("The file has no rows for %(place)s, this unit's place; it has "
                              "rows for: %(places)s. To import one of these for this unit, "
                              "type its place.", place=earlier, places=listed))
    candidates = _named_in_tree(unit, places)
    if len(candidates) == 1:
        return candidates[0]
    raise ImportProblem(_("Type the place this unit stands for, as written in the file's "
                          "'place' column; the file has rows for: %(places)s.", places=listed))


@dataclass
class Imported:
    place: str
    stored: int
    skipped: dict = dataclasses.field(default_factory=dict)  # other place -> rows not imported


def import_rows(rows, unit, place=None):
    """Store the rows of one place (see ``choose_place``) as ``unit``'s; rows of other
    places are left out and counted."""
    chosen = choose_place(unit, rows, place)
    mine = [row for row in rows if row["place"] == chosen]
    skipped = {}
    for row in rows:
        if row["place"] != chosen:
            skipped[row["place"]] = skipped.get(row["place"], 0) + 1
    return Imported(chosen, store(mine, unit), skipped)


#: The columns an import writes (besides the unit and the time).
WRITTEN = ("index", "place", "year", "code", "level", "position", "name_vi", "max_points",
           "result", "target_next_year", "lead_unit", "source")


def store(rows, unit):
    """Insert or replace ``rows`` as ``unit``'s (by index, place, year, code); return how many.

    One SELECT reads the unit's existing rows of those places, then one bulk INSERT and one
    bulk UPDATE (of the rows that changed) write them: a 10,000-row table holds the write
    lock for a moment, not one query per row. Rows of other units are neither read nor
    written.
    """
    if not rows:
        return 0
    table = OfficialResult.__table__
    existing = {
        (found.index, found.place, found.year, found.code): found
        for found in db.session.execute(
            sa.select(table.c.id, *(table.c[name] for name in WRITTEN))
            .where(table.c.unit_id == unit.id, table.c.place.in_(places_in(rows))))
    }
    now = utcnow()
    inserts, updates = [], []
    for row in rows:
        found = existing.get((row["index"], row["place"], row["year"], row["code"]))
        if found is None:
            inserts.append({**row, "unit_id": unit.id, "imported_at": now})
        elif any(getattr(found, name) != row[name] for name in WRITTEN):
            updates.append({**row, "row_id": found.id, "imported_at": now})
    # Core statements with the same columns in every row: each is one executemany
    # (the ORM's bulk paths re-batch whenever a row's NULLs differ).
    if inserts:
        db.session.execute(table.insert(), inserts)
    if updates:
        db.session.execute(table.update().where(table.c.id == sa.bindparam("row_id")),
                           updates)
    return len(rows)


def stored_rows(unit, index, place, year):
    return [{c.name: getattr(r, c.name) for c in OfficialResult.__table__.columns}
            for r in db.session.scalars(sa.select(OfficialResult).filter_by(
                unit_id=unit.id, index=index, place=place, year=year)
                .order_by(OfficialResult.position))]
