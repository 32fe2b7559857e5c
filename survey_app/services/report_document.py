"""The official periodic report as a list of blocks, laid out by ``report_docx`` (Word) and
``report_pdf`` (PDF) alike.

The layout follows Nghị định 30/2020/NĐ-CP on administrative documents (Phụ lục I): the
issuing body (with the body above it) top left, Quốc hiệu and tiêu ngữ top right, the
number "Số: …/BC-…" under the issuer, place and date under the tiêu ngữ, the document
kind "BÁO CÁO" and its summary centred, "Kính gửi", the body in numbered parts, then
"Nơi nhận" bottom left and the signature block bottom right. Offices edit the Word file
before signing, so fields that only they know (number, date, signer) are left as dots.
"""
from dataclasses import dataclass, field

from analysis.publication import enough_data
from survey_app import clock
from survey_app.services.report_facts import gather, report_targets
from survey_app.services.report_findings import count, findings
from survey_app.services.reports import _, caveat, number, ordered

DOTS = "……"


@dataclass
class Letterhead:
    """What the office fills in; every field has a default it can edit in Word."""

    parent_body: str = ""
    issuer: str = ""
    number: str = ""
    place: str = DOTS
    recipients: list = field(default_factory=list)
    signer_title: str = ""
    signer_name: str = ""

    def complete(self, unit, lang, today):
        parent = unit.parent
        return Letterhead(
            parent_body=(self.parent_body or (parent.name(lang) if parent else "")).upper(),
            issuer=(self.issuer or unit.name(lang)).upper(),
            number=self.number or f"{DOTS}/BC-{DOTS}",
            place=self.place or DOTS,
            recipients=self.recipients or [DOTS],
            signer_title=(self.signer_title or _("Head of the unit")).upper(),
            signer_name=self.signer_name)

    def date_line(self, lang, today):
        if lang == "vi":
            return f"{self.place}, ngày {DOTS} tháng {DOTS} năm {today.year}"
        return f"{self.place}, {DOTS} {today.year}"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    style: str = "body"   # body, caveat, finding


@dataclass(frozen=True)
class Table:
    header: tuple
    rows: tuple
    widths: tuple         # millimetres
    numeric: tuple = ()   # column indexes aligned right


@dataclass(frozen=True)
class Chart:
    png: bytes
    aspect: float


@dataclass(frozen=True)
class Report:
    letterhead: Letterhead
    date_line: str
    title: str
    summary: str
    body: tuple           # blocks
    closing: str
    sections: tuple       # reports.Section (for the appendix)
    findings: dict        # instrument code -> [Finding]
    targets: tuple
    facts: dict           # instrument code -> report_facts.Facts


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")


def period_words(period, lang):
    """"quý III năm 2025", "6 tháng đầu năm 2025" … as reports name their period."""
    label, year = period.label, period.start.year
    quarter = {"Q1": "I", "Q2": "II", "Q3": "III", "Q4": "IV"}
    suffix = label[5:] if len(label) > 4 else ""
    if lang == "vi":
        if suffix in quarter:
            return f"quý {quarter[suffix]} năm {year}"
        return {"H1": f"6 tháng đầu năm {year}", "H2": f"6 tháng cuối năm {year}",
                "9M": f"9 tháng năm {year}", "": f"năm {year}"}.get(
            suffix, f"tháng {period.start.month} năm {year}")
    if suffix in quarter:
        return f"the {('first', 'second', 'third', 'fourth')[int(suffix[1]) - 1]} quarter of {year}"
    return {"H1": f"the first half of {year}", "H2": f"the second half of {year}",
            "9M": f"the first nine months of {year}", "": str(year)}.get(
        suffix, f"{period.start:%B} {year}")


