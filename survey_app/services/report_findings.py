"""The findings of a periodic report, computed from the numbers and written as sentences.

Each finding keeps the numbers it cites (``Finding.numbers``), so the sentence can be
checked against them (tests/test_report_findings.py) and the XLSX can list them. The
publication rule of ``analysis.publication`` decides every sentence: a number that fails
it is never stated as a result, and a claim ("highest", "rose", "first") is made only
when the test behind it supports it:

- a change is called significant only when the comparison's Holm-adjusted p < 0.05 and
  both periods pass the rule (``PeriodComparison.significant``);
- the highest and lowest factors are named as different only when their paired
  difference (``analysis.contrast``) has p < 0.05;
- units are ranked only among those that pass the rule, each with its 95 % rank
  interval; one is called "clearly first" only when its interval is 1–1;
- a target is judged with P(target met) of ``services.targets`` only when the internal
  estimate passes the rule.
"""
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import sqlalchemy as sa

from analysis.compare import rank_intervals
from analysis.contrast import compare_codes
from analysis.publication import MIN_VALID, enough_data
from analysis.shares import mean, mean_of_sums, share, share_of_counts
from survey_app.extensions import db
from survey_app.formatting import p_text
from survey_app.models import Invitation, Response, ServicePoint, Unit
from survey_app.services import packing, tally
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.reports import _, number
from survey_app.services.results import breakdown_names, root_code
from survey_app.services.tally_scope import TallyData
from survey_app.services.targets import Internal, sources_for, table_rows, tables_of, target_row

#: Items of the instruments that ask about informal demands and trips (instruments/data).
EXTRA_REQUEST_ITEM = "extra_request"
TRIPS_ITEM = "trips"
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Finding:
    kind: str           # overall, change, factors, ranking, target, extra_request, trips
    text: str           # the sentence, in the report's language
    numbers: dict = field(default_factory=dict)  # what the sentence cites, unformatted
    supported: bool = True  # False: the sentence says there is not enough data


@dataclass(frozen=True)
class RankRow:
    key: str
    name: str
    estimate: object     # IndexEstimate of the root index in this unit
    rank: int | None     # None: not ranked (fails the publication rule)
    low: int | None
    high: int | None


@dataclass(frozen=True)
class Method:
    n: int
    strata: int
    clusters: int | None     # None: each response is its own sampling unit
    weighted: bool
    weight_min: float
    weight_max: float
    kish_n: float            # n / (1 + cv² of weights)
    channels: dict           # channel -> responses
    verified: int
    invitations: int         # issued in the period, in scope
    invitations_used: int


@dataclass(frozen=True)
class Facts:
    """What the findings of one questionnaire are computed from."""

    analysis: object         # analysis.Analysis of the whole scope
    root: str
    ranked_by: str           # "unit" or "service_point"
    ranking: tuple           # RankRow, ranked first (best first), then the unranked
    extra_request: object    # ShareEstimate or None (the questionnaire does not ask)
    one_trip: object         # ShareEstimate of dossiers done in one trip, or None
    mean_trips: object       # ShareEstimate (a mean) of trips, 3+ counted as 3, or None
    method: Method


def count(value, lang):
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "vi" else text


def ci_text(low, high, lang, digits=1):
    return f"{number(low, digits, lang)}–{number(high, digits, lang)}"


# ---------------------------------------------------------------- gathering the numbers

def extra_answers(data, unit, period, codes):
    """{item code: values (n,) aligned with ``data.response_ids``, NaN for no answer}.

    One streamed query over the same scope and period as ``load_scope``; answers of
    responses that are not in ``data`` (another questionnaire) are left out."""
    found = {code: np.full(len(data.response_ids), np.nan) for code in codes}
    if not len(data.response_ids) or not codes:
        return found
    query = (sa.select(Response.id, Response.instrument_version_id, Response.answer_codes)
             .join(Unit, Unit.id == Response.unit_id)
             .where(Unit.path.startswith(unit.path), packing.answered(),
                    Response.submitted_at >= period.start, Response.submitted_at < period.end))
    ids = data.response_ids
    for response_id, version_id, text in db.session.execute(
            query.execution_options(yield_per=20_000)):
        at = np.searchsorted(ids, response_id)
        if at < len(ids) and ids[at] == response_id:
            values = packing.unpack(packing.slots_of_version(version_id), text)
            for code in codes:
                if values.get(code) is not None:
                    found[code][at] = values[code]
    return found


