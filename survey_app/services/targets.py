"""The target table of a unit: official result, internal estimate, target, gap, P(met).

Each official row is set against the questionnaire node that says it measures it (the
``official`` mapping of the instrument files, ``instruments/official.py``): when several
questionnaires of the unit measure the same official node, the most complete measure
(most items in the node) with answers wins, then the one with the most responses.
Beside the internal estimate, each row gets
- a nowcast of the next official value: the internal estimate calibrated on the years in
  which both an official result and internal responses exist (``analysis.nowcast``);
- for a questionnaire's headline index, the forecast of the monthly internal series to
  December of the target year and the probability that it reaches the target
  (``analysis.forecast``).
A cell left blank always says why (``TargetRow.blanks``, ``explain_blank``).
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from analysis.forecast import MIN_POINTS
from analysis.nowcast import nowcast
from analysis.targets import (
    MIN_DRIFT_MONTHS,
    drift_variance,
    forecast_probability_official,
    probability_official,
)
from survey_app import clock
from survey_app.extensions import db
from survey_app.models import OfficialResult
from survey_app.services import instrument_store
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
#: The columns that may be blank for a reason.
COLUMNS = ("internal", "nowcast", "forecast")


@dataclass(frozen=True)
class Source:
    """The questionnaire node an official row is set against: value = scale x index."""

    instrument: str
    node: str
    scale: float
    headline: bool   # the questionnaire's root index (the one forecast to December)

    def __str__(self):
        return f"{self.instrument}:{self.node}"


@dataclass(frozen=True)
class TargetRow:
    row: object             # OfficialResult
    estimate: float | None  # internal, on the row's scale
    ci_low: float | None
    ci_high: float | None
    source: str | None      # instrument:node the estimate comes from
    gap: float | None       # target - estimate
    probability: float | None        # P(official result of the target year >= target)
    nowcast: object = None           # analysis.nowcast.Nowcast on the row's scale
    forecast: tuple | None = None    # (month, mean, low, high, P(>= target)), row's scale
    blanks: dict = field(default_factory=dict)  # column -> (reason code, params)


def sources_for(index, available):
    """{official code: [Source], most complete measure first} for the official ``index``,
    from the ``official`` mapping of each questionnaire in ``available`` (most responses
    first)."""
    ranked = {}
    for rank, code in enumerate(available):
        current = instrument_store.current_version(code)
        if current is None:
            continue
        instrument = current[1]
        for official_code, (node, scale) in instrument.official_nodes(index).items():
            source = Source(code, node.code, scale, node.code == instrument.index.code)
            ranked.setdefault(official_code, []).append((-len(node.item_codes()), rank, source))
    return {code: [s for *_, s in sorted(found, key=lambda t: t[:2])]
            for code, found in ranked.items()}


class Internal:
    """Internal estimates of a unit, computed once per instrument and period."""

    def __init__(self, unit, today):
        self.unit, self.today = unit, today
        self.cache = {}

    def overall(self, instrument, period):
        key = (instrument, period.label, period.start)
        if key not in self.cache:
            self.cache[key] = unit_results(self.unit, instrument, period).overall
        return self.cache[key]

    def monthly(self, instrument):
        key = (instrument, "series")
        if key not in self.cache:
            self.cache[key] = unit_series(self.unit, instrument, "month", today=self.today)
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


def row_nowcast(internal, row, source, current):
    """(Nowcast, None) of the next official value from the current internal estimate, or
    (None, reason) without a past year that has both an official result and responses."""
    history, pairs = official_history(row), []
    years = sorted(history)
    for year in years:
        overall = internal.overall(source.instrument, parse_period(str(year)))
        found = overall.get(source.node) if overall else None
        if found is not None and found.estimate is not None:
            pairs.append((history[year], source.scale * found.estimate))
    if not pairs:
        return None, ("no_calibration", {"years": ", ".join(map(str, years)) or "—",
                                         "instrument": source.instrument})
    official, past = zip(*pairs, strict=True)
    return nowcast(official, past, source.scale * current.estimate,
                   source.scale * current.se, prior_sd=3.0 * source.scale), None


def row_forecast(internal, row, source, now=None):
    """((month, mean, low, high, P), None) of the internal series in December of the target
    year, or (None, reason). P is that of the official result: the forecast moved by the
    official/internal gap of the nowcast ``now``, with the gap's variance (None without a
    nowcast)."""
    year = row.year + 1
    if not source.headline:
        return None, ("not_headline", {"instrument": source.instrument})
    points = (internal.monthly(source.instrument) or {}).get(source.node) or []
    start = last_complete_label(points)  # the current month is forecast, not fitted
    if start is None:
        return None, ("too_short", {"n": 0, "need": MIN_POINTS})
    steps = steps_to_year_end(start, "month", year)
    if steps < 1:
        return None, ("past", {"year": year})
    if steps > MAX_FORECAST_MONTHS:
        return None, ("too_far", {"year": year, "months": steps, "max": MAX_FORECAST_MONTHS})
    result = forecast_points(points, "month", steps)
    if result is None:
        return None, ("gaps", {})
    if result.model is None:
        return None, (result.reason_code, {"n": result.series_points, "need": MIN_POINTS})
    s = source.scale
    p = forecast_probability_official(s * result.mean[-1], s * result.sd[-1], now,
                                      row.target_next_year)
    return (f"{year}-12", s * result.mean[-1], s * result.low[-1], s * result.high[-1], p), None


def row_probability(internal, row, source, now, why_not_now):
    """(P(official result of the target year >= target), None) or (None, reason).

    The nowcast carries sampling error and the official/internal gap; the drift of the
    index between the last 12 months and the target year is added from the monthly
    series (``analysis.targets``). No nowcast (no year to calibrate the gap on): none."""
    if now is None:
        return None, why_not_now
    points = [p for p in (internal.monthly(source.instrument) or {}).get(source.node) or []
              if not p.partial and p.estimate is not None]
    today = internal.today
    months = (row.year + 1) * 12 + 12 - (today.year * 12 + today.month)
    drift = drift_variance([p.estimate for p in points], [p.se for p in points], months)
    if drift is None:
        return None, ("drift_short", {"n": len(points), "need": MIN_DRIFT_MONTHS})
    return probability_official(now, row.target_next_year, source.scale ** 2 * drift), None


def explain_blank(reason):
    """Why a cell is blank, in the reader's language; ``reason`` is (code, params)."""
    code, p = reason
    messages = {
        "no_mapping": lambda: _("No questionnaire of this unit measures %(index)s %(code)s.",
                                **p),
        "no_responses": lambda: _("No responses to %(instrument)s in the last 12 months.",
                                  **p),
        "no_valid": lambda: _("No valid answers to %(node)s of %(instrument)s in the last "
                              "12 months.", **p),
        "no_calibration": lambda: _("No year with both an official result (%(years)s) and "
                                    "responses to %(instrument)s to calibrate on.", **p),
        "not_headline": lambda: _("Only the headline index of %(instrument)s is forecast.",
                                  **p),
        "past": lambda: _("December %(year)d has passed.", **p),
        "too_far": lambda: _("December %(year)d is %(months)d months ahead; forecasts go "
                             "at most %(max)d months ahead.", **p),
        "gaps": lambda: _("Some months have no answers: the monthly series has gaps."),
        "too_short": lambda: _("The monthly series has %(n)d complete months; a forecast "
                               "needs %(need)d.", **p),
        "no_model": lambda: _("No model could be fitted to the monthly series."),
        "drift_short": lambda: _("The monthly series has %(n)d complete months; measuring "
                                 "how the index drifts over time needs %(need)d.", **p),
    }
    return messages[code]()


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
    """A row of the target table as JSON (API and CLI); a blank part says why."""
    r = t.row
    data = {"code": r.code, "level": r.level, "name_vi": r.name_vi, "max": r.max_points,
            "result": r.result, "target_next_year": r.target_next_year,
            "lead_unit": r.lead_unit, "internal": None, "nowcast": None, "forecast": None,
            "gap": _round(t.gap), "probability_target_met": _round(t.probability),
            "blank": {column: {"reason": reason[0], "message": explain_blank(reason)}
                      for column, reason in t.blanks.items()}}
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


