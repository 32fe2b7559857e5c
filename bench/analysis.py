"""Analysis speed: hailong vs R's survey on the same stratified, clustered data.

(1) 1,000,000 responses x 21 items (sipas-services), 60 domains, stratified + clustered:
    `hailong analyze` from CSV to JSON — wall time and peak memory (max RSS).
(2) The same design on 200,000 responses: hailong vs R (svyby + svyratio, one call per
    item, as an analyst would) — the item indices must agree, and the speed ratio.

    .venv/bin/python bench/analysis.py [--n 1000000] [--n-r 200000] [--skip-r]
"""
import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

# as `hailong analyze` does: BLAS threads only spin against each other on small products
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

# Run as a script, this file's folder comes first on sys.path and its name would shadow
# the `analysis` package: take the folder out before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import instruments  # noqa: E402
from analysis import contrasts_for  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
ITEMS = contrasts_for(instruments.get("sipas-services")).items

R_SCRIPT = r"""
suppressMessages(library(survey)); options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c(stratum = "character", psu = "character", unit = "character"))
items <- strsplit(args[2], ",")[[1]]
started <- Sys.time(); cpu_started <- proc.time()
for (k in items) { d[[paste0("v_", k)]] <- as.numeric(!is.na(d[[k]]))
                   d[[paste0("s_", k)]] <- as.numeric(!is.na(d[[k]]) & d[[k]] >= 4) }
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
out <- do.call(rbind, lapply(items, function(k) {
  r <- svyby(as.formula(paste0("~s_", k)), by = ~unit, denominator = as.formula(paste0("~v_", k)),
             design = des, FUN = svyratio)
  data.frame(item = k, unit = r$unit, estimate = 100 * r[[2]], se = 100 * r[[3]])
}))
cat(sprintf("R seconds %.3f\n", as.numeric(Sys.time() - started, units = "secs")))
used <- proc.time() - cpu_started
cat(sprintf("R cpu %.3f\n", used[["user.self"]] + used[["sys.self"]]))
write.csv(out, args[3], row.names = FALSE)
"""


def make_csv(path, n, seed=7):
    """Stratified (8 strata) two-level data: PSUs (villages/counters) within strata."""
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, 60, n)
    stratum = unit % 8
    psu = rng.integers(0, 40, n)
    level = 0.6 + 0.35 * rng.random(60)
    good = rng.random((n, len(ITEMS))) < level[unit][:, None]
    answers = np.where(good, rng.integers(4, 6, (n, len(ITEMS))), rng.integers(1, 4, (n, len(ITEMS))))
    missing = rng.random((n, len(ITEMS))) < 0.08
    w = np.round(rng.uniform(0.5, 4, n), 3)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*ITEMS, "w", "stratum", "psu", "unit"])
        for start in range(0, n, 100_000):
            block = answers[start:start + 100_000].astype(str).astype(object)
            block[missing[start:start + 100_000]] = ""
            rows = np.column_stack([block, w[start:start + 100_000].astype(str),
                                    stratum[start:start + 100_000].astype(str),
                                    psu[start:start + 100_000].astype(str),
                                    np.char.add("U", unit[start:start + 100_000].astype(str))])
            writer.writerows(rows.tolist())


def cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_hailong(path, output):
    """Wall seconds, CPU seconds (user + system) and peak memory (MB) of the whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu = cpu_of_children()
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "hailong"), "analyze", str(path), "--instrument",
                    "sipas-services", "--weight", "w", "--strata", "stratum", "--psu", "psu",
                    "--by", "unit", "-o", str(output)], check=True)
    seconds = time.perf_counter() - started
    cpu = cpu_of_children() - cpu
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, cpu, max(peak, before) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="Responses for part 1.")
    parser.add_argument("--n-r", type=int, default=200_000, help="Responses for part 2 (vs R).")
    parser.add_argument("--skip-r", action="store_true", help="Only part 1.")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    big = OUT / f"responses_{args.n}.csv"
    if not big.exists():
        make_csv(big, args.n)
    seconds, cpu, peak_mb = run_hailong(big, OUT / "big.json")
    print(f"(1) {args.n:,} responses x {len(ITEMS)} items, 60 domains, stratified+clustered: "
          f"{seconds:.2f} s wall, {cpu:.2f} s CPU, peak memory {peak_mb:.0f} MB "
          f"(CSV {big.stat().st_size / 1e6:.0f} MB)")
    if args.skip_r or not shutil.which("Rscript"):
        return 0

    small = OUT / f"responses_{args.n_r}.csv"
    if not small.exists():
        make_csv(small, args.n_r, seed=8)
    ours_seconds, ours_cpu, _ = run_hailong(small, OUT / "small.json")
    script = OUT / "bench.R"
    script.write_text(R_SCRIPT, encoding="utf-8")
    cpu = cpu_of_children()
    started = time.perf_counter()
    r_out = subprocess.run(["Rscript", str(script), str(small), ",".join(ITEMS),
                            str(OUT / "r.csv")], check=True, capture_output=True, text=True)
    r_wall = time.perf_counter() - started
    r_cpu = cpu_of_children() - cpu
    r_seconds = float(r_out.stdout.split("R seconds")[1].split()[0])
    r_compute_cpu = float(r_out.stdout.split("R cpu")[1].split()[0])
    ours = {(d["key"]["unit"], e["code"]): e for d in json.loads((OUT / "small.json").read_text())["domains"]
            for e in d["estimates"]}
    worst_est = worst_se = 0.0
    with (OUT / "r.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            mine = ours[(row["unit"], row["item"])]
            worst_est = max(worst_est, abs(mine["estimate"] / float(row["estimate"]) - 1))
            worst_se = max(worst_se, abs(mine["se"] / float(row["se"]) - 1))
    from analysis import estimate_indices
    from analysis.table import prepare, read_responses

    prepared = prepare(read_responses(small, ITEMS, ("w",), ("stratum", "psu", "unit")), ITEMS,
                       "w", "stratum", "psu", ("unit",))
    contrasts = contrasts_for(instruments.get("sipas-services"))
    started = time.perf_counter()
    estimate_indices(prepared.answers, contrasts, prepared.design, prepared.domain,
                     prepared.domain_keys)
    compute = time.perf_counter() - started
    print(f"(2) {args.n_r:,} responses, item indices in 60 domains: hailong {ours_seconds:.2f} s "
          f"(whole process: start, CSV, all {len(ITEMS)} items + tree + CIs, JSON) vs R "
          f"{r_seconds:.1f} s (svyby+svyratio, after reading; {r_wall:.1f} s with start-up and "
          f"reading) -> {r_seconds / ours_seconds:.0f}x faster")
    print(f"    CPU time (user + system; fairer on a shared machine): hailong whole process "
          f"{ours_cpu:.2f} s vs R {r_compute_cpu:.1f} s after reading ({r_cpu:.1f} s whole) -> "
          f"{r_compute_cpu / ours_cpu:.0f}x faster")
    print(f"    compute only (after reading, like R's figure): hailong {compute:.2f} s vs R "
          f"{r_seconds:.1f} s -> {r_seconds / compute:.0f}x faster")
    print(f"    largest relative difference: estimates {worst_est:.1e}, SEs {worst_se:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
