"""The engine on PSU sums gives what the row-by-row post-stratified engine gives."""
import numpy as np
import pytest

from analysis.design import make_design
from analysis.indices import estimate_indices
from analysis.psu_sums import PsuSums, SplitCells, estimate_from_psus, gram, row_sums, structure_of
from analysis.tree import Contrasts


def contrasts():
    matrix = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1],
                       [0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5], [0.25, 0.25, 0.25, 0.25]])
    return Contrasts(("a", "b", "c", "d"), ("a", "b", "c", "d", "x", "y", "total"),
                     ("item",) * 4 + ("factor", "factor", "index"), ("a", "b", "c", "d", "x", "y", "t"),
                     (None,) * 6 + (10.0,), matrix)


def sample(seed, n=3000, points=5):
    rng = np.random.default_rng(seed)
    point = rng.integers(0, points, n)
    day = rng.integers(0, 90, n)              # three "months" of 30 days
    values = rng.choice([1, 2, 3, 4, 5, np.nan], size=(n, 4), p=[.05, .1, .15, .35, .25, .1])
    values[point == 3, 3] = np.nan            # an item a point never gets
    values[rng.random(n) < 0.01] = np.nan     # a few responses without a valid answer
    psu_key = point * 1000 + day
    cell_key = point * 10 + day // 30
    return rng, point, day, values, psu_key, cell_key


def row_path(values, point, psu_key, cell_key, weight_of_cell, domain, keys, psu_count):
    cells, cell = np.unique(cell_key, return_inverse=True)
    w = weight_of_cell[cell]
    design = make_design(len(values), w, strata=point, psu=psu_key)
    design = design.__class__(design.weights, design.stratum, design.psu, design.psu_stratum,
                              psu_count, design.lonely)
    return estimate_indices(values, contrasts(), design, domain, keys, cells=cell,
                            base_weights=np.ones(len(values)))


