"""The contrasts an instrument defines: items and index-tree nodes as linear combinations."""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Contrasts:
    """Rows: every estimate reported; columns: the scored items.

    ``matrix[r]`` holds the coefficients of estimate r over the item indices.
    """

    items: tuple        # scored item codes, the column order
    codes: tuple        # estimate codes (items first, then tree nodes)
    levels: tuple
    names: tuple
    max_points: tuple
    matrix: np.ndarray  # (len(codes), len(items))


def contrasts_for(instrument, lang="vi"):
    """Items (level ``item``) and every node of the instrument's index tree."""
    items = tuple(item.code for item in instrument.scored_items)
    column = {code: k for k, code in enumerate(items)}
    codes, levels, names, maxima, rows = [], [], [], [], []
    for item in instrument.scored_items:
        row = np.zeros(len(items))
        row[column[item.code]] = 1.0
        codes.append(item.code)
        levels.append("item")
        names.append(item.text.get(lang) or item.text["vi"])
        maxima.append(None)
        rows.append(row)
    for node in instrument.nodes():
        row = np.zeros(len(items))
        for code, coefficient in node.coefficients.items():
            row[column[code]] = coefficient
        codes.append(node.code)
        levels.append(node.level)
        names.append(node.name.get(lang) or node.name["vi"])
        maxima.append(node.max_points)
        rows.append(row)
    return Contrasts(items, tuple(codes), tuple(levels), tuple(names), tuple(maxima),
                     np.vstack(rows))


def renormalised(matrix, available):
    """Coefficients with unavailable items dropped and each row rescaled to sum to 1.

    A row whose items are all unavailable becomes all-NaN (the estimate is undefined).
    """
    kept = matrix * available[None, :]
    totals = kept.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, kept / totals, np.nan)
