"""The rows of the tally tables: what one service point's responses add up to, per day
and per month (``write``), and the stored sums read back (``decode_*``).

``services.tally`` decides which cells to recompute and calls ``write`` with their
responses; ``services.tally_scope`` reads the rows back for a page.
"""
from datetime import date

import numpy as np
import sqlalchemy as sa

from analysis.drivers import driver_z, grams_by_group
from analysis.psu_sums import gram, row_sums
from survey_app.models import CellTally, PartCellTally, PartTally, PsuTally
from survey_app.services import packing

#: Attributes that vary within a day, each tallied on its own (``part_tally``): a
#: breakdown by one of them (alone or with a PSU attribute) needs no response row.
PART_DIMENSIONS = ("channel", "verified", "procedure", "respondent_type", "sex", "age_band")
#: The item the key drivers explain (``analysis.drivers``).
DRIVERS_OUTCOME = "overall"
#: Per other item and PSU: answers with a value, Σ value, and answers of each value 0-9.
EXTRA_WIDTH = 12


def part_labels(rows):
    """{dimension: labels (n,)} as ``analysis_inputs.load_rows`` names them."""
    return {
        "channel": [str(getattr(r[3], "value", r[3])) for r in rows],
        "verified": ["verified" if r[4] else "open" for r in rows],
        "procedure": [r[5] or "—" for r in rows],
        "respondent_type": [r[6] or "—" for r in rows],
        "sex": [r[7] or "—" for r in rows],
        "age_band": [r[8] or "—" for r in rows],
    }