def index_table(section, lang):
    rows = []
    for e in ordered(section.results.overall):
        if e.level == "respondent":
            continue
        rows.append((e.code, section.name(e, lang), number(e.estimate, lang=lang),
                     f"{number(e.ci_low, lang=lang)}–{number(e.ci_high, lang=lang)}",
                     count(e.n_valid, lang), "" if enough_data(e) else _("not enough data")))
    return Table((_("Code"), _("Index"), "%", _("95%% CI"), _("Valid answers"), _("Note")),
                 tuple(rows), (22, 68, 14, 26, 20, 25), (2, 3, 4))


def ranking_table(facts, lang):
    rows = []
    for r in facts.ranking:
        e = r.estimate
        ranked = r.rank is not None
        rows.append((str(r.rank) if ranked else "–",
                     f"{r.low}–{r.high}" if ranked else "–", r.name,
                     number(e.estimate, lang=lang),
                     f"{number(e.ci_low, lang=lang)}–{number(e.ci_high, lang=lang)}",
                     count(e.n_valid, lang), "" if ranked else _("not enough data")))
    what = _("Unit") if facts.ranked_by == "unit" else _("Service point")
    return Table((_("Rank"), _("Rank interval"), what, "%", _("95%% CI"), _("Valid answers"),
                  _("Note")), tuple(rows), (12, 18, 60, 14, 24, 20, 27), (0, 1, 3, 4, 5))


def target_table(targets, lang):
    rows = []
    for t, estimate, _unit, digits in targets:
        row = t.row
        shown = t.estimate is not None and estimate is not None and enough_data(estimate)
        rows.append((f"{row.index.replace('_', ' ')} {row.code}", row.name_vi,
                     number(row.result, digits, lang), number(row.target_next_year, digits, lang),
                     number(t.estimate, digits, lang) if shown else "–",
                     f"{number(t.ci_low, digits, lang)}–{number(t.ci_high, digits, lang)}"
                     if shown else "–",
                     number(t.gap, digits, lang, sign=True) if shown else "–",
                     f"{number(100 * t.probability, 0, lang)}%" if shown and t.probability
                     is not None else ("–" if not shown else ""),
                     "" if shown else _("not enough data")))
    return Table((_("Index"), _("Name"), _("Last official result"), _("Target"),
                  _("Internal estimate"), _("95%% CI"), _("Gap"), _("P(target met)"),
                  _("Note")), tuple(rows), (18, 45, 16, 14, 16, 20, 13, 15, 18),
                 (2, 3, 4, 5, 6, 7))


def method_blocks(sections, facts, lang):
    blocks = [Para(_(
        "Citizens and organisations answer the questionnaire themselves after their "
        "procedure: by the QR code at the counter, on the counter's tablet (kiosk) or through "
        "a link sent for their dossier. Those who answer through the open QR code choose to "
        "take part, so the sample is not a random sample; only answers through a dossier's "
        "invitation link (verified) are tied to a real dossier."))]
    for section in sections:
        m = facts[section.code].method
        design = _("%(title)s: %(n)s responses, %(verified)s of them through a dossier's "
                   "invitation; strata (service points): %(strata)d.", title=section.title(lang),
                   n=count(m.n, lang), verified=count(m.verified, lang), strata=m.strata)
        if m.clusters is not None:
            design += " " + _("Responses are grouped in %(k)s clusters, which the intervals "
                              "take into account.", k=count(m.clusters, lang))
        if m.invitations:
            design += " " + _("%(issued)s invitation links were issued in the period and "
                              "%(used)s were answered: a response rate of %(rate)s%%.",
                              issued=count(m.invitations, lang),
                              used=count(m.invitations_used, lang),
                              rate=number(100 * m.invitations_used / m.invitations, lang=lang))
        else:
            design += " " + _("No invitation links were issued in the period, so there is no "
                              "response rate to report.")
        if m.weighted:
            design += " " + _("Responses are weighted (weights from %(low)s to %(high)s); "
                              "the weighting leaves an effective sample of about %(kish)s "
                              "responses.", low=number(m.weight_min, 2, lang),
                              high=number(m.weight_max, 2, lang), kish=count(round(m.kish_n), lang))
        else:
            design += " " + _("Every response counts equally (no weighting).")
        blocks.append(Para(design))
    blocks += [
        Para(_("An index is the share of valid answers that are \u201cSatisfied\u201d or "
               "\u201cVery satisfied\u201d; \u201cNot applicable\u201d answers are left out.")),
        Para(_("Each figure comes with a 95%% confidence interval (CI): the range in which the "
               "true value lies with 95%% confidence, given the sampling error alone. It follows "
               "the design (strata, clusters, weights) but does not cover the bias of who "
               "chooses to answer.")),
        Para(_("A change or a difference is called significant when its p-value is below "
               "0.05 (the two comparisons with earlier periods after Holm's adjustment); "
               "otherwise the data do not show a difference, which does not prove there is "
               "none.")),
        Para(_("A rank interval gives the ranks a unit could hold given the sampling error "
               "(95%%, from 4,000 simulated draws); units that fail the publication rule are "
               "not ranked.")),
        Para(_("P(target met) is the probability that the true value reaches the target, "
               "given the internal estimate and its uncertainty, or the nowcast of the next "
               "official result where past official years allow one.")),
        Para(caveat())]
    return blocks


