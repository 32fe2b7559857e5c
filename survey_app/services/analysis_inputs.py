"""Responses of a scope as arrays for ``analysis`` (one streamed query, no per-row objects)."""
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import sqlalchemy as sa

from analysis import CIMethod, contrasts_for, estimate_indices, make_design
from survey_app.extensions import db
from survey_app.labels import reader_lang
from survey_app.models import (
    Answer,
    Instrument,
    InstrumentVersion,
    Procedure,
    Response,
    ServicePoint,
    Unit,
)
from survey_app.services import instrument_store

DOMAINS = ("unit", "service_point", "sector", "channel", "month", "quarter", "verified",
           "procedure", "respondent_type", "sex", "age_band")
#: Who answered: the profile questions an instrument may ask ("—" when not answered).
PROFILE = ("respondent_type", "sex", "age_band")


@dataclass(frozen=True, eq=False)
class ScopeData:
    answers: np.ndarray      # (n, K) 1-5 or NaN
    weights: np.ndarray
    strata: np.ndarray
    psu: np.ndarray | None
    attributes: dict         # domain name -> array of labels (n,)
    contrasts: object
    response_ids: np.ndarray
    submitted: np.ndarray    # datetime64 (n,)


def stream_rows(scope, version_ids, start, end):
    query = (
        sa.select(Response.id, Unit.code, ServicePoint.code, Response.stratum, Response.psu,
                  Response.weight, Response.submitted_at, Response.channel, Response.verified,
                  Answer.item_code, Answer.value, Procedure.code, Response.respondent_type,
                  Response.sex, Response.age_band)
        .join(Answer, Answer.response_id == Response.id)
        .outerjoin(Procedure, Procedure.id == Response.procedure_id)
        .join(Unit, Unit.id == Response.unit_id)
        .join(ServicePoint, ServicePoint.id == Response.service_point_id)
        .where(Unit.path.startswith(scope.path), Response.instrument_version_id.in_(version_ids),
               Response.quarantined.is_(False))  # held answers count in no index
        .order_by(Response.id)
    )
    if start is not None:
        query = query.where(Response.submitted_at >= start)
    if end is not None:
        query = query.where(Response.submitted_at < end)
    return db.session.execute(query.execution_options(yield_per=20_000))


def load_scope(scope, instrument_code, start: datetime | None = None,
               end: datetime | None = None, lang: str | None = None):
    """Every counted response to ``instrument_code`` (all versions) in the subtree of
    ``scope``: answers held in quarantine are left out.

    The estimates of its analysis are named in ``lang`` (default: the reader's language,
    or the one forced around a report)."""
    version_ids = db.session.scalars(
        sa.select(InstrumentVersion.id).join(Instrument).where(Instrument.code == instrument_code)
    ).all()
    current = instrument_store.current_version(instrument_code)
    if current is None:
        raise ValueError(f"instrument '{instrument_code}' is not loaded")
    contrasts = contrasts_for(current[1], lang or reader_lang())
    column = {code: k for k, code in enumerate(contrasts.items)}
    ids, items, values, meta = [], [], [], {}
    for row in stream_rows(scope, version_ids, start, end):
        ids.append(row[0])
        items.append(column.get(row[9], -1))
        values.append(np.nan if row[10] is None else row[10])
        if row[0] not in meta:
            meta[row[0]] = (*row[1:9], row[11], *row[12:15])
    response_ids, index = np.unique(np.asarray(ids, dtype=np.int64), return_inverse=True)
    answers = np.full((len(response_ids), len(contrasts.items)), np.nan)
    items = np.asarray(items, dtype=np.int64)
    scored = items >= 0
    answers[index[scored], items[scored]] = np.asarray(values, dtype=float)[scored]
    rows = [meta[i] for i in response_ids.tolist()]
    (unit, point, stratum, psu, weight, submitted, channel, verified, procedure,
     *profile) = (list(col) for col in zip(*rows, strict=True)) if rows else ([],) * 12
    months = [f"{d:%Y-%m}" for d in submitted]
    return ScopeData(
        answers=answers, weights=np.asarray(weight, dtype=float),
        strata=np.asarray([s or "" for s in stratum], dtype=object),
        psu=None if all(p is None for p in psu) else np.asarray(
            [p if p is not None else f"r{i}" for i, p in zip(response_ids, psu, strict=True)],
            dtype=object),
        attributes={
            "unit": np.asarray(unit, dtype=object),
            "service_point": np.asarray([f"{u}/{p}" for u, p in zip(unit, point, strict=True)],
                                        dtype=object),
            "sector": np.asarray(stratum, dtype=object),
            "channel": np.asarray([str(c) for c in channel], dtype=object),
            "month": np.asarray(months, dtype=object),
            "quarter": np.asarray([f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in submitted],
                                  dtype=object),
            "verified": np.asarray(["verified" if v else "open" for v in verified], dtype=object),
            "procedure": np.asarray([p or "—" for p in procedure], dtype=object),
            **{name: np.asarray([v or "—" for v in values], dtype=object)
               for name, values in zip(PROFILE, profile, strict=True)},
        },
        contrasts=contrasts, response_ids=response_ids,
        submitted=np.asarray(submitted, dtype="datetime64[s]"),
    )


def analyze_labels(data, labels, ci=CIMethod.LOGIT, level=0.95):
    """Indices with one domain per distinct label in ``labels`` (n,)."""
    design = make_design(len(data.weights), data.weights, data.strata, data.psu)
    uniques, domain = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    return estimate_indices(data.answers, data.contrasts, design, domain,
                            [(u,) for u in uniques], ci=ci, level=level)


def analyze_scope(data, by=(), ci=CIMethod.LOGIT, level=0.95):
    """Indices for a loaded scope, by zero or more of ``DOMAINS``."""
    unknown = [b for b in by if b not in DOMAINS]
    if unknown:
        raise ValueError(f"unknown domain(s) {unknown}; choose from {', '.join(DOMAINS)}")
    n = len(data.weights)
    if n == 0:
        raise ValueError("no responses in this scope and period")
    design = make_design(n, data.weights, data.strata, data.psu)
    domain, keys = None, [()]
    if by:
        labels = np.array(["\x1f".join(parts) for parts in
                           zip(*(data.attributes[b].astype(str) for b in by), strict=True)])
        uniques, domain = np.unique(labels, return_inverse=True)
        keys = [tuple(u.split("\x1f")) for u in uniques]
    return estimate_indices(data.answers, data.contrasts, design, domain, keys, ci=ci,
                            level=level)