def psu_path(values, point, psu_key, cell_key, weight_of_cell, domain_of_row, keys, psu_count):
    psus, psu = np.unique(psu_key, return_inverse=True)
    cells, cell_of_row = np.unique(cell_key, return_inverse=True)
    structure = structure_of(contrasts())
    sums = row_sums(values, psu, len(psus), structure)
    grams = gram(values, cell_of_row, len(cells))
    psu_cell = np.zeros(len(psus), dtype=np.int64)
    psu_cell[psu] = cell_of_row
    psu_point = np.zeros(len(psus), dtype=np.int64)
    psu_point[psu] = point
    psu_domain = np.zeros(len(psus), dtype=np.int64)
    psu_domain[psu] = domain_of_row
    design = make_design(len(psus), weight_of_cell[psu_cell], strata=psu_point)
    design = design.__class__(design.weights, design.stratum, design.psu, design.psu_stratum,
                              psu_count, design.lonely)
    data = PsuSums(sums, psu_cell, weight_of_cell, grams, design)
    return estimate_from_psus(data, contrasts(), psu_domain, keys)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_figures_as_the_row_by_row_engine(seed):
    rng, point, day, values, psu_key, cell_key = sample(seed)
    n_cells = len(np.unique(cell_key))
    weight_of_cell = rng.uniform(1, 20, n_cells)
    weight_of_cell[0] = 1.0
    psu_count = np.array([len(np.unique(psu_key[point == p])) + (2 if p == 1 else 0)
                          for p in range(5)])   # more PSUs over all time than loaded
    for domain, keys in [(np.zeros(len(point), dtype=np.int64), [()]),
                         (point, [(str(p),) for p in range(5)]),
                         (day // 30, [("m1",), ("m2",), ("m3",)]),
                         (np.where(point < 2, 0, 1), [("low",), ("high",)])]:
        rows = row_path(values, point, psu_key, cell_key, weight_of_cell, domain, keys, psu_count)
        sums = psu_path(values, point, psu_key, cell_key, weight_of_cell, domain, keys, psu_count)
        for a, b in zip(rows.domains, sums.domains, strict=True):
            assert a.key == b.key and a.n == b.n
            for ea, eb in zip(a.estimates, b.estimates, strict=True):
                assert ea.code == eb.code and ea.n_valid == eb.n_valid and ea.df == eb.df
                for name in ("estimate", "se", "ci_low", "ci_high", "mean_score",
                             "mean_score_se", "n_eff", "deff"):
                    x, y = getattr(ea, name), getattr(eb, name)
                    assert (x is None) == (y is None), (name, ea.code)
                    if x is not None:
                        assert y == pytest.approx(x, rel=1e-10, abs=1e-10), (name, ea.code, a.key)
        np.testing.assert_allclose(sums.estimate, rows.estimate, rtol=1e-12, atol=1e-12)


def test_a_domain_that_splits_a_cell_is_refused():
    rng, point, day, values, psu_key, cell_key = sample(4, n=500)
    weights = np.ones(len(np.unique(cell_key)))
    by_day = (day % 2).astype(np.int64)     # odd and even days share every month
    psu_count = np.array([len(np.unique(psu_key[point == p])) for p in range(5)])
    with pytest.raises(SplitCells):
        psu_path(values, point, psu_key, cell_key, weights, by_day, [("odd",), ("even",)],
                 psu_count)


def parts_path(values, point, psu_key, cell_key, weight_of_cell, domain_of_row, keys, psu_count):
    from analysis.psu_sums import PartSums, estimate_from_parts

    psus, psu = np.unique(psu_key, return_inverse=True)
    cells, cell_of_row = np.unique(cell_key, return_inverse=True)
    n_domains = len(keys)
    part_keys, part = np.unique(psu * n_domains + domain_of_row, return_inverse=True)
    sums = row_sums(values, part.reshape(-1), len(part_keys), structure_of(contrasts()))
    pair_keys, pair = np.unique(cell_of_row * n_domains + domain_of_row, return_inverse=True)
    grams = gram(values, pair.reshape(-1), len(pair_keys))
    psu_cell = np.zeros(len(psus), dtype=np.int64)
    psu_cell[psu] = cell_of_row
    psu_point = np.zeros(len(psus), dtype=np.int64)
    psu_point[psu] = point
    design = make_design(len(psus), weight_of_cell[psu_cell], strata=psu_point)
    design = design.__class__(design.weights, design.stratum, design.psu, design.psu_stratum,
                              psu_count, design.lonely)
    data = PartSums(sums, part_keys // n_domains, np.bincount(psu), psu_cell, weight_of_cell,
                    grams, pair_keys // n_domains, pair_keys % n_domains, design)
    return estimate_from_parts(data, contrasts(), part_keys % n_domains, keys)


@pytest.mark.parametrize("seed", [5, 6])
def test_domains_within_a_day_from_parts_of_psus(seed):
    rng, point, day, values, psu_key, cell_key = sample(seed)
    weight_of_cell = rng.uniform(1, 20, len(np.unique(cell_key)))
    psu_count = np.array([len(np.unique(psu_key[point == p])) + 1 for p in range(5)])
    channel = rng.choice(3, len(point), p=[0.6, 0.3, 0.1])
    channel[point == 4] = 0          # a point with a single channel
    for domain, keys in [(channel, [("qr",), ("kiosk",), ("paper",)]),
                         (np.where(point < 2, 0, 3) + channel,
                          [(a, b) for a in ("low", "high") for b in ("qr", "kiosk", "paper")]),
                         (np.zeros(len(point), dtype=np.int64), [()])]:
        if len(keys) == 6:   # codes 0..5: low x channel, high x channel
            domain = np.where(point < 2, 0, 3) + channel
        rows = row_path(values, point, psu_key, cell_key, weight_of_cell, domain, keys, psu_count)
        parts = parts_path(values, point, psu_key, cell_key, weight_of_cell, domain, keys,
                           psu_count)
        for a, b in zip(rows.domains, parts.domains, strict=True):
            assert a.key == b.key and a.n == b.n
            for ea, eb in zip(a.estimates, b.estimates, strict=True):
                assert ea.n_valid == eb.n_valid and ea.df == eb.df
                for name in ("estimate", "se", "ci_low", "ci_high", "mean_score_se", "n_eff",
                             "deff"):
                    x, y = getattr(ea, name), getattr(eb, name)
                    assert (x is None) == (y is None), (name, ea.code)
                    if x is not None:
                        assert y == pytest.approx(x, rel=1e-9, abs=1e-9), (name, ea.code, a.key)
