"""Load and fault test: many citizens submitting through nginx at once.

    python bench/load.py --base-url http://127.0.0.1:8080 --database-url postgresql://…
        [--clients 100] [--seconds 60] [--kill-worker-at 20 --gunicorn-pid PID]
        [--restart-postgres-at 40]

Each client opens a real form (cookie, CSRF token), then submits complete answers again
and again, each with a fresh client UUID. An answer counts as *acknowledged* when the
server answers 302 (the thank-you redirect). On a connection error, a timeout or a 5xx
the client retries the same UUID, as the form does when a citizen taps "Gửi" again, until
it is acknowledged. During the run a gunicorn worker can be killed with SIGKILL and
PostgreSQL restarted.

Afterwards the database must hold every acknowledged UUID exactly once, and nothing
else from this run. Prints the figures as JSON and exits 1 when an answer was lost or
doubled (or, without faults, when any request failed).
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

INPUT = re.compile(r"<input\b[^>]*>", re.S)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_fields(html):
    """Hidden fields and the first option of every radio group of a survey page."""
    fields = {}
    for tag in INPUT.findall(html):
        attrs = dict(ATTR.findall(tag))
        kind, name = attrs.get("type", "text"), attrs.get("name")
        if not name:
            continue
        if kind == "hidden" or (kind == "radio" and name not in fields):
            fields[name] = attrs.get("value", "")
    return fields


class Client(threading.Thread):
    def __init__(self, base, path, until, stats, give_up):
        super().__init__(daemon=True)
        self.base, self.path, self.until, self.stats = urlsplit(base), path, until, stats
        self.give_up, self.start_path = give_up, path
        self.conn, self.cookie, self.fields = None, "", None
        self.acked, self.latencies = [], []
        self.errors, self.retries = {}, 0

    def request(self, method, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=15)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, self.path, body=body, headers=headers)
            reply = self.conn.getresponse()
            data = reply.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = None
            return type(exc).__name__, b"", {}
        if reply.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return reply.status, data, dict(reply.getheaders())

    def open_form(self):
        while time.monotonic() < self.give_up:
            status, data, headers = self.request("GET")
            if status == 200:
                cookie = headers.get("Set-Cookie", "")
                self.cookie = cookie.split(";", 1)[0] if cookie else self.cookie
                self.fields = form_fields(data.decode("utf-8"))
                return True
            location = headers.get("Location") or headers.get("location")
            if status == 302 and location:  # /s/<token> names a fresh form: /s/<token>?f=…
                target = urlsplit(location)
                self.path = target.path + (f"?{target.query}" if target.query else "")
                continue
            self.count_error(status)
            time.sleep(0.2)
        return False

    def count_error(self, status):
        self.errors[str(status)] = self.errors.get(str(status), 0) + 1

    def submit(self, client_uuid):
        """Post until acknowledged (302) or the run gives up; True when acknowledged."""
        while time.monotonic() < self.give_up:
            body = urlencode({**self.fields, "client_uuid": client_uuid})
            started = time.monotonic()
            status, data, _headers = self.request("POST", body)
            if status == 302:
                self.latencies.append(time.monotonic() - started)
                return True
            self.count_error(status)
            if status == 400 and b"csrf" in data.lower():
                self.open_form()  # a restarted worker may not know the old token: reopen
            self.retries += 1
            time.sleep(0.2)
        return False

    def run(self):
        while time.monotonic() < self.until:
            # each answer on a form of its own: the form's token is bound to its client UUID,
            # and /s/<token> redirects to a fresh form id every time
            self.path = self.start_path
            if not self.open_form():
                return
            client_uuid = self.fields.get("client_uuid") or str(uuid.uuid4())
            if self.submit(client_uuid):
                self.acked.append(client_uuid)
            else:
                self.stats["unacknowledged"].append(client_uuid)


def survey_paths(database_url):
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        tokens = conn.execute(sa.text(
            "SELECT t.token FROM qr_token t JOIN service_point p ON p.id = t.service_point_id "
            "WHERE t.revoked_at IS NULL AND p.active ORDER BY p.id")).scalars().all()
    engine.dispose()
    return [f"/s/{token}" for token in tokens]


def stored(database_url, uuids):
    """{uuid: times stored} for ``uuids``, and how many rows the run added in all."""
    engine = sa.create_engine(database_url)
    counts = {}
    with engine.connect() as conn:
        for start in range(0, len(uuids), 1000):
            chunk = uuids[start:start + 1000]
            rows = conn.execute(sa.text(
                "SELECT CAST(client_uuid AS TEXT), count(*) FROM response "
                "WHERE CAST(client_uuid AS TEXT) IN :ids GROUP BY client_uuid"
            ).bindparams(sa.bindparam("ids", expanding=True)), {"ids": chunk}).all()
            counts.update({str(u): n for u, n in rows})
        total = conn.execute(sa.text("SELECT count(*) FROM response")).scalar_one()
    engine.dispose()
    return counts, total


def worker_pids(master):
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def restart_postgres():
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart",
                    "-m", "fast"], check=True)


def faults(args, started, log):
    if args.kill_worker_at is not None:
        time.sleep(max(0.0, started + args.kill_worker_at - time.monotonic()))
        pids = worker_pids(args.gunicorn_pid)
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            log.append({"at": round(time.monotonic() - started, 1), "fault": "kill -9 worker",
                        "pid": pids[0]})
    if args.restart_postgres_at is not None:
        time.sleep(max(0.0, started + args.restart_postgres_at - time.monotonic()))
        began = time.monotonic()
        restart_postgres()
        log.append({"at": round(began - started, 1), "fault": "restart PostgreSQL",
                    "took_s": round(time.monotonic() - began, 1)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--kill-worker-at", type=float)
    parser.add_argument("--gunicorn-pid", type=int)
    parser.add_argument("--restart-postgres-at", type=float)
    args = parser.parse_args()
    if args.kill_worker_at is not None and not args.gunicorn_pid:
        parser.error("--kill-worker-at needs --gunicorn-pid")
    database_url = args.database_url
    paths = survey_paths(database_url)
    if not paths:
        parser.error("no open service point in that database")
    _counts, before = stored(database_url, [])
    started = time.monotonic()
    until, give_up = started + args.seconds, started + args.seconds + 60
    stats = {"unacknowledged": []}
    clients = [Client(args.base_url, paths[i % len(paths)], until, stats, give_up)
               for i in range(args.clients)]
    log = []
    chaos = threading.Thread(target=faults, args=(args, started, log), daemon=True)
    for client in clients:
        client.start()
    chaos.start()
    for client in clients:
        client.join()
    chaos.join(timeout=1)
    elapsed = time.monotonic() - started
    acked = [u for c in clients for u in c.acked]
    counts, after = stored(database_url, acked + stats["unacknowledged"])
    lost = [u for u in acked if counts.get(u, 0) == 0]
    doubled = [u for u, n in counts.items() if n > 1]
    errors = {}
    for client in clients:
        for key, n in client.errors.items():
            errors[key] = errors.get(key, 0) + n
    latencies = sorted(t for c in clients for t in c.latencies)

    def pct(q):
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) \
            if latencies else None

    result = {
        "clients": args.clients, "seconds": round(elapsed, 1), "faults": log,
        "acknowledged": len(acked),
        "stored_for_acknowledged": sum(counts.get(u, 0) for u in acked),
        "rows_added": after - before, "lost": len(lost), "doubled": len(doubled),
        "never_acknowledged": len(stats["unacknowledged"]),
        "errors_seen": errors, "retries": sum(c.retries for c in clients),
        "acknowledged_per_s": round(len(acked) / args.seconds, 1),
        "latency_ms": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": pct(1.0)},
    }
    # every row the run added belongs to one of its UUIDs, each stored once at most
    ok = not lost and not doubled and result["rows_added"] == len(counts)
    faulty = args.kill_worker_at is not None or args.restart_postgres_at is not None
    if not faulty and (errors or stats["unacknowledged"]):
        ok = False
    result["ok"] = ok
    print(json.dumps(result, indent=2))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
