"""Official-results import through the console: how long the upload request takes (on
SQLite it holds the write lock all that time, and citizens' submissions wait for it).

The shared table (shared/data/official_results.csv, 162 rows) is repeated over 62 years
(1990-2051): 10,044 rows, 1.6 MB, under the 2 MB upload limit. Three uploads: the first
(all rows new), the same file again (nothing changed), and a file where every row changed.

    .venv/bin/python bench/official_import.py [--pg]
"""
import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.models import OfficialResult, Role, User  # noqa: E402
from survey_app.services import org  # noqa: E402

# shared/ lies beside the checkout (or beside the folder of worktrees)
SHARED = next((p / "shared" / "data" / "official_results.csv" for p in ROOT.parents
               if (p / "shared" / "data" / "official_results.csv").exists()), None)


def table(years=62, suffix=""):
    rows = list(csv.DictReader(io.StringIO(SHARED.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for k in range(years):
        for row in rows:
            writer.writerow({**row, "year": 1990 + k, "name_vi": row["name_vi"] + suffix})
    return out.getvalue().encode("utf-8")


def run(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        unit = org.create_unit("HN", "Thành phố Hà Nội", "province")
        db.session.add(User(username="bench", password_hash=generate_password_hash("bench-pass"),
                            role=Role.ADMIN, unit=unit))
        db.session.commit()
        unit_id = unit.id
    client = app.test_client()
    assert client.post("/admin/login", data={"username": "bench", "password": "bench-pass"}
                       ).status_code == 302
    for label, body in (("first upload (all new)", table()),
                        ("same file again", table()),
                        ("every row changed", table(suffix=" (sửa)"))):
        start = time.perf_counter()
        reply = client.post(f"/admin/units/{unit_id}/targets", data={
            "file": (io.BytesIO(body), "official.csv"), "place": "Hà Nội"},
            content_type="multipart/form-data")
        seconds = time.perf_counter() - start
        assert reply.status_code == 302, reply.data[:500]
        with app.app_context():
            stored = db.session.scalar(sa.select(sa.func.count()).select_from(OfficialResult))
        lines = body.count(b"\n") - 1
        print(f"{label}: {lines} rows, {len(body) / 1e6:.2f} MB, "
              f"request {seconds:.2f} s, {stored} rows stored")
    with app.app_context():
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (HAILONG_BENCH_PG).")
    args = parser.parse_args()
    if args.pg:
        run(fresh_database("hailong_bench_official"))
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db")


if __name__ == "__main__":
    main()
