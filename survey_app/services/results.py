"""Results of a unit for the console, the public page and the JSON endpoint."""
import time
from dataclasses import dataclass, replace

import numpy as np
import sqlalchemy as sa
from flask_babel import gettext as _

from analysis.compare import adjust, compare, rank_intervals
from analysis.publication import enough_data
from instruments.schema import PROFILE_FIELDS
from survey_app.extensions import db
from survey_app.labels import estimate_name, label, reader_lang
from survey_app.models import CellTally, Procedure, ServicePoint, Unit
from survey_app.services import org
from survey_app.services.analysis_inputs import analyze_labels, analyze_scope, load_scope
from survey_app.services.periods import Period, previous_period, same_period_last_year

PUBLIC_CACHE_SECONDS = 300
_cache = {}


@dataclass(frozen=True)
class UnitResults:
    instrument: str
    period: Period
    overall: object        # DomainResult or None when there are no responses
    breakdown: tuple       # DomainResult per domain of ``by``
    ranks: dict            # breakdown key -> (rank, low, high) of the root index
    by: str | None
    trend: tuple           # DomainResult per month
    n: int
    weighting: object = None   # survey_design.Weighting of the period's responses


def instruments_in_scope(unit):
    """Instrument codes used by service points in the subtree, most responses first
    (responses counted in the tallies: a sum over a few rows per point and month)."""
    counted = (sa.select(CellTally.service_point_id,
                         sa.func.sum(CellTally.responses).label("responses"))
               .group_by(CellTally.service_point_id).subquery())
    total = sa.func.coalesce(sa.func.sum(counted.c.responses), 0)
    rows = db.session.execute(
        sa.select(ServicePoint.instrument_code, total)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .outerjoin(counted, counted.c.service_point_id == ServicePoint.id)
        .where(Unit.path.startswith(unit.path))
        .group_by(ServicePoint.instrument_code)
        .order_by(total.desc(), ServicePoint.instrument_code)
    ).all()
    return [code for code, _ in rows]


def unit_results(unit, instrument_code, period, by=None, trend_period=None, trend_by="month",
                 lang=None):
    """Indices of ``unit``'s subtree in ``period``, named in ``lang`` (default: the reader's)."""
    data = load_scope(unit, instrument_code, period.start, period.end, lang)
    n = data.n
    overall = analyze_scope(data).domains[0] if n else None
    breakdown, ranks = (), {}
    if by and n:
        by_domain = analyze_scope(data, by=(by,))
        breakdown = tuple(by_domain.domains)
        root = root_code(by_domain.domains[0])
        ranks = {key: (rank, low, high)
                 for key, _, rank, low, high in rank_intervals(by_domain, root)}
    trend = ()
    if trend_period is not None:
        window = load_scope(unit, instrument_code, trend_period.start, trend_period.end, lang)
        if len(window.weights):
            trend = tuple(analyze_scope(window, by=(trend_by,)).domains)
    return UnitResults(instrument_code, period, overall, breakdown, ranks, by, trend, n,
                       data.weighting)


def weighting_text(weighting):
    """The weighting in words, in the reader's language ("weighted to 12,431 dossiers",
    "unweighted: no dossier counts for 3 of 5 counters")."""
    from flask_babel import gettext as _

    from survey_app.formatting import number

    if weighting is None or weighting.points == 0:
        return ""
    parts = []
    if weighting.weighted:
        parts.append(_("weighted to %(n)s dossiers", n=number(weighting.dossiers, 0)))
    if weighting.unweighted_points:
        parts.append(_("unweighted: no dossier counts for %(k)d of %(n)d counters",
                       k=weighting.unweighted_points, n=weighting.points))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def breakdown_names(unit, by, keys, lang):
    """What a reader calls each breakdown key: names for units, service points and
    procedures, words for sectors, channels and verified/open."""
    if by == "unit":
        names = {u.code: u.name(lang) for u in org.units_in_scope(unit)}
    elif by == "service_point":
        names = {f"{p.unit.code}/{p.code}": f"{p.name(lang)} · {p.unit.name(lang)}"
                 for p in org.service_points_in_scope(unit)}
    elif by == "procedure":
        names = {p.code: f"{p.code} · {p.name_en if lang == 'en' and p.name_en else p.name_vi}"
                 for p in db.session.scalars(sa.select(Procedure).where(Procedure.code.in_(keys)))}
    elif by in PROFILE_FIELDS:
        lang_of = "en" if lang == "en" else "vi"
        names = {code: words[lang_of] for code, words in PROFILE_FIELDS[by]}
        names["—"] = _("not answered")
    else:
        kind = {"sector": "sector", "channel": "channel", "verified": "verified"}[by]
        names = {key: label(key, kind) for key in keys}
    return {key: names.get(key, key) for key in keys}


