"""How long the heavy pages take on a loaded database (e.g. after `hailong demo --responses
1000000`), through a real HTTP server.

    python bench/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench1m
        [--runs 5] [--port 8765] [--unit TPD] [--trend-unit P-ANHOA] [--sizes]

Starts gunicorn (one worker) on the database, times an anonymous first call of the
public page, logs in as the demo's ``admin``, then calls each page once to warm it and
``--runs`` times more, and prints a table of min and median seconds. ``--sizes`` prints
the size of every table (PostgreSQL) instead. Creates one read-only API key (the only
thing it writes, in the database); writes no file.
"""
import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def table_sizes(url):
    """[(table, bytes)] of every table with its indexes and TOAST, largest first."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 2 DESC")).all()
    engine.dispose()
    return rows


def print_sizes(url):
    rows = table_sizes(url)
    for name, size in rows:
        if size:
            print(f"{name:<32}{size / 2**20:>10.1f} MB")
    print(f"{'total':<32}{sum(size for _, size in rows) / 2**20:>10.1f} MB")


def wait_for(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"no server on port {port} after {seconds} s")


TIMEOUT = 300


def fetch(opener, url, data=None, headers=None):
    """(status, seconds, body) of one request; status "timeout" after TIMEOUT seconds."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=TIMEOUT) as reply:
            body = reply.read()
            status = reply.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    except (TimeoutError, OSError):
        body, status = b"", "timeout"
    return status, time.perf_counter() - started, body


def log_in(opener, base):
    _status, _seconds, page = fetch(opener, f"{base}/admin/login")
    token = CSRF.search(page.decode()).group(1)
    body = urlencode({"csrf_token": token, "username": "admin", "password": "hailong-demo"})
    status, _seconds, _page = fetch(opener, f"{base}/admin/login", body.encode())
    if status != 200:  # the redirect to the unit list is followed
        raise SystemExit(f"login failed ({status})")


def api_key(env, unit):
    made = subprocess.run([str(BIN / "hailong"), "create-api-key", "--unit", unit,
                           "--label", "bench/pages.py"], env=env, check=True,
                          capture_output=True, text=True)
    return made.stdout.split()[0]


def unit_ids(url, codes):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = dict(conn.execute(sa.text("SELECT code, id FROM unit WHERE code IN :codes")
                                  .bindparams(sa.bindparam("codes", expanding=True)),
                                  {"codes": list(codes)}).all())
    engine.dispose()
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--unit", default="TPD", help="the province (root) unit")
    parser.add_argument("--trend-unit", default="P-ANHOA", help="a unit whose page is timed")
    parser.add_argument("--sizes", action="store_true", help="print table sizes and stop")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds per request")
    args = parser.parse_args()
    globals()["TIMEOUT"] = args.timeout
    if args.sizes:
        print_sizes(args.database_url)
        return
    env = {**os.environ, "HAILONG_DATABASE_URL": args.database_url, "PYTHONPATH": str(ROOT),
           "HAILONG_LOGIN_RATE_LIMIT": "1000 per minute"}
    ids = unit_ids(args.database_url, [args.unit, args.trend_unit])
    key = api_key(env, args.unit)
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{args.port}",
                               "--timeout", str(args.timeout + 30), "survey_app.wsgi:app"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL)  # its errors go to our stderr
    try:
        wait_for(args.port)
        anonymous = urllib.request.build_opener()
        status, first, _ = fetch(anonymous, f"{base}/p/{args.unit}")
        rows = [("anonymous first call /p/" + args.unit, status, first, first)]
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        log_in(opener, base)
        pages = [
            ("province by unit", opener, f"/admin/units/{ids[args.unit]}/results?by=unit", {}),
            (f"unit trend {args.trend_unit}", opener,
             f"/admin/units/{ids[args.trend_unit]}/results", {}),
            (f"/p/{args.unit}", anonymous, f"/p/{args.unit}", {}),
            (f"/p/{args.unit}.json", anonymous, f"/p/{args.unit}.json", {}),
            (f"/api/v1/units/{args.unit}/results", anonymous,
             f"/api/v1/units/{args.unit}/results", {"Authorization": f"Bearer {key}"}),
            (f"insights {args.trend_unit} (drivers)", opener,
             f"/admin/units/{ids[args.trend_unit]}/insights", {}),
            (f"/api/v1/units/{args.unit}/drivers", anonymous,
             f"/api/v1/units/{args.unit}/drivers", {"Authorization": f"Bearer {key}"}),
        ]
        for label, client, path, headers in pages:
            status, warming, _body = fetch(client, base + path, headers=headers)
            # a page slower than a minute is timed once: five more would take the hour
            runs = args.runs if warming < 60 and status != "timeout" else 0
            times = [fetch(client, base + path, headers=headers)[1] for _ in range(runs)] \
                or [warming]
            rows.append((label, status, min(times), statistics.median(times)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{'page':<40}{'status':>7}{'min s':>9}{'median s':>10}")
    for label, status, low, middle in rows:
        print(f"{label:<40}{status!s:>7}{low:>9.3f}{middle:>10.3f}")


if __name__ == "__main__":
    sys.exit(main())
