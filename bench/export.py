"""Export speed: 1,000,000 responses to CSV with `hailong export`, PostgreSQL on loopback.

The responses are generated inside PostgreSQL (generate_series), then exported through
the real command (one streamed query, CSV written as read). Aim: under 60 s.

    .venv/bin/python bench/export.py [--n 1000000]
"""
import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ["access", "procedures", "staff", "results", "feedback", "overall", "extra_request",
         "trips"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="Responses to export.")
    args = parser.parse_args()
    url = fresh_database("hailong_export")
    env = {**os.environ, "HAILONG_DATABASE_URL": url}
    hailong = str(ROOT / ".venv" / "bin" / "hailong")
    subprocess.run([hailong, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([hailong, "demo", "--responses", "0"], env=env, check=True, capture_output=True)
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        point, unit, province, version = conn.execute(sa.text(
            "SELECT p.id, p.unit_id, CAST(split_part(u.path, '/', 2) AS integer), v.id "
            "FROM service_point p JOIN unit u ON u.id = p.unit_id "
            "JOIN instrument i ON i.code = p.instrument_code "
            "JOIN instrument_version v ON v.instrument_id = i.id "
            "WHERE u.code = 'P-ANHOA' AND p.code = 'CT'")).one()
        # the answers packed as the app stores them (services/packing.py): one character
        # per item, ITEMS being sipas-counter's slots in order
        conn.execute(sa.text(
            "INSERT INTO response (province_id, client_uuid, instrument_version_id,"
            " service_point_id, unit_id, channel, verified, locale, submitted_at, stratum,"
            " weight, answer_codes) "
            "SELECT :province, gen_random_uuid(), :v, :p, :u, 'qr', false, 'vi',"
            " now() - (g || ' minutes')::interval, 'certification', 1.0,"
            " (SELECT string_agg(CASE WHEN i.code = 'extra_request'"
            "  THEN (random() < 0.05)::int::text ELSE (1 + floor(random() * 5)::int)::text END,"
            "  '' ORDER BY i.n) FROM unnest(CAST(:items AS text[])) WITH ORDINALITY AS i(code, n)"
            "  WHERE g > 0) "  # refers to the row: drawn again for every response
            "FROM generate_series(1, :n) g"),
            {"province": province, "v": version, "p": point, "u": unit, "n": args.n,
             "items": ITEMS})
    print(f"generated {args.n:,} responses x {len(ITEMS)} answers in PostgreSQL: "
          f"{time.perf_counter() - started:.1f} s")
    output = ROOT / "bench" / "out" / "export.csv"
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run([hailong, "export", "--unit", "TPD", "--instrument", "sipas-counter",
                    "--format", "csv", "-o", str(output)], env=env, check=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with output.open(encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    print(f"hailong export CSV: {rows:,} rows, {output.stat().st_size / 1e6:.0f} MB in "
          f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s), peak memory {peak:.0f} MB")
    engine.dispose()
    return 0 if rows == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
