"""The numbers behind a periodic report's findings (``report_findings`` writes them as
sentences): the indices, the ranking, informal demands and trips, targets and the method,
from the scope's tallies (or its responses when the tallies cannot serve it)."""
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import sqlalchemy as sa

from analysis.compare import rank_intervals
from analysis.publication import enough_data
from analysis.shares import mean, mean_of_sums, share, share_of_counts
from survey_app.extensions import db
from survey_app.models import Response, Unit
from survey_app.services import packing, tally_rows
from survey_app.services.analysis_inputs import analyze_scope, load_scope
from survey_app.services.dashboard import response_rate
from survey_app.services.results import breakdown_names, root_code
from survey_app.services.tally_scope import TallyData
from survey_app.services.targets import Internal, sources_for, table_rows, tables_of, target_row

#: Items of the instruments that ask about informal demands and trips (instruments/data).
EXTRA_REQUEST_ITEM = "extra_request"
TRIPS_ITEM = "trips"


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
    """The same from the tallies' counts per PSU (``tally_rows.extra_counts``): column 0 the
    answers with a value, 1 their sum, 2 + v the answers of value v."""
    counts = data.extras() if codes else {}
    design = data.sums.design  # the same §2b design, one row per PSU
    empty = np.zeros((len(data.weights), tally_rows.EXTRA_WIDTH), dtype=np.int64)
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
    invitations = response_rate(unit, period)
    kish = float((counts * weights).sum() ** 2 / (counts * weights ** 2).sum()) \
        if len(weights) else 0.0
    return Method(
        n=int(counts.sum()), strata=len(set(data.attributes["service_point"].tolist())),
        clusters=clusters,
        weighted=bool(len(weights)) and not np.allclose(weights, weights[0]),
        weight_min=float(weights.min()) if len(weights) else 0.0,
        weight_max=float(weights.max()) if len(weights) else 0.0,
        kish_n=kish, channels=channels, verified=verified,
        invitations=int(invitations.issued), invitations_used=int(invitations.answered))


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
