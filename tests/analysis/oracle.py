"""Run hailong's analysis on the oracle data sets exactly as designs.csv describes them."""
import csv
from pathlib import Path

import instruments
from analysis import contrasts_for, estimate_indices
from analysis.table import prepare, read_table

ORACLE = Path(__file__).resolve().parents[1] / "oracle"


def designs(root=ORACLE):
    with (root / "designs.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def contrasts():
    return contrasts_for(instruments.load_file(ORACLE / "oracle.yaml"))


def run(spec, root=ORACLE):
    frame = read_table(root / "data" / f"{spec['data']}.csv")
    population = read_table(root / "data" / "population.csv") if spec["poststrat"] else None
    prepared = prepare(frame, contrasts().items, weight=spec["weights"] or None,
                       strata=spec["strata"] or None, psu=spec["psu"] or None,
                       by=(spec["by"],) if spec["by"] else (), population=population)
    return estimate_indices(prepared.answers, contrasts(), prepared.design, prepared.domain,
                            prepared.domain_keys, cells=prepared.cells,
                            base_weights=prepared.base_weights)


def golden(name, root=ORACLE):
    with (root / "golden" / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def as_float(text):
    return None if text in ("NA", "") else float(text)