def missing_estimate(internal, row, candidates, period):
    """Why no candidate gives an estimate: no mapping, no responses or no valid answers."""
    if not candidates:
        return "no_mapping", {"index": row.index, "code": row.code}
    first = candidates[0]
    if internal.overall(first.instrument, period) is None:
        return "no_responses", {"instrument": first.instrument}
    return "no_valid", {"instrument": first.instrument, "node": first.node}


def target_row(internal, row, candidates, period):
    for source in candidates:
        overall = internal.overall(source.instrument, period)
        found = overall.get(source.node) if overall else None
        if found is not None and found.estimate is not None:
            break
    else:
        reason = missing_estimate(internal, row, candidates, period)
        return TargetRow(row, None, None, None, None, None, None,
                         blanks=dict.fromkeys(COLUMNS, reason))
    s = source.scale
    estimate, low, high = s * found.estimate, s * found.ci_low, s * found.ci_high
    now, why_not_now = row_nowcast(internal, row, source, found)
    ahead, why_not_ahead = row_forecast(internal, row, source, now)
    gap = probability = why_no_probability = None
    if row.target_next_year is not None:
        gap = row.target_next_year - estimate
        probability, why_no_probability = row_probability(internal, row, source, now,
                                                          why_not_now)
    blanks = {column: why for column, why in (("nowcast", why_not_now),
                                               ("forecast", why_not_ahead),
                                               ("probability", why_no_probability)) if why}
    return TargetRow(row, estimate, low, high, str(source), gap, probability, now, ahead,
                     blanks)


def nothing_mapped(table):
    """True when no row of the table has a questionnaire measuring it."""
    return bool(table) and all(t.blanks.get("internal", ("",))[0] == "no_mapping"
                               for t in table)


def target_table(unit, rows, today=None):
    """Rows of one official table with the unit's internal estimates (last 12 months)."""
    if not rows:
        return []
    today = today or clock.today()
    sources = sources_for(rows[0].index, instruments_in_scope(unit))
    period = last_twelve_months(today)
    internal = Internal(unit, today)
    return [target_row(internal, row, sources.get(row.code, []), period) for row in rows]