def root_code(domain_result):
    """The index tree's root: the first estimate after the items."""
    return next(e.code for e in domain_result.estimates if e.level != "item")


def ordered(domain_result):
    """Tree nodes first (total, aspects, factors), then items, then the all-satisfied share."""
    nodes = [e for e in domain_result.estimates if e.level not in ("item", "respondent")]
    items = [e for e in domain_result.estimates if e.level == "item"]
    rest = [e for e in domain_result.estimates if e.level == "respondent"]
    return nodes + items + rest


@dataclass(frozen=True)
class PeriodComparison:
    """The root index now against an earlier period, with both sides' estimates."""

    other: Period
    comparison: object     # analysis Comparison (current - other); p_adjusted by Holm
    current: object        # IndexEstimate of the root in the period
    earlier: object        # IndexEstimate of the root in ``other``

    @property
    def enough_data(self):
        """Both sides pass the publication rule (n_valid >= 30, CI at most 20 points)."""
        return enough_data(self.current) and enough_data(self.earlier)

    @property
    def significant(self):
        """True/False, or None when either side has too little data for a verdict."""
        if not self.enough_data or self.comparison.p_adjusted is None:
            return None
        return self.comparison.p_adjusted < 0.05


def period_comparisons(unit, instrument_code, period):
    """The root index now vs the previous period and vs the same period last year.

    All three periods are domains of one analysis, so each difference has a design-based
    CI and p-value. A comparison where either side fails the publication rule gets no
    verdict (a 31-response period is not evidence of change); the others' p-values are
    adjusted together (Holm).
    """
    others = [previous_period(period), same_period_last_year(period)]
    start = min(p.start for p in [period, *others])
    data = load_scope(unit, instrument_code, start, period.end)
    if not len(data.weights):
        return []
    times = data.local_time  # periods are Vietnam's months
    labels = np.full(len(times), "other", dtype=object)
    for p in [*others, period]:  # the current period wins where they overlap
        inside = (times >= np.datetime64(p.start)) & (times < np.datetime64(p.end))
        labels[inside] = "current" if p is period else p.label
    result = analyze_labels(data, labels)
    domains = {d.key[0]: d for d in result.domains}
    if "current" not in domains:
        return []
    root = root_code(result.domains[0])
    found = [PeriodComparison(p, compare(result, root, ("current",), (p.label,)),
                              domains["current"].get(root), domains[p.label].get(root))
             for p in others if p.label in domains]
    judged = [c for c in found if c.enough_data]
    adjusted = dict(zip((id(c) for c in judged),
                        adjust([c.comparison for c in judged], "holm"), strict=True))
    return [replace(c, comparison=adjusted.get(id(c), replace(c.comparison, p_adjusted=None)))
            for c in found]


def public_results(unit, period, lang=None):
    """Per instrument of the unit, cached a few minutes: the public page is read often."""
    lang = lang or reader_lang()
    key = (unit.id, period.label, period.start, lang)
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < PUBLIC_CACHE_SECONDS:
        return hit[1]
    value = [unit_results(unit, code, period, lang=lang) for code in instruments_in_scope(unit)]
    _cache[key] = (time.monotonic(), value)
    return value


def clear_public_cache():
    _cache.clear()


def estimate_json(estimate, public=True):
    """An estimate for the JSON endpoint; under the publication rule, no number."""
    shown = enough_data(estimate)
    data = {"code": estimate.code, "level": estimate.level, "name": estimate_name(estimate),
            "n_valid": estimate.n_valid, "enough_data": shown}
    if shown or not public:
        # a node without valid answers in the period has no estimate: null, as the API says
        data.update({name: None if getattr(estimate, name) is None
                     else round(getattr(estimate, name), 2)
                     for name in ("estimate", "ci_low", "ci_high")})
    if not public:  # integrators get the unrounded figures with their SE and df
        data.update(estimate=estimate.estimate, se=estimate.se, ci_low=estimate.ci_low,
                    ci_high=estimate.ci_high, df=estimate.df, n=estimate.n,
                    n_eff=estimate.n_eff)
    return data
