"""The target table of a unit: official result, internal estimate, target, gap, P(met).

Beside the internal estimate, each row gets
- a nowcast of the next official value: the internal estimate calibrated on the years in
  which both an official result and internal responses exist (``analysis.nowcast``);
- for the headline index, the forecast of the monthly internal series to December of the
  target year and the probability that it reaches the target (``analysis.forecast``).
"""
from dataclasses import dataclass

import sqlalchemy as sa

from analysis.nowcast import nowcast
from analysis.targets import probability_met
from survey_app.extensions import db
from survey_app.models import OfficialResult
from survey_app.services.periods import last_twelve_months, parse_period
from survey_app.services.results import instruments_in_scope, unit_results
from survey_app.services.series import (
    forecast_points,
    last_complete_label,
    steps_to_year_end,
    unit_series,
)

#: A forecast further ahead than this is not shown (the interval would say nothing).
MAX_FORECAST_MONTHS = 18

# Official node -> (instrument, node code, scale): the internal estimate of that node is
# scale x index. SIPAS nodes are percentages; PAR INDEX 8.1 turns SIPAS into points.
SIPAS_2023 = {code: ("sipas-2023", code, 1.0)
              for code in ("total", "I", "II", "1", "2", "3", "4", "5", "6", "7", "8", "9")}
COUNTER = {"II": ("sipas-counter", "total", 1.0),
           **{code: ("sipas-counter", code, 1.0) for code in ("5", "6", "7", "8", "9")}}
PAR_POINTS = {"8.1": ("sipas-2023", "total", 0.1),
              **{f"8.1.{i}": ("sipas-counter", str(4 + i), m / 100)
                 for i, m in zip(range(1, 6), (1.5, 1.5, 2.5, 2.5, 2.0), strict=True)}}


@dataclass(frozen=True)
class TargetRow:
    row: object             # OfficialResult
    estimate: float | None  # internal, on the row's scale
    ci_low: float | None
    ci_high: float | None
    source: str | None      # instrument/node the estimate comes from
    gap: float | None       # target - estimate
    probability: float | None        # P(target met): nowcast if any, else the estimate
    nowcast: object = None           # analysis.nowcast.Nowcast on the row's scale
    forecast: tuple | None = None    # (month, mean, low, high, P(>= target)), row's scale


def mapping_for(index, available):
    if index == "SIPAS":
        return SIPAS_2023 if "sipas-2023" in available else COUNTER
    if index == "PAR_INDEX":
        return PAR_POINTS
    return {}


class Internal:
    """Internal estimates of a unit, computed once per instrument and period."""

    def __init__(self, unit):
        self.unit = unit
        self.cache = {}

    def overall(self, instrument, period):
        key = (instrument, period.label)
        if key not in self.cache:
            self.cache[key] = unit_results(self.unit, instrument, period).overall
        return self.cache[key]

    def monthly(self, instrument):
        key = (instrument, "series")
        if key not in self.cache:
            self.cache[key] = unit_series(self.unit, instrument, "month")
        return self.cache[key]


def official_history(row):
    """{year: official result} of the same index, place and code, before the target year."""
    found = db.session.execute(
        sa.select(OfficialResult.year, OfficialResult.result).where(
            OfficialResult.index == row.index, OfficialResult.place == row.place,
            OfficialResult.code == row.code, OfficialResult.unit_id == row.unit_id,
            OfficialResult.result.is_not(None), OfficialResult.year <= row.year)
    ).all()
    return dict(found)


def row_nowcast(internal, row, instrument, node, scale, current):
    """The next official value from the current internal estimate, or None without a
    single past year that has both an official result and internal responses."""
    pairs = []
    for year, result in sorted(official_history(row).items()):
        overall = internal.overall(instrument, parse_period(str(year)))
        found = overall.get(node) if overall else None
        if found is not None and found.estimate is not None:
            pairs.append((result, scale * found.estimate))
    if not pairs:
        return None
    official, past = zip(*pairs, strict=True)
    return nowcast(official, past, scale * current.estimate, scale * current.se,
                   prior_sd=3.0 * scale)