def row_extras(data, unit, period, codes):
    """(share asked for extra, share in one trip, mean trips) from the responses."""
    answers = extra_answers(data, unit, period, codes)
    design = data.design.design  # the §2b design of every figure
    extra = share(answers[EXTRA_REQUEST_ITEM], design) if EXTRA_REQUEST_ITEM in codes else None
    one_trip = mean_trips = None
    if TRIPS_ITEM in codes:
        one_trip = share(answers[TRIPS_ITEM], design, yes=1)
        mean_trips = mean(answers[TRIPS_ITEM], design)
    return extra, one_trip, mean_trips


def tally_extras(data, _unit, _period, codes):
    """The same from the tallies' counts per PSU (``tally.extra_counts``): column 0 the
    answers with a value, 1 their sum, 2 + v the answers of value v."""
    counts = data.extras() if codes else {}
    design = data.sums.design  # the same §2b design, one row per PSU
    empty = np.zeros((len(data.weights), tally.EXTRA_WIDTH), dtype=np.int64)
    extra = one_trip = mean_trips = None
    if EXTRA_REQUEST_ITEM in codes:
        c = counts.get(EXTRA_REQUEST_ITEM, empty)
        extra = share_of_counts(c[:, 2 + 1], c[:, 0], design, data.n, rows_sum=True)
    if TRIPS_ITEM in codes:
        c = counts.get(TRIPS_ITEM, empty)
        one_trip = share_of_counts(c[:, 2 + 1], c[:, 0], design, data.n, rows_sum=True)
        mean_trips = mean_of_sums(c[:, 1], c[:, 0], design, data.n, rows_sum=True)
    return extra, one_trip, mean_trips


def ranking(data, unit, root, lang):
    """Units (or, in a scope of one unit, service points) ranked by the root index."""
    by = "unit" if len(set(data.attributes["unit"].tolist())) > 1 else "service_point"
    result = analyze_scope(data, by=(by,))
    names = breakdown_names(unit, by, [d.key[0] for d in result.domains], lang)
    eligible = [d for d in result.domains if enough_data(d.get(root))]
    rows = []
    if eligible:
        index = [result.domains.index(d) for d in eligible]
        view = SimpleNamespace(codes=result.codes, estimate=result.estimate[index],
                               domains=tuple(eligible))
        for key, _estimate, rank, low, high in rank_intervals(view, root):
            domain = next(d for d in eligible if d.key == key)
            rows.append(RankRow(key[0], names[key[0]], domain.get(root), rank, low, high))
    for d in result.domains:
        if d not in eligible:
            rows.append(RankRow(d.key[0], names[d.key[0]], d.get(root), None, None, None))
    return by, tuple(rows)


def report_targets(unit, period, today):
    """Rows of the official tables whose target is for the period's year (the table of the
    year before), each set against the questionnaire that measures it best (as on the
    targets page): (TargetRow, the IndexEstimate behind it or None, unit, digits)."""
    from survey_app.services.results import instruments_in_scope

    tables = [t for t in tables_of(unit) if t[2] == period.start.year - 1]
    internal = Internal(unit, today)
    available = instruments_in_scope(unit)
    found = []
    for index, place, year in tables:
        sources = sources_for(index, available)
        for row in table_rows(unit, index, place, year):
            candidates = sources.get(row.code, [])
            if row.target_next_year is None or not candidates:
                continue
            t = target_row(internal, row, candidates, period)
            source = next((s for s in candidates if str(s) == t.source), candidates[0])
            overall = internal.overall(source.instrument, period)
            estimate = next((e for e in overall.estimates if e.code == source.node), None) \
                if overall else None
            percent = source.scale == 1
            found.append((t, estimate, "%" if percent else "", 1 if percent else 2))
    return tuple(found)


def tally_method(data):
    """(responses per PSU, weights per PSU, channels, verified) of tallies: the counts
    come from the tallies split by channel and by verified."""
    def counted(dimension):
        parts = data.parts(dimension)
        found = {}
        for label, n in zip(parts.attributes[dimension].tolist(),
                            parts.sums.sums[:, 0].tolist(), strict=True):
            found[label] = found.get(label, 0) + int(n)
        return found

    return (data.sums.sums[:, 0].astype(float), data.weights, counted("channel"),
            counted("verified").get("verified", 0))


