"""Import speed: 50,000 Google Forms rows with `hailong import responses`, SQLite and PostgreSQL.

The file repeats the rows of tests/data/google-forms-sipas-counter.csv (its 58 valid
ones) with distinct timestamps, so every row is new. The real command is timed end to
end (read, check, bulk insert, commit), then run again on the same file (everything a
duplicate, nothing stored). Aim: seconds, not minutes.

    .venv/bin/python bench/import_responses.py [--n 50000] [--pg URL]
"""
import argparse
import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "google-forms-sipas-counter.csv"


def big_file(n):
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
    header, body = rows[0], [r for i, r in enumerate(rows[1:], start=2) if i not in (14, 37)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    start = datetime(2024, 1, 1, 7, 0)
    for i in range(n):
        row = list(body[i % len(body)])
        row[0] = (start + timedelta(seconds=37 * i)).strftime("%d/%m/%Y %H:%M:%S")
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def run(hailong, env, *args):
    """(wall seconds, CPU seconds of the command, its result): on a shared machine the CPU
    time says more than the wall clock."""
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([hailong, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime, done


def measure(label, url, path, hailong):
    env = {**os.environ, "HAILONG_DATABASE_URL": url}
    for setup in (["db", "upgrade"], ["demo", "--responses", "0"]):
        subprocess.run([hailong, *setup], env=env, check=True, capture_output=True)
    args = ["import", "responses", str(path), "--point", "P-ANHOA/CT",
            "--instrument", "sipas-counter", "--map", "google-forms-sipas-counter"]
    first, first_cpu, done = run(hailong, env, *args)
    assert done.returncode == 0, done.stderr
    again, again_cpu, repeat = run(hailong, env, *args)
    assert "nothing new" in repeat.stdout, repeat.stdout + repeat.stderr
    bare, bare_cpu, _ = run(hailong, env, "import", "list")
    print(f"{label:<11} first import {first:5.1f} s ({first_cpu:4.1f} s CPU)   same file again "
          f"{again:5.1f} s ({again_cpu:4.1f} s CPU)   start-up alone {bare:4.1f} s "
          f"({bare_cpu:4.1f} s CPU)   load {os.getloadavg()[0]:.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="Rows in the file.")
    parser.add_argument("--pg", action="store_true", help="Also PostgreSQL (HAILONG_BENCH_PG).")
    args = parser.parse_args()
    hailong = str(ROOT / ".venv" / "bin" / "hailong")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "google-forms-50k.csv"
        path.write_bytes(big_file(args.n))
        print(f"{args.n} rows, {path.stat().st_size / 1e6:.1f} MB")
        measure("SQLite", f"sqlite:///{folder}/bench.db", path, hailong)
        if args.pg:
            measure("PostgreSQL", fresh_database("hailong_import_bench"), path, hailong)


if __name__ == "__main__":
    main()
