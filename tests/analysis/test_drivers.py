"""Key drivers recover known effects; what-if follows the tree's arithmetic."""
import numpy as np
import pytest

import instruments
from analysis import contrasts_for, estimate_indices, make_design
from analysis.drivers import key_drivers, what_if

COUNTER = contrasts_for(instruments.get("sipas-counter"))


def simulated(n, rng, effects):
    """Factor satisfaction drawn at random; overall satisfaction driven by ``effects``."""
    items = list(COUNTER.items)
    answers = np.full((n, len(items)), np.nan)
    sat = {}
    for code in ("access", "procedures", "staff", "results", "feedback"):
        sat[code] = rng.random(n) < 0.75
        answers[:, items.index(code)] = np.where(sat[code], rng.integers(4, 6, n), rng.integers(1, 4, n))
    p = 0.15 + sum(effects[c] * sat[c] for c in effects)
    overall = rng.random(n) < p
    answers[:, items.index("overall")] = np.where(overall, rng.integers(4, 6, n), rng.integers(1, 4, n))
    return answers


def test_drivers_recover_the_simulated_effects():
    rng = np.random.default_rng(11)
    effects = {"access": 0.05, "procedures": 0.10, "staff": 0.40, "results": 0.20, "feedback": 0.0}
    answers = simulated(6000, rng, effects)
    clusters = rng.integers(0, 30, len(answers))
    drivers = key_drivers(answers, COUNTER, np.ones(len(answers)), clusters)
    by_code = {d.code: d for d in drivers}
    item_of = {"5": "access", "6": "procedures", "7": "staff", "8": "results", "9": "feedback"}
    for code, item in item_of.items():
        assert by_code[code].ci_low - 1 < 100 * effects[item] < by_code[code].ci_high + 1, code
    assert drivers[0].code == "7"  # civil servants matter most, as simulated


def test_drivers_need_an_outcome_and_enough_answers():
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match="too few complete answers"):
        key_drivers(simulated(10, rng, {"staff": 0.5}), COUNTER, np.ones(10), np.zeros(10))
    sipas = contrasts_for(instruments.get("sipas-2023"))
    with pytest.raises(ValueError, match="no 'overall' item"):
        key_drivers(np.full((5, len(sipas.items)), 4.0), sipas, np.ones(5), np.zeros(5))


def test_what_if_moves_the_total_by_the_factor_weight():
    rng = np.random.default_rng(5)
    answers = simulated(800, rng, {"staff": 0.5})
    design = make_design(len(answers), None, None, rng.integers(0, 40, len(answers)))
    analysis = estimate_indices(answers, COUNTER, design)
    domain = analysis.domains[0]
    result = what_if(analysis, (), "7", 95.0)
    expected = domain.get("total").estimate + 0.2 * (95.0 - domain.get("7").estimate)
    assert result.total == pytest.approx(expected)
    assert result.ci_low < result.total < result.ci_high
    # fixing one of five factors leaves less uncertainty than the total itself carries
    assert 0 < result.se < domain.get("total").se
