"""The findings of a periodic report, computed from the numbers and written as sentences.

Each finding keeps the numbers it cites (``Finding.numbers``), so the sentence can be
checked against them (tests/test_report_official.py) and the XLSX can list them; the
numbers come from ``report_facts``. The publication rule of ``analysis.publication``
decides every sentence: a number that fails
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

from analysis.contrast import compare_codes
from analysis.publication import MIN_VALID, enough_data
from survey_app.formatting import p_text
from survey_app.services.reports import _, number

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Finding:
    kind: str           # overall, change, factors, ranking, target, extra_request, trips
    text: str           # the sentence, in the report's language
    numbers: dict = field(default_factory=dict)  # what the sentence cites, unformatted
    supported: bool = True  # False: the sentence says there is not enough data


def count(value, lang):
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "vi" else text


def ci_text(low, high, lang, digits=1):
    return f"{number(low, digits, lang)}–{number(high, digits, lang)}"


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
