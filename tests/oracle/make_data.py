"""Write the oracle data sets (deterministic). Run: .venv/bin/python tests/oracle/make_data.py

The index-tree coefficients R is given (data/contrasts.csv) are written by hand from
oracle.yaml and only copied here: computing them with hailong's own contrasts_for would
copy a mistake in the tree rules into R's answer.
"""
import shutil
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
ITEMS = ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]


def make(seed, n, missing):
    rng = np.random.default_rng(seed)
    unit = rng.choice(["U1", "U2", "U3", "U4"], size=n, p=[0.4, 0.3, 0.2, 0.1])
    level = {"U1": 0.8, "U2": 0.7, "U3": 0.6, "U4": 0.85}
    base = np.array([level[u] for u in unit])
    answers = np.where(rng.random((n, len(ITEMS))) < base[:, None],
                       rng.choice([4, 5], size=(n, len(ITEMS))),
                       rng.choice([1, 2, 3], size=(n, len(ITEMS)))).astype(float)
    answers[rng.random((n, len(ITEMS))) < missing] = np.nan
    answers[rng.random(n) < 0.7, 6] = np.nan  # q7: mostly "không áp dụng"
    stratum = rng.choice(["S1", "S2", "S3", "S4", "S5"], size=n)
    psu = rng.integers(1, 6, size=n).astype(str)
    psu[stratum == "S5"] = "1"  # a stratum with a single PSU
    cell = np.char.add(unit.astype(str), np.where(rng.random(n) < 0.5, "a", "b"))
    w = np.round(rng.uniform(0.5, 3.0, size=n), 3)
    return unit, answers, stratum, psu, cell, w


def write(name, seed, n, missing, root=HERE):
    unit, answers, stratum, psu, cell, w = make(seed, n, missing)
    header = ",".join([*ITEMS, "w", "stratum", "psu", "unit", "cell"])
    lines = [header]
    for i in range(n):
        values = ["" if np.isnan(v) else str(int(v)) for v in answers[i]]
        lines.append(",".join([*values, f"{w[i]:.3f}", stratum[i], psu[i], unit[i], cell[i]]))
    (root / "data" / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cell, w


def main(root=HERE, seeds=(20251, 20252), sizes=(400, 300)):
    (root / "data").mkdir(parents=True, exist_ok=True)
    cell, w = write("plain", seeds[0], sizes[0], 0.05, root)
    write("sparse", seeds[1], sizes[1], 0.45, root)
    cells, counts = np.unique(cell, return_counts=True)
    population = ["cell,Freq"] + [f"{c},{int(k * 25 + 100)}" for c, k in zip(cells, counts, strict=True)]
    (root / "data" / "population.csv").write_text("\n".join(population) + "\n", encoding="utf-8")
    if root != HERE:
        shutil.copy(HERE / "data" / "contrasts.csv", root / "data" / "contrasts.csv")


if __name__ == "__main__":
    main()