def method_of(data, unit, period):
    if isinstance(data, TallyData):   # one row per PSU: responses counted per row
        counts, weights, channels, verified = tally_method(data)
        clusters = len(weights)
    else:
        weights = data.weights
        counts = np.ones(len(weights))
        channels = {}
        for channel in data.attributes["channel"].tolist():
            channels[channel] = channels.get(channel, 0) + 1
        verified = int((data.attributes["verified"] == "verified").sum())
        clusters = len(set(data.psu_labels.tolist()))
    issued, used = db.session.execute(
        sa.select(sa.func.count(Invitation.id), sa.func.count(Invitation.used_at))
        .join(ServicePoint, ServicePoint.id == Invitation.service_point_id)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .where(Unit.path.startswith(unit.path), Invitation.created_at >= period.start,
               Invitation.created_at < period.end)).one()
    kish = float((counts * weights).sum() ** 2 / (counts * weights ** 2).sum()) \
        if len(weights) else 0.0
    return Method(
        n=int(counts.sum()), strata=len(set(data.attributes["service_point"].tolist())),
        clusters=clusters,
        weighted=bool(len(weights)) and not np.allclose(weights, weights[0]),
        weight_min=float(weights.min()) if len(weights) else 0.0,
        weight_max=float(weights.max()) if len(weights) else 0.0,
        kish_n=kish, channels=channels, verified=verified,
        invitations=int(issued), invitations_used=int(used))


def gather(unit, instrument, period, lang):
    """The numbers of one questionnaire's findings, or None without responses."""
    data = load_scope(unit, instrument.id, period.start, period.end, lang)
    if not len(data.weights):
        return None
    analysis = analyze_scope(data)
    root = root_code(analysis.domains[0])
    by, ranked = ranking(data, unit, root, lang)
    item_codes = {item.code for item in instrument.items}
    codes = [c for c in (EXTRA_REQUEST_ITEM, TRIPS_ITEM) if c in item_codes]
    extra, one_trip, mean_trips = (tally_extras if isinstance(data, TallyData)
                                   else row_extras)(data, unit, period, codes)
    return Facts(analysis, root, by, ranked, extra, one_trip, mean_trips, method_of(data, unit, period))


# ---------------------------------------------------------------- writing the sentences

def overall_finding(facts, name, lang):
    e = facts.analysis.domains[0].get(facts.root)
    numbers = {"estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
               "n": facts.method.n, "n_valid": e.n_valid}
    if not enough_data(e):
        return Finding("overall", _(
            "There are not enough data to publish the %(index)s for this period: %(n)s valid "
            "answers (at least %(min)d are needed, with a 95%% confidence interval no wider "
            "than 20 points).", index=name, n=count(e.n_valid, lang), min=MIN_VALID),
            numbers, supported=False)
    return Finding("overall", _(
        "The %(index)s for the period is %(value)s%% (95%% confidence interval "
        "%(ci)s%%), from %(n)s responses.", index=name, value=number(e.estimate, lang=lang),
        ci=ci_text(e.ci_low, e.ci_high, lang), n=count(facts.method.n, lang)), numbers)


def change_finding(found, lang):
    """One comparison with an earlier period (``results.PeriodComparison``)."""
    c = found.comparison
    other = _("the previous period") if found.other.label == "previous" \
        else _("the same period last year")
    numbers = {"difference": c.difference, "ci_low": c.ci_low, "ci_high": c.ci_high,
               "p": c.p_adjusted, "significant": found.significant, "other": found.other.label}
    if found.significant is None or c.difference is None:
        return Finding("change", _(
            "There are not enough data to say whether the index changed compared with "
            "%(other)s (%(now)s and %(then)s valid answers).", other=other,
            now=count(found.current.n_valid, lang), then=count(found.earlier.n_valid, lang)),
            numbers, supported=False)
    values = {"other": other, "diff": number(c.difference, lang=lang, sign=True),
              "ci": f"{number(c.ci_low, lang=lang)} … {number(c.ci_high, lang=lang)}",
              "p": p_text(c.p_adjusted)}
    if found.significant and c.difference > 0:
        text = _("Compared with %(other)s the index rose by %(diff)s points (95%% CI "
                 "%(ci)s, unadjusted; %(p)s, Holm-adjusted): a significant change.", **values)
    elif found.significant:
        text = _("Compared with %(other)s the index fell by %(diff)s points (95%% CI "
                 "%(ci)s, unadjusted; %(p)s, Holm-adjusted): a significant change.", **values)
    else:
        text = _("Compared with %(other)s the difference is %(diff)s points (95%% CI "
                 "%(ci)s, unadjusted; %(p)s, Holm-adjusted): not significant, the data do not "
                 "show a change.",
                 **values)
    return Finding("change", text, numbers)