def row_forecast(internal, row, instrument, node, scale):
    """(month, mean, low, high, P) of the internal series in December of the target year."""
    points = (internal.monthly(instrument) or {}).get(node)
    if not points:
        return None
    start = last_complete_label(points)  # the current month is forecast, not fitted
    if start is None:
        return None
    steps = steps_to_year_end(start, "month", row.year + 1)
    if not 1 <= steps <= MAX_FORECAST_MONTHS:
        return None
    result = forecast_points(points, "month", steps)
    if result is None or result.model is None:
        return None
    p = result.probability_at_least(row.target_next_year / scale)
    return (f"{row.year + 1}-12", scale * result.mean[-1], scale * result.low[-1],
            scale * result.high[-1], p)


def tables_of(unit):
    """(index, place, year) of the official tables attached to ``unit``, newest first."""
    return db.session.execute(
        sa.select(OfficialResult.index, OfficialResult.place, OfficialResult.year)
        .where(OfficialResult.unit_id == unit.id).distinct()
        .order_by(OfficialResult.year.desc(), OfficialResult.index)
    ).all()


def table_rows(unit, index, place, year):
    return db.session.scalars(sa.select(OfficialResult).filter_by(
        index=index, place=place, year=year, unit_id=unit.id)
        .order_by(OfficialResult.position)).all()


def _round(value, digits=3):
    return None if value is None else round(float(value), digits)


def target_json(t):
    """A row of the target table as JSON (API and CLI)."""
    r = t.row
    data = {"code": r.code, "level": r.level, "name_vi": r.name_vi, "max": r.max_points,
            "result": r.result, "target_next_year": r.target_next_year,
            "lead_unit": r.lead_unit, "internal": None, "nowcast": None, "forecast": None,
            "gap": _round(t.gap), "probability_target_met": _round(t.probability)}
    if t.estimate is not None:
        data["internal"] = {"source": t.source, "estimate": _round(t.estimate),
                            "ci_low": _round(t.ci_low), "ci_high": _round(t.ci_high)}
    if t.nowcast is not None:
        n = t.nowcast
        data["nowcast"] = {"estimate": _round(n.estimate), "low": _round(n.low),
                           "high": _round(n.high), "years": n.years, "df": _round(n.df)}
    if t.forecast is not None:
        month, mean, low, high, p = t.forecast
        data["forecast"] = {"period": month, "mean": _round(mean), "low": _round(low),
                            "high": _round(high), "probability_target_met": _round(p)}
    return data


def target_table(unit, rows):
    """Rows of one official table with the unit's internal estimates (last 12 months)."""
    if not rows:
        return []
    available = set(instruments_in_scope(unit))
    mapping = mapping_for(rows[0].index, available)
    period = last_twelve_months()
    internal = Internal(unit)
    table = []
    for row in rows:
        estimate = low = high = gap = probability = source = now = ahead = None
        instrument, node, scale = mapping.get(row.code, (None, None, None))
        if instrument in available:
            overall = internal.overall(instrument, period)
            found = overall.get(node) if overall else None
            if found is not None and found.estimate is not None:
                estimate, low, high = (scale * found.estimate, scale * found.ci_low,
                                       scale * found.ci_high)
                source = f"{instrument}:{node}"
                now = row_nowcast(internal, row, instrument, node, scale, found)
                if row.target_next_year is not None:
                    gap = row.target_next_year - estimate
                    probability = now.probability_at_least(row.target_next_year) if now \
                        else probability_met(estimate, scale * found.se, row.target_next_year)
                    if node == "total":
                        ahead = row_forecast(internal, row, instrument, node, scale)
        table.append(TargetRow(row, estimate, low, high, source, gap, probability, now, ahead))
    return table