def grouped(keys, labels=None):
    """(unique (key, label) pairs, group of each row) of integer ``keys`` and labels."""
    if labels is None:
        uniques, group = np.unique(keys, return_inverse=True)
        return [(int(k), None) for k in uniques], group.reshape(-1)
    label_codes, label_of = np.unique(np.asarray(labels, dtype=object).astype(str),
                                      return_inverse=True)
    uniques, group = np.unique(keys * len(label_codes) + label_of.reshape(-1),
                               return_inverse=True)
    return ([(int(u // len(label_codes)), str(label_codes[u % len(label_codes)]))
             for u in uniques], group.reshape(-1))


def write(connection, layout, place, rows, months):
    """Insert the tallies of ``rows`` of one ``place`` (province id, service point id) in
    ``months``."""
    province_id, point_id = place
    units = np.asarray([r[0] for r in rows], dtype=np.int64)
    days = (np.asarray([r[1] for r in rows], dtype="datetime64[s]")
            + np.timedelta64(7, "h")).astype("datetime64[D]")
    codes = packing.codes_matrix([r[2] for r in rows], layout.positions)
    values = np.where(codes == 0, np.nan, codes.astype(float))
    day_key = units * 100_000 + days.astype(np.int64)
    month_key = units * 100_000 + days.astype("datetime64[M]").astype(np.int64)
    base = {"province_id": province_id, "instrument_id": layout.instrument_id,
            "service_point_id": point_id}
    labels = part_labels(rows)
    for dimension in (None, *PART_DIMENSIONS):
        tagged = labels[dimension] if dimension else None
        extra = {"dimension": dimension} if dimension else {}
        keys, group = grouped(day_key, tagged)
        sums = row_sums(values, group, len(keys), layout.structure)
        if dimension is None:
            drivers = driver_grams(layout, values, group, len(keys))
            extras = extra_counts(layout, [r[2] for r in rows], group, len(keys))
        else:
            drivers = extras = [None] * len(keys)
        day_rows = []
        for (key, label), vector, driver, counts in zip(keys, sums, drivers, extras,
                                                        strict=True):
            day = np.datetime64(key % 100_000, "D").astype(object)
            if date(day.year, day.month, 1) in months:
                day_rows.append({**base, **extra, "day": day, "unit_id": key // 100_000,
                                 "responses": int(vector[0]),
                                 "sums": vector.astype(np.int32).tobytes(),
                                 **({"value": label} if dimension else
                                    {"drivers": driver, "extras": counts})})
        keys, group = grouped(month_key, tagged)
        grams = gram(values, group, len(keys))
        counts = np.bincount(group, minlength=len(keys))
        month_rows = []
        for (key, label), matrix, count in zip(keys, grams, counts.tolist(), strict=True):
            month = np.datetime64(key % 100_000, "M").astype(object)
            if month in months:
                month_rows.append({**base, **extra, "month": month, "unit_id": key // 100_000,
                                   "responses": count,
                                   "gram": matrix.astype(np.int32).tobytes(),
                                   **({"value": label} if dimension else {})})
        day_table, month_table = (PartTally, PartCellTally) if dimension else (PsuTally,
                                                                               CellTally)
        if day_rows:
            connection.execute(sa.insert(day_table), day_rows)
        if month_rows:
            connection.execute(sa.insert(month_table), month_rows)


def driver_grams(layout, values, group, groups):
    """The key drivers' Σ z zᵀ of each group (float64 bytes), or None per group without an
    overall item."""
    if not layout.drivers:
        return [None] * groups
    _, z, complete = driver_z(values, layout.contrasts, DRIVERS_OUTCOME)
    grams = grams_by_group(z, group[complete], groups)
    return [matrix.tobytes() for matrix in grams]


def extra_counts(layout, texts, group, groups):
    """Per group, int32 bytes of (extra items, ``EXTRA_WIDTH``): answers with a value, Σ
    value, and the answers of each value 0-9; None per group without such items."""
    if not layout.extras:
        return [None] * groups
    chars = packing.char_matrix(texts, max(slot for _, slot in layout.extras) + 1)
    out = np.zeros((groups, len(layout.extras), EXTRA_WIDTH), dtype=np.int64)
    for j, (_code, slot) in enumerate(layout.extras):
        value = chars[:, slot].astype(np.int64) - packing.ZERO
        valid = (value >= 0) & (value <= packing.MAX_VALUE)
        out[:, j, 0] = np.bincount(group[valid], minlength=groups)
        out[:, j, 1] = np.bincount(group[valid], weights=value[valid], minlength=groups)
        for v in range(EXTRA_WIDTH - 2):
            out[:, j, 2 + v] = np.bincount(group[value == v], minlength=groups)
    return [matrix.astype(np.int32).tobytes() for matrix in out]


def decode_extras(blobs, items):
    """(n, items, ``EXTRA_WIDTH``) int64 of stored extra counts (a missing one: zeros)."""
    size = items * EXTRA_WIDTH
    if not blobs:
        return np.zeros((0, items, EXTRA_WIDTH), dtype=np.int64)
    return np.stack([np.frombuffer(b, dtype=np.int32) if b else np.zeros(size, np.int32)
                     for b in blobs]).reshape(-1, items, EXTRA_WIDTH).astype(np.int64)


def decode_drivers(blobs, k):
    """(n, k+2, k+2) float64 of stored driver sums (a missing one counts nothing)."""
    size = (k + 2) * (k + 2)
    return np.stack([np.frombuffer(b, dtype=np.float64) if b else np.zeros(size)
                     for b in blobs]).reshape(-1, k + 2, k + 2) if blobs else \
        np.zeros((0, k + 2, k + 2))


def decode_sums(blobs, width):
    """(n, width) int64 of stored sum vectors."""
    if not blobs:
        return np.zeros((0, width), dtype=np.int64)
    return np.frombuffer(b"".join(blobs), dtype=np.int32).reshape(-1, width).astype(np.int64)


def decode_grams(blobs, k):
    if not blobs:
        return np.zeros((0, 2 * k, 2 * k), dtype=np.int64)
    return np.frombuffer(b"".join(blobs), dtype=np.int32).reshape(-1, 2 * k, 2 * k).astype(
        np.int64)
