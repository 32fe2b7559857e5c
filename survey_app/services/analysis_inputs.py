"""Responses of a scope as arrays for ``analysis`` (one streamed query, no per-row objects).

Every figure of the app comes from ``analyze_scope`` / ``analyze_labels`` here, on the one
design of ``services.survey_design`` (METHODOLOGY.md §2b): the console, the public pages,
the API, reports, targets and forecasts all load through ``load_scope``.
"""
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import sqlalchemy as sa

from analysis import CIMethod, contrasts_for, estimate_indices
from analysis.psu_sums import SplitCells, estimate_from_parts, estimate_from_psus
from survey_app.extensions import db
from survey_app.labels import reader_lang
from survey_app.models import (
    Instrument,
    InstrumentVersion,
    Procedure,
    Response,
    ServicePoint,
    Unit,
)
from survey_app.services import instrument_store, org, packing, survey_design, tally, tally_scope

DOMAINS = ("unit", "service_point", "sector", "channel", "month", "quarter", "verified",
           "procedure", "respondent_type", "sex", "age_band")
#: Who answered: the profile questions an instrument may ask ("—" when not answered).
PROFILE = ("respondent_type", "sex", "age_band")


@dataclass(frozen=True, eq=False)
class ScopeData:
    answers: np.ndarray      # (n, K) 1-5 or NaN
    weights: np.ndarray      # the design's weights (post-stratified to dossier counts)
    attributes: dict         # domain name -> array of labels (n,)
    contrasts: object
    response_ids: np.ndarray
    submitted: np.ndarray    # datetime64 (n,), UTC as stored
    design: object = None    # survey_design.DesignArrays

    @property
    def n(self):
        """Responses loaded."""
        return len(self.weights)

    @property
    def local_time(self):
        """Submission times in Vietnam (periods and months are Vietnam's)."""
        return self.submitted + np.timedelta64(7, "h")

    @property
    def weighting(self):
        return self.design.weighting if self.design is not None else None

    @property
    def psu_labels(self):
        """Service point x local day of each response (the PSU)."""
        days = survey_design.local_days(self.submitted).astype(str)
        return np.char.add(np.char.add(self.attributes["service_point"].astype(str), "|"), days)


def stream_rows(scope, version_ids, start, end):
    query = (
        sa.select(Response.id, Unit.code, ServicePoint.code, ServicePoint.sector,
                  ServicePoint.id, Response.weight, Response.submitted_at, Response.channel,
                  Response.verified, Response.instrument_version_id, Response.answer_codes,
                  Procedure.code, Response.respondent_type, Response.sex, Response.age_band)
        .outerjoin(Procedure, Procedure.id == Response.procedure_id)
        .join(Unit, Unit.id == Response.unit_id)
        .join(ServicePoint, ServicePoint.id == Response.service_point_id)
        .where(Response.province_id.in_(org.provinces_for(scope)),
               Unit.path.startswith(scope.path), Response.instrument_version_id.in_(version_ids),
               Response.quarantined.is_(False),  # held answers count in no index
               packing.answered())
        .order_by(Response.id)
    )
    if start is not None:
        query = query.where(Response.submitted_at >= survey_design.utc_bound(start))
    if end is not None:
        query = query.where(Response.submitted_at < survey_design.utc_bound(end))
    return db.session.execute(query.execution_options(yield_per=20_000))


def answer_matrix(codes, items, slot_codes):
    """(n, K) float of the ratings of ``items`` in packed answers ``codes``: 1-5, or NaN
    for not applicable, no answer or an item the instrument never asked."""
    slot = {code: i for i, code in enumerate(slot_codes)}
    values = packing.codes_matrix(codes, [slot.get(code, -1) for code in items])
    answers = values.astype(float)
    answers[values == 0] = np.nan
    return answers


def load_scope(scope, instrument_code, start: datetime | None = None,
               end: datetime | None = None, lang: str | None = None, rows: bool = False):
    """The scope's tallies (``tally_scope.TallyData``: one row per PSU, the fast path),
    or its responses (``ScopeData``) with ``rows=True`` or when the tallies cannot serve
    it. Both give the same figures (``analysis.psu_sums``); see ``load_rows``."""
    if not rows:
        data = tally_scope.load(scope, instrument_code, start, end, lang, limit=tally.sync_limit())
        if data is not None:
            return replace(data, rows=lambda: load_rows(scope, instrument_code, start, end,
                                                        lang))
    return load_rows(scope, instrument_code, start, end, lang)


