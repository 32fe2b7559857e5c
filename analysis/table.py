"""Read a responses table (CSV) into arrays for ``estimate_indices``, checking every value."""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.aggregate import checked_codes
from analysis.design import dense_codes, make_design
from analysis.options import LonelyPSU
from analysis.weighting import post_stratify, rake, trim

NO_ANSWER = {"", "na", "NA", "n/a", "N/A"}
COUNT_COLUMNS = ("count", "Freq", "N")


@dataclass(frozen=True, eq=False)
class Prepared:
    answers: np.ndarray
    design: object
    domain: np.ndarray | None
    domain_keys: list
    by: tuple
    cells: np.ndarray | None
    base_weights: np.ndarray
    n: int
    margins: list | None = None   # raking: category codes per margin (list of arrays)


def read_table(source):
    """A CSV as strings (no guessing of types or missing values)."""
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the CSV: {exc}") from None
    except pd.errors.EmptyDataError:
        raise ValueError("the CSV is empty") from None


def read_responses(source, items, numeric=(), labels=()):
    """Read only the needed columns, items and weights straight as numbers (fast path).

    Any value that does not parse sends the file through ``read_table`` (all strings), so
    that ``prepare`` can name the row and column of the problem.
    """
    numeric = [c for c in (*items, *numeric) if c]
    labels = [c for c in labels if c]
    try:
        return pd.read_csv(source, usecols=list(dict.fromkeys(numeric + labels)),
                           dtype={**dict.fromkeys(numeric, "float64"),
                                  **dict.fromkeys(labels, "category")},
                           na_values=sorted(NO_ANSWER), keep_default_na=False,
                           encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError):
        return read_table(source)


def require_columns(frame, columns, what):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"missing {what} column(s): {', '.join(missing)} "
                         f"(the file has: {', '.join(map(str, frame.columns[:30]))})")


def answer_matrix(frame, items):
    """Item columns as answers 1-5 with no valid answer as NaN (floats) or, from columns
    read as numbers, as uint8 codes with 0 for no valid answer (an eighth of the memory,
    and what ``estimate_indices`` works on); errors name the row and column."""
    if all(frame[item].dtype.kind == "f" for item in items):
        codes = np.empty((len(frame), len(items)), dtype=np.uint8)
        worst = None
        for k, item in enumerate(items):
            column = frame[item].to_numpy(dtype=float)
            codes[:, k], first = checked_codes(column)
            if first is not None and (worst is None or first < worst[0]):
                worst = (first, k, column[first])
        if worst is not None:
            row, k, value = worst
            raise ValueError(f"row {row + 1}, column '{items[k]}': {value:g} is not an answer "
                             "1-5 (leave it empty for no valid answer)")
        return codes
    values = np.full((len(frame), len(items)), np.nan)
    for k, item in enumerate(items):
        text = frame[item].str.strip()
        blank = text.isin(NO_ANSWER).to_numpy()
        numbers = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype=float)
        bad = ~blank & ~np.isin(numbers, [1, 2, 3, 4, 5])
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"row {row + 1}, column '{item}': {text.iloc[row]!r} is not an "
                             "answer 1-5 (leave it empty for no valid answer)")
        values[:, k] = numbers
    return values


