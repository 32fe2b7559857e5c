"""The official report's tables in the XLSX: findings, ranking, targets, single questions,
method. Numbers are stored as numbers with number formats (never as formatted text), so
an analyst can recompute from them; text goes through ``xlsx_row`` (no formulas)."""
from analysis.publication import enough_data
from survey_app.services.reports import COUNT, PERCENT, POINTS, _, widths
from survey_app.services.spreadsheet import xlsx_row


def _yes(value):
    return _("yes") if value else _("no")


def official_sheets(book, report, lang):
    findings = book.create_sheet(_("findings"))
    findings.append(xlsx_row(findings, [_("Questionnaire"), _("Finding"), _("Text"),
                                        _("Enough data to publish")]))
    for code, found in report.findings.items():
        for f in found:
            findings.append(xlsx_row(findings, [code, f.kind, f.text, _yes(f.supported)]))
    for f in _target_findings(report, lang):
        findings.append(xlsx_row(findings, ["", f.kind, f.text, _yes(f.supported)]))
    widths(findings, [18, 14, 120, 14])

    ranking = book.create_sheet(_("ranking"))
    ranking.append(xlsx_row(ranking, [_("Questionnaire"), _("Rank"), _("Rank interval low"),
                                      _("Rank interval high"), _("Code"), _("Name"), "%",
                                      _("CI low"), _("CI high"), _("Valid answers"),
                                      _("Enough data to publish")]))
    for code, facts in report.facts.items():
        for r in facts.ranking:
            e = r.estimate
            ranking.append(xlsx_row(ranking, [code, r.rank, r.low, r.high, r.key, r.name,
                                              e.estimate, e.ci_low, e.ci_high, e.n_valid,
                                              _yes(r.rank is not None)],
                                    {6: PERCENT, 7: PERCENT, 8: PERCENT, 9: COUNT}))
    widths(ranking, [18, 8, 10, 10, 22, 50, 10, 10, 10, 12, 14])

    targets = book.create_sheet(_("targets"))
    targets.append(xlsx_row(targets, [_("Index"), _("Code"), _("Name"),
                                      _("Last official result"), _("Target"),
                                      _("Internal estimate"), _("CI low"), _("CI high"),
                                      _("Gap"), _("P(target met)"), _("Source"),
                                      _("Enough data to publish")]))
    for t, estimate, _unit, digits in report.targets:
        shown = estimate is not None and t.estimate is not None and enough_data(estimate)
        fmt = PERCENT if digits == 1 else POINTS
        targets.append(xlsx_row(targets, [
            t.row.index, t.row.code, t.row.name_vi, t.row.result, t.row.target_next_year,
            t.estimate, t.ci_low, t.ci_high, t.gap, t.probability, t.source, _yes(shown)],
            {3: fmt, 4: fmt, 5: fmt, 6: fmt, 7: fmt, 8: fmt, 9: "0%"}))
    widths(targets, [12, 8, 40, 12, 10, 12, 10, 10, 10, 12, 24, 14])

    single = book.create_sheet(_("other questions"))
    single.append(xlsx_row(single, [_("Questionnaire"), _("Measure"), _("Estimate"),
                                    _("CI low"), _("CI high"), _("Valid answers"),
                                    _("Enough data to publish")]))
    for code, facts in report.facts.items():
        for label, s, fmt in ((_("Asked for extra papers or money (%%)"), facts.extra_request,
                               PERCENT),
                              (_("Settled in one trip (%%)"), facts.one_trip, PERCENT),
                              (_("Trips per dossier (mean, 3 or more counted as 3)"),
                               facts.mean_trips, "0.00")):
            if s is not None:
                single.append(xlsx_row(single, [code, label, s.estimate, s.ci_low, s.ci_high,
                                                s.n_valid, _yes(enough_data(s))],
                                       {2: fmt, 3: fmt, 4: fmt, 5: COUNT}))
    widths(single, [18, 48, 10, 10, 10, 12, 14])

    method = book.create_sheet(_("method"))
    method.append(xlsx_row(method, [_("Questionnaire"), _("Responses"), _("Verified"),
                                    _("Strata"), _("Clusters"), _("Weighted"),
                                    _("Effective n (weights)"), _("Invitations issued"),
                                    _("Invitations answered"), _("Response rate")]))
    for code, facts in report.facts.items():
        m = facts.method
        rate = m.invitations_used / m.invitations if m.invitations else None
        method.append(xlsx_row(method, [code, m.n, m.verified, m.strata, m.clusters,
                                        _yes(m.weighted), m.kish_n, m.invitations,
                                        m.invitations_used, rate],
                               {1: COUNT, 2: COUNT, 6: "0.0", 7: COUNT, 8: COUNT, 9: "0.0%"}))
    widths(method, [18, 12, 12, 8, 10, 10, 14, 14, 14, 12])


def _target_findings(report, lang):
    from survey_app.services.report_findings import target_findings

    return target_findings(report.targets, lang)