def load_rows(scope, instrument_code, start: datetime | None = None,
              end: datetime | None = None, lang: str | None = None):
    """Every counted response to ``instrument_code`` (all versions) in the subtree of
    ``scope`` (answers held in quarantine are left out), submitted from ``start`` to
    ``end`` (Vietnam's time; a period is whole local months), with the design of
    METHODOLOGY §2b.

    The estimates of its analysis are named in ``lang`` (default: the reader's language,
    or the one forced around a report)."""
    version_ids = db.session.scalars(
        sa.select(InstrumentVersion.id).join(Instrument).where(Instrument.code == instrument_code)
    ).all()
    current = instrument_store.current_version(instrument_code)
    if current is None:
        raise ValueError(f"instrument '{instrument_code}' is not loaded")
    contrasts = contrasts_for(current[1], lang or reader_lang())
    rows = [tuple(row) for row in stream_rows(scope, version_ids, start, end)]
    answers = answer_matrix([row[10] for row in rows], contrasts.items,
                            packing.slots_of_version(max(version_ids)))
    response_ids = np.asarray([row[0] for row in rows], dtype=np.int64)
    (unit, point, sector, point_id, _weight, submitted, channel, verified, procedure,
     *profile) = (list(col) for col in zip(*[(*row[1:9], *row[11:15]) for row in rows],
                                            strict=True)) if rows else ([],) * 12
    submitted = np.asarray(submitted, dtype="datetime64[s]")
    design = survey_design.build(
        point_id, submitted, survey_design.cells_for(point_id, version_ids))
    local = (submitted + np.timedelta64(7, "h")).astype(object)
    months = [f"{d:%Y-%m}" for d in local]
    return ScopeData(
        answers=answers, weights=design.weights, design=design,
        attributes={
            "unit": np.asarray(unit, dtype=object),
            "service_point": np.asarray([f"{u}/{p}" for u, p in zip(unit, point, strict=True)],
                                        dtype=object),
            "sector": np.asarray([str(getattr(s, "value", s)) for s in sector], dtype=object),
            "channel": np.asarray([str(c) for c in channel], dtype=object),
            "month": np.asarray(months, dtype=object),
            "quarter": np.asarray([f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in local],
                                  dtype=object),
            "verified": np.asarray(["verified" if v else "open" for v in verified], dtype=object),
            "procedure": np.asarray([p or "—" for p in procedure], dtype=object),
            **{name: np.asarray([v or "—" for v in values], dtype=object)
               for name, values in zip(PROFILE, profile, strict=True)},
        },
        contrasts=contrasts, response_ids=response_ids, submitted=submitted,
    )


def analyze_labels(data, labels, ci=CIMethod.LOGIT, level=0.95):
    """Indices with one domain per distinct label in ``labels`` (n,)."""
    uniques, domain = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    return estimate_domains(data, domain.reshape(-1), [(u,) for u in uniques], ci, level)


def estimate_domains(data, domain, keys, ci=CIMethod.LOGIT, level=0.95):
    """The one call into ``analysis`` for the app: domains of the §2b design, with the
    variance of a post-stratified design (residuals within service point x month).
    On tallies, ``domain`` has one code per PSU (``analysis.psu_sums``)."""
    if isinstance(data, tally_scope.TallyData):
        return estimate_from_psus(data.sums, data.contrasts, domain, keys, ci, level)
    design = data.design
    return estimate_indices(data.answers, data.contrasts, design.design, domain, keys,
                            cells=design.cells, base_weights=np.ones(len(design.weights)),
                            ci=ci, level=level)


def analyze_scope(data, by=(), ci=CIMethod.LOGIT, level=0.95):
    """Indices for a loaded scope, by zero or more of ``DOMAINS``."""
    unknown = [b for b in by if b not in DOMAINS]
    if unknown:
        raise ValueError(f"unknown domain(s) {unknown}; choose from {', '.join(DOMAINS)}")
    if isinstance(data, tally_scope.TallyData):
        inside = [b for b in by if b not in tally_scope.PSU_DOMAINS]
        if len(inside) > 1:   # two attributes that vary within a day: from the responses
            return analyze_scope(data.rows(), by, ci, level)
        if inside:
            return _analyze_parts(data, by, inside[0], ci, level)
        if data.split_days and {"unit", "service_point"} & set(by):   # a PSU of two units
            # (a point is named with its unit: "P-ANHOA/CT")
            return _analyze_split(data.by_unit(), by, data.contrasts, ci, level)
        try:
            return _analyze(data, by, ci, level)
        except SplitCells:   # a point that changed unit within a month: cells by unit
            return _analyze_split(data.by_unit(), by, data.contrasts, ci, level)
    return _analyze(data, by, ci, level)


def _joined(attributes, by):
    return np.array(["\x1f".join(parts) for parts in
                     zip(*(np.asarray(attributes[b]).astype(str) for b in by), strict=True)])


def _analyze_parts(data, by, dimension, ci, level):
    """Domains by one attribute that varies within a day (and PSU attributes), from the
    tallies split by it (``analysis.psu_sums.estimate_from_parts``)."""
    return _analyze_split(data.parts(dimension), by, data.contrasts, ci, level)


def _analyze_split(parts, by, contrasts, ci, level):
    """Domains that take parts of PSUs or of cells (``tally_scope.Parts``)."""
    labels = _joined(parts.attributes, by)
    if not len(labels):
        raise ValueError("no responses in this scope and period")
    uniques, domain = np.unique(labels, return_inverse=True)
    gram_domain = np.searchsorted(uniques, _joined(parts.gram_attributes, by))
    sums = replace(parts.sums, gram_domain=gram_domain.astype(np.int64))
    keys = [tuple(u.split("\x1f")) for u in uniques]
    return estimate_from_parts(sums, contrasts, domain.reshape(-1), keys, ci, level)


def _analyze(data, by, ci, level):
    n = len(data.weights)
    if n == 0:
        raise ValueError("no responses in this scope and period")
    domain, keys = np.zeros(n, dtype=np.int64), [()]
    if by:
        labels = np.array(["\x1f".join(parts) for parts in
                           zip(*(data.attributes[b].astype(str) for b in by), strict=True)])
        uniques, domain = np.unique(labels, return_inverse=True)
        keys = [tuple(u.split("\x1f")) for u in uniques]
    return estimate_domains(data, domain.reshape(-1), keys, ci, level)