def factors_finding(facts, names, lang):
    overall = facts.analysis.domains[0]
    level = "factor" if any(e.level == "factor" for e in overall.estimates) else "aspect"
    eligible = [e for e in overall.estimates if e.level == level and enough_data(e)]
    if len(eligible) < 2:
        return Finding("factors", _("There are not enough data to compare the factors: fewer "
                                    "than two pass the publication rule."), {}, supported=False)
    high = max(eligible, key=lambda e: e.estimate)
    low = min(eligible, key=lambda e: e.estimate)
    c = compare_codes(facts.analysis, (), high.code, low.code)
    significant = c.p_value is not None and c.p_value < SIGNIFICANCE
    numbers = {"high": high.code, "high_estimate": high.estimate, "low": low.code,
               "low_estimate": low.estimate, "difference": c.difference, "p": c.p_value,
               "significant": significant}
    values = {"high": names.get(high.code, high.name), "high_value": number(high.estimate, lang=lang),
              "high_ci": ci_text(high.ci_low, high.ci_high, lang),
              "low": names.get(low.code, low.name), "low_value": number(low.estimate, lang=lang),
              "low_ci": ci_text(low.ci_low, low.ci_high, lang),
              "diff": number(c.difference, lang=lang), "p": p_text(c.p_value)}
    if significant:
        text = _("The highest factor is \u201c%(high)s\u201d (%(high_value)s%%, 95%% CI "
                 "%(high_ci)s%%) and the lowest \u201c%(low)s\u201d (%(low_value)s%%, 95%% CI "
                 "%(low_ci)s%%); the gap of %(diff)s points is significant (%(p)s).",
                 **values)
    else:
        text = _("The factors range from \u201c%(high)s\u201d (%(high_value)s%%, 95%% CI "
                 "%(high_ci)s%%) to \u201c%(low)s\u201d (%(low_value)s%%, 95%% CI "
                 "%(low_ci)s%%); the gap of %(diff)s points is not significant (%(p)s): "
                 "the data do not show that they differ.", **values)
    return Finding("factors", text, numbers)


def ranking_finding(facts, lang):
    ranked = [r for r in facts.ranking if r.rank is not None]
    unranked = len(facts.ranking) - len(ranked)
    what = _("units") if facts.ranked_by == "unit" else _("service points")
    if len(ranked) < 2:
        return Finding("ranking", _("There are not enough data to rank the %(what)s: fewer "
                                    "than two pass the publication rule.", what=what),
                       {"ranked": len(ranked), "unranked": unranked}, supported=False)
    first, last = ranked[0], ranked[-1]
    numbers = {"first": first.key, "first_interval": (first.low, first.high),
               "last": last.key, "last_interval": (last.low, last.high),
               "ranked": len(ranked), "unranked": unranked}
    values = {"what": what, "count": len(ranked), "first": first.name,
              "first_value": number(first.estimate.estimate, lang=lang),
              "first_low": first.low, "first_high": first.high, "last": last.name,
              "last_value": number(last.estimate.estimate, lang=lang),
              "last_low": last.low, "last_high": last.high}
    if first.high == 1:
        text = _("Of %(count)d %(what)s with enough data, %(first)s is clearly first "
                 "(%(first_value)s%%, rank interval %(first_low)d–%(first_high)d) and "
                 "%(last)s last (%(last_value)s%%, rank interval %(last_low)d–%(last_high)d).",
                 **values)
    else:
        text = _("Of %(count)d %(what)s with enough data, %(first)s has the highest estimate "
                 "(%(first_value)s%%, rank interval %(first_low)d–%(first_high)d) and "
                 "%(last)s the lowest (%(last_value)s%%, rank interval "
                 "%(last_low)d–%(last_high)d); the first place is not certain.", **values)
    if unranked:
        text += " " + _("Not ranked for lack of data: %(n)d.", n=unranked)
    return Finding("ranking", text, numbers)


