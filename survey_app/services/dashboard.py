"""The first screen of a unit's results: how are we doing, is it getting better, who is
behind, will we meet the target — headline tiles and the ranking behind the caterpillar
chart. Every number comes from the results already computed for the page, except the
ranking (one breakdown) and the target (one official row)."""
from dataclasses import dataclass

import sqlalchemy as sa

from analysis.publication import enough_data
from survey_app import clock
from survey_app.extensions import db
from survey_app.models import Invitation, ServicePoint, Unit
from survey_app.services import org
from survey_app.services import targets as target_service
from survey_app.services.periods import last_twelve_months
from survey_app.services.results import instruments_in_scope, root_code


@dataclass(frozen=True)
class Target:
    index: str
    year: int
    code: str
    name: str
    target: float
    estimate: float
    gap: float            # target − estimate (on the official scale)
    probability: float | None


@dataclass(frozen=True)
class ResponseRate:
    issued: int
    answered: int

    @property
    def rate(self):
        return 100.0 * self.answered / self.issued if self.issued else None


def response_rate(unit, period):
    """Invitations issued in ``period`` at the unit's points, and how many were answered."""
    issued, answered = db.session.execute(
        sa.select(sa.func.count(Invitation.id), sa.func.count(Invitation.used_at))
        .join(ServicePoint, ServicePoint.id == Invitation.service_point_id)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .where(Unit.path.startswith(unit.path), Invitation.created_at >= period.start,
               Invitation.created_at < period.end)).one()
    return ResponseRate(issued, answered)


def headline_target(unit, instrument_code):
    """The unit's newest official target its questionnaires measure, with the gap and
    P(target met) as on the targets page (last 12 months); None when there is none."""
    for index, place, year in target_service.tables_of(unit):
        rows = [r for r in target_service.table_rows(unit, index, place, year)
                if r.target_next_year is not None]
        if not rows:
            continue
        sources = target_service.sources_for(index, instruments_in_scope(unit))
        today = clock.today()
        internal = target_service.Internal(unit, today)
        period = last_twelve_months(today)
        # the row the questionnaire's root index measures first, then any measured row
        rows.sort(key=lambda r: not any(s.headline and s.instrument == instrument_code
                                        for s in sources.get(r.code, [])))
        for row in rows:
            candidates = sources.get(row.code, [])
            if not candidates:
                continue
            found = target_service.target_row(internal, row, candidates, period)
            if found.estimate is not None:
                return Target(index, year, row.code, row.name_vi, row.target_next_year,
                              found.estimate, found.gap, found.probability)
    return None


def rank_by(unit, by):
    """The breakdown the ranking shows: the page's own when it is by unit or service
    point, else the unit's sub-units when it has any, else its service points."""
    if by in ("unit", "service_point"):
        return by
    children = [u for u in org.units_in_scope(unit) if u.id != unit.id]
    return "unit" if children else "service_point"


@dataclass(frozen=True)
class Ranked:
    key: str
    name: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    n: int
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    publishable: bool


def ranking(results, names):
    """Breakdown domains ordered by their root estimate, highest first, with rank
    intervals; domains without an estimate are left out."""
    if not results or not results.breakdown:
        return []
    root = root_code(results.breakdown[0])
    rows = []
    for d in results.breakdown:
        e = d.get(root)
        if e.estimate is None:
            continue
        rank = results.ranks.get(d.key)
        rows.append(Ranked(d.key[0], names.get(d.key[0], d.key[0]), e.estimate, e.ci_low,
                           e.ci_high, d.n, *(rank or (None, None, None)), enough_data(e)))
    return sorted(rows, key=lambda r: -r.estimate)