def numeric_column(frame, column, what):
    if frame[column].dtype.kind == "f":
        numbers = frame[column].to_numpy(dtype=float)
    else:
        numbers = pd.to_numeric(frame[column].str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = frame[column].iloc[row]
        shown = "" if pd.isna(value) else (f"{value:g}" if isinstance(value, float) else value.strip())
        raise ValueError(f"row {row + 1}, column '{column}': {shown!r} is not a "
                         f"positive number ({what})")
    return numbers


def label_codes(frame, column):
    """Integer codes of a label column (labels stripped and sorted), and the labels."""
    series = frame[column]
    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.fillna("").astype(str).astype("category")
    stripped = pd.Index(series.cat.categories.astype(str).str.strip())
    label_of_category, labels = pd.factorize(stripped, sort=True)
    raw = series.cat.codes.to_numpy()
    empty = raw < 0
    blank = np.flatnonzero(np.asarray(labels) == "")
    if blank.size:
        empty |= np.isin(label_of_category[np.maximum(raw, 0)], blank) & (raw >= 0)
    if empty.any():
        raise ValueError(f"row {int(np.flatnonzero(empty)[0]) + 1}, column '{column}' is empty")
    return label_of_category[raw].astype(np.int64), list(labels)


def label_column(frame, column):
    return label_codes(frame, column)[0]


def domains_of(frame, by):
    """Domain code per row and the label tuple of each domain (observed combinations)."""
    if not by:
        return None, [()]
    key = np.zeros(len(frame), dtype=np.int64)
    parts = []
    for column in by:
        codes, labels = label_codes(frame, column)
        key = key * len(labels) + codes
        parts.append(labels)
    domain, combos = dense_codes(key)
    keys = []
    for combo in combos:
        labels = []
        for part in reversed(parts):
            combo, index = divmod(int(combo), len(part))
            labels.append(part[index])
        keys.append(tuple(reversed(labels)))
    return domain.astype(np.int64), keys


def cells_and_weights(frame, weights, population):
    """Post-stratify ``weights`` to the counts in ``population`` (a DataFrame of strings)."""
    count = next((c for c in COUNT_COLUMNS if c in population.columns), None)
    if count is None:
        raise ValueError("the population file needs a 'count' column")
    keys = [c for c in population.columns if c != count]
    require_columns(frame, keys, "post-stratification cell")
    counts = numeric_column(population, count, "a known count")
    cell_labels = pd.MultiIndex.from_frame(population[keys].apply(lambda s: s.str.strip()))
    if cell_labels.has_duplicates:
        raise ValueError("the population file lists a cell twice")
    respondent_cells = pd.MultiIndex.from_arrays(
        [frame[c].fillna("").astype(str).str.strip() for c in keys])
    codes = cell_labels.get_indexer(respondent_cells)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise ValueError(f"row {row + 1}: cell {respondent_cells[row]} is not in the population file")
    present = np.bincount(codes, minlength=len(cell_labels))
    if (present == 0).any():
        missing = cell_labels[int(np.flatnonzero(present == 0)[0])]
        raise ValueError(f"population cell {missing} has no respondents: merge it with a "
                         "neighbouring cell")
    return codes.astype(np.int64), post_stratify(weights, codes, counts)


MARGIN_COLUMNS = ("margin", "category", "count")


def margin_columns(margins):
    """The response columns a margins file (margin, category, count) rakes on."""
    require_columns(margins, MARGIN_COLUMNS, "margins file")
    names = margins["margin"].str.strip()
    if (names == "").any():
        raise ValueError(f"margins file, row {int(np.flatnonzero(names == '')[0]) + 1}: "
                         "the margin is empty")
    return list(dict.fromkeys(names))


def raked_weights(frame, weights, margins):
    """Category codes of every margin and the weights raked to the margins' counts."""
    columns = margin_columns(margins)
    require_columns(frame, columns, "raking margin")
    counts = numeric_column(margins, "count", "a known count")
    names = margins["margin"].str.strip().to_numpy()
    categories = margins["category"].str.strip().to_numpy()
    codes, targets = [], []
    for column in columns:
        mine = names == column
        known = pd.Index(categories[mine])
        if known.has_duplicates:
            raise ValueError(f"margins file: margin '{column}' lists category "
                             f"'{known[known.duplicated()][0]}' twice")
        values = frame[column].fillna("").astype(str).str.strip()
        code = known.get_indexer(values)
        if (code < 0).any():
            row = int(np.flatnonzero(code < 0)[0])
            raise ValueError(f"row {row + 1}, column '{column}': {values.iloc[row]!r} is not a "
                             f"category of margin '{column}' in the margins file")
        present = np.bincount(code, minlength=len(known))
        if (present == 0).any():
            raise ValueError(f"margin '{column}', category '{known[int(np.flatnonzero(present == 0)[0])]}'"
                             " has no respondents: merge it with a neighbouring category")
        codes.append(code.astype(np.int64))
        targets.append(counts[mine])
    return codes, rake(weights, codes, targets)


def prepare(frame, items, weight=None, strata=None, psu=None, by=(), population=None,
            lonely=LonelyPSU.ADJUST, trim_cap=None, margins=None):
    """Check a responses table and return the arrays and design ``estimate_indices`` needs.

    Weights: the ``weight`` column (or 1), trimmed at ``trim_cap`` times their mean, then
    post-stratified to ``population`` or raked to ``margins`` (DataFrames of strings).
    Trimming comes first, so the calibrated totals hold exactly.
    """
    if len(frame) == 0:
        raise ValueError("the table has no responses")
    if population is not None and margins is not None:
        raise ValueError("post-stratify or rake, not both")
    require_columns(frame, items, "item")
    for what, column in (("weight", weight), ("stratum", strata), ("PSU", psu)):
        if column:
            require_columns(frame, [column], what)
    require_columns(frame, list(by), "domain (--by)")
    answers = answer_matrix(frame, items)
    weights = numeric_column(frame, weight, "a weight") if weight else np.ones(len(frame))
    if trim_cap:
        weights = trim(weights, trim_cap)
    cells, base_weights, margin_codes = None, weights, None
    if population is not None:
        cells, weights = cells_and_weights(frame, weights, population)
    if margins is not None:
        margin_codes, weights = raked_weights(frame, weights, margins)
    design = make_design(len(frame), weights,
                         label_column(frame, strata) if strata else None,
                         label_column(frame, psu) if psu else None, lonely)
    domain, keys = domains_of(frame, list(by))
    return Prepared(answers, design, domain, keys, tuple(by), cells, base_weights, len(frame),
                    margin_codes)
