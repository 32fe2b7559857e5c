"""Throughput and latency of the real submission path vs a bare one-row insert.

Both run under the same gunicorn settings against PostgreSQL on loopback. Each client
keeps one connection, fetches the form once (cookie + CSRF token), then posts complete
answers with a new UUID each time, as a phone would. Bounded in time; loopback only.

    .venv/bin/python bench/submit.py [--seconds 10] [--clients 10,50] [--workers 3] [--threads 2]
"""
import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = {"access": "5", "procedures": "4", "staff": "5", "results": "4", "feedback": "na",
           "overall": "5", "extra_request": "0", "trips": "1"}


def prepare(url):
    """Migrate, load instruments, make one counter; return its QR token."""
    env = {**os.environ, "HAILONG_DATABASE_URL": url}
    hailong = str(ROOT / ".venv" / "bin" / "hailong")
    subprocess.run([hailong, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([hailong, "demo", "--responses", "0"], env=env, check=True,
                   capture_output=True)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE bare_insert (id serial PRIMARY KEY, "
                             "client_uuid uuid NOT NULL, at timestamp DEFAULT now())"))
        token = conn.execute(sa.text(
            "SELECT t.token FROM qr_token t JOIN service_point p ON p.id = t.service_point_id "
            "JOIN unit u ON u.id = p.unit_id WHERE u.code = 'P-ANHOA' AND p.code = 'CT'")).scalar()
    return engine, token


def start_gunicorn(app, port, url, workers, threads):
    env = {**os.environ, "HAILONG_DATABASE_URL": url, "BENCH_DATABASE_URL": url,
           "HAILONG_SECRET_KEY": "bench-secret", "HAILONG_HASH_KEY": "bench-hash",
           "HAILONG_SUBMIT_RATE_LIMIT": "100000000 per hour", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-k", "gthread",
         "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        env=env, cwd=ROOT)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn {app} did not start")


class Client(threading.Thread):
    def __init__(self, port, kind, token, deadline):
        super().__init__(daemon=True)
        self.port, self.kind, self.token, self.deadline = port, kind, token, deadline
        self.latencies, self.errors, self.acked = [], 0, 0

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        path, body_base = "/insert", {}
        if self.kind == "hailong":
            path = f"/s/{self.token}"
            conn.request("GET", path)
            reply = conn.getresponse()
            html = reply.read().decode()
            headers["Cookie"] = reply.getheader("Set-Cookie").split(";")[0]
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            body_base = {**ANSWERS, "csrf_token": csrf}
        while time.monotonic() < self.deadline:
            body = urllib.parse.urlencode({**body_base, "client_uuid": str(uuid.uuid4())})
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                reply = conn.getresponse()
                reply.read()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.latencies.append(time.perf_counter() - start)
            if reply.status in (204, 302):
                self.acked += 1
            else:
                self.errors += 1


def run_load(port, kind, token, clients, seconds):
    deadline = time.monotonic() + seconds
    threads = [Client(port, kind, token, deadline) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies = sorted(x for t in threads for x in t.latencies)
    return {
        "rps": sum(t.acked for t in threads) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "acked": sum(t.acked for t in threads),
        "errors": sum(t.errors for t in threads),
    }


def session_for_form(port, token):
    """GET the form once: the session cookie and the form body a client would post."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/s/{token}")
    reply = conn.getresponse()
    html = reply.read().decode()
    cookie = reply.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return cookie, urllib.parse.urlencode({**ANSWERS, "csrf_token": csrf})


def run_wrk(port, kind, token, clients, seconds):
    """Drive the server with wrk (C, so the load generator takes little of the 2 cores)."""
    env = dict(os.environ, BENCH_PATH="/insert", BENCH_BODY="x=1", BENCH_COOKIE="")
    if kind == "hailong":
        cookie, body = session_for_form(port, token)
        env.update(BENCH_PATH=f"/s/{token}", BENCH_BODY=body, BENCH_COOKIE=cookie)
    threads = min(clients, 2)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{int(seconds)}s", "--latency",
         "-s", str(ROOT / "bench" / "post_answers.lua"), f"http://127.0.0.1:{port}"],
        env=env, check=True, capture_output=True, text=True).stdout

    def latency(pct):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    n_errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": latency(50), "p99": latency(99), "acked": total - n_errors, "errors": n_errors}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="Duration of each run.")
    parser.add_argument("--clients", default="10,50", help="Concurrent clients, comma-separated.")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes.")
    parser.add_argument("--threads", type=int, default=2, help="Threads per gunicorn worker.")
    parser.add_argument("--driver", choices=["wrk", "python"],
                        default="wrk" if shutil.which("wrk") else "python",
                        help="Load generator: wrk (apt install wrk) or Python threads.")
    args = parser.parse_args()
    url = fresh_database("hailong_bench")
    engine, token = prepare(url)
    servers = {"hailong": start_gunicorn("survey_app.wsgi:app", 18081, url, args.workers, args.threads),
               "bare": start_gunicorn("bench.bare_app:app", 18082, url, args.workers, args.threads)}
    ports = {"hailong": 18081, "bare": 18082}
    try:
        print(f"{'clients':>7} {'path':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'errors':>6}")
        acked = {"hailong": 0, "bare": 0}
        print(f"driver: {args.driver}; gunicorn: {args.workers} workers x {args.threads} threads (gthread)")
        for clients in (int(c) for c in args.clients.split(",")):
            results = {}
            for kind in ("hailong", "bare"):
                load = run_wrk if args.driver == "wrk" else run_load
                results[kind] = r = load(ports[kind], kind, token, clients, args.seconds)
                acked[kind] += r["acked"]
                print(f"{clients:>7} {kind:>8} {r['rps']:>8.0f} {r['p50']:>7.1f} "
                      f"{r['p99']:>7.1f} {r['errors']:>6}")
            print(f"{clients:>7} {'ratio':>8} {results['hailong']['rps'] / results['bare']['rps']:>8.2f}"
                  "  (hailong / bare insert)")
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM response")).scalar()
        # wrk stops at its deadline with up to `clients` requests in flight: those may be
        # stored without being acknowledged. Every acknowledged one must be stored.
        in_flight = sum(int(c) for c in args.clients.split(","))
        ok = acked["hailong"] <= stored <= acked["hailong"] + in_flight
        print(f"acknowledged submissions: {acked['hailong']}; responses stored: {stored} "
              f"(at most {in_flight} in flight at the stops) -> {'OK' if ok else 'LOST ANSWERS'}")
    finally:
        for process in servers.values():
            process.terminate()
            process.wait(timeout=10)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