def target_findings(targets, lang):
    found = []
    for t, estimate, unit, digits in targets:
        row = t.row
        name = f"{row.index.replace('_', ' ')} {row.code} ({row.name_vi})"
        numbers = {"code": row.code, "target": row.target_next_year, "estimate": t.estimate,
                   "gap": t.gap, "probability": t.probability}
        if t.estimate is None or estimate is None or not enough_data(estimate):
            found.append(Finding("target", _(
                "%(name)s: target %(target)s%(unit)s; there are not enough data to judge it.",
                name=name, target=number(row.target_next_year, digits, lang), unit=unit),
                numbers, supported=False))
            continue
        values = {"name": name, "target": number(row.target_next_year, digits, lang),
                  "unit": unit, "value": number(t.estimate, digits, lang),
                  "ci": ci_text(t.ci_low, t.ci_high, lang, digits),
                  "gap": number(abs(t.gap), digits, lang),
                  "p": None if t.probability is None else number(100 * t.probability, 0, lang)}
        if t.probability is None:  # no official year to calibrate the gap on: no claim
            text = _("%(name)s: target %(target)s%(unit)s, internal estimate %(value)s%(unit)s "
                     "(95%% CI %(ci)s), %(gap)s short; no probability of meeting it is given "
                     "without an official result to set the internal estimate against.",
                     **values) if t.gap > 0 else \
                _("%(name)s: target %(target)s%(unit)s, internal estimate %(value)s%(unit)s "
                  "(95%% CI %(ci)s), %(gap)s above it; no probability of meeting it is given "
                  "without an official result to set the internal estimate against.",
                  **values)
        elif t.gap > 0:
            text = _("%(name)s: target %(target)s%(unit)s, internal estimate %(value)s%(unit)s "
                     "(95%% CI %(ci)s), %(gap)s short; probability of meeting the target "
                     "%(p)s%%.", **values)
        else:
            text = _("%(name)s: target %(target)s%(unit)s, internal estimate %(value)s%(unit)s "
                     "(95%% CI %(ci)s), %(gap)s above it; probability of meeting the target "
                     "%(p)s%%.", **values)
        found.append(Finding("target", text, numbers))
    return found


def extra_findings(facts, lang):
    found = []
    s = facts.extra_request
    if s is not None:
        numbers = {"estimate": s.estimate, "ci_low": s.ci_low, "ci_high": s.ci_high,
                   "n_valid": s.n_valid}
        if not enough_data(s):
            found.append(Finding("extra_request", _(
                "There are not enough data on requests for extra papers or money (%(n)s "
                "answers).", n=count(s.n_valid, lang)), numbers, supported=False))
        else:
            found.append(Finding("extra_request", _(
                "%(value)s%% of those who answered (95%% CI %(ci)s%%, %(n)s answers) say they "
                "were asked for papers or money beyond the rules.",
                value=number(s.estimate, lang=lang), ci=ci_text(s.ci_low, s.ci_high, lang),
                n=count(s.n_valid, lang)), numbers))
    one, trips = facts.one_trip, facts.mean_trips
    if one is not None:
        numbers = {"one_trip": one.estimate, "ci_low": one.ci_low, "ci_high": one.ci_high,
                   "mean": trips.estimate, "mean_low": trips.ci_low,
                   "mean_high": trips.ci_high, "n_valid": one.n_valid}
        if not enough_data(one):
            found.append(Finding("trips", _(
                "There are not enough data on the number of trips (%(n)s answers).",
                n=count(one.n_valid, lang)), numbers, supported=False))
        else:
            found.append(Finding("trips", _(
                "%(value)s%% of dossiers were settled in one trip (95%% CI %(ci)s%%); on "
                "average a dossier took at least %(mean)s trips (95%% CI %(mean_ci)s, "
                "\u201c3 or more\u201d counted as 3; %(n)s answers).",
                value=number(one.estimate, lang=lang), ci=ci_text(one.ci_low, one.ci_high, lang),
                mean=number(trips.estimate, 2, lang),
                mean_ci=ci_text(trips.ci_low, trips.ci_high, lang, 2),
                n=count(one.n_valid, lang)), numbers))
    return found


def findings(section, facts, lang):
    """Every finding of one questionnaire, in the order the report gives them."""
    names = section_names(section, lang)
    root_name = names.get(facts.root, facts.root)
    found = [overall_finding(facts, root_name, lang)]
    found += [change_finding(c, lang) for c in section.comparisons]
    found.append(factors_finding(facts, names, lang))
    found.append(ranking_finding(facts, lang))
    found += extra_findings(facts, lang)
    return found


def section_names(section, lang):
    from survey_app.services.reports import names_in

    return names_in(section.instrument, lang)