def build(unit, period, sections, lang, letterhead=None, charts=None):
    """The whole report: findings, ranking, targets, method (and, for the appendix, the
    sections of ``reports.report_data``). ``charts(section) -> (png, aspect)`` adds a
    chart per questionnaire."""
    today = clock.today()
    head = (letterhead or Letterhead()).complete(unit, lang, today)
    facts, found = {}, {}
    for section in sections:
        gathered = gather(unit, section.instrument, period, lang)
        if gathered is not None:
            facts[section.code] = gathered
            found[section.code] = findings(section, gathered, lang)
    sections = tuple(s for s in sections if s.code in facts)
    targets = report_targets(unit, period, today)
    words = period_words(period, lang)
    body = [Heading(("I. " + _("Results")).upper())]
    if period.end.date() > today:   # e.g. the year's report made in November
        body.append(Para(_("The period is not over: the figures cover the responses received "
                           "up to %(day)s, and comparisons are with whole earlier periods.",
                           day=f"{today:%d/%m/%Y}"), "caveat"))
    if not sections:
        body.append(Para(_("No responses in this period.")))
    for number_, section in enumerate(sections, start=1):
        body.append(Heading(f"{number_}. {section.title(lang)}", 2))
        body += [Para(f.text, "finding" if f.supported else "caveat")
                 for f in found[section.code]]
        if charts is not None:
            png, aspect = charts(section)
            body.append(Chart(png, aspect))
        body.append(index_table(section, lang))
    body.append(Heading(("II. " + _("Ranking")).upper()))
    for section in sections:
        if len(sections) > 1:
            body.append(Heading(section.title(lang), 2))
        body.append(ranking_table(facts[section.code], lang))
    body.append(Heading(("III. " + _("Targets")).upper()))
    if targets:
        body += [Para(f.text, "finding" if f.supported else "caveat")
                 for f in target_findings_of(targets, lang)]
        body.append(target_table(targets, lang))
    else:
        body.append(Para(_("No official table with targets for %(year)d is attached to this "
                           "unit yet.", year=period.start.year)))
    body.append(Heading(("IV. " + _("Method")).upper()))
    body += method_blocks(sections, facts, lang)
    return Report(
        letterhead=head, date_line=head.date_line(lang, today), title=_("REPORT"),
        summary=_("Results of measuring the satisfaction of citizens and organisations with "
                  "the services of %(unit)s, %(period)s", unit=unit.name(lang), period=words),
        body=tuple(body),
        closing=_("The above is the report on the satisfaction of citizens and organisations "
                  "for %(period)s, made with hailong from %(n)s responses.", period=words,
                  n=count(sum(f.method.n for f in facts.values()), lang)),
        sections=sections, findings=found, targets=targets, facts=facts)


def target_findings_of(targets, lang):
    from survey_app.services.report_findings import target_findings

    return target_findings(targets, lang)
