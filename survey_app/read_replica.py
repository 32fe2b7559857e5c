"""Reads from a PostgreSQL streaming replica (``HAILONG_READ_DATABASE_URL``).

Who answers what:

- the **replica**: the SELECTs of GET/HEAD requests for the console (``/admin/``), the API
  (``/api/``) and the public results (``/p/``), while it answers and lags less than
  ``READ_MAX_LAG_SECONDS``;
- the **primary**: every write (a flush, INSERT/UPDATE/DELETE, any statement that is not a
  plain SELECT) and the reads after it in the same transaction (they must see its rows);
  every POST/PUT/PATCH/DELETE request; the citizens' form, kiosk, invitation and thank-you
  pages (a link made a second ago must open); CLI commands; the logged-in user and API
  keys (``ON_PRIMARY``: a deactivated account or a revoked key stops at once);
- the primary again for a browser that wrote less than ``READ_MAX_LAG_SECONDS +
  READ_CHECK_SECONDS`` ago (read-your-writes: the page after "Save" shows the save; the
  replica is only used while its lag is under that limit, so after it the save is there).

A SELECT with a side effect on the server (an advisory lock, ``nextval``) must run on
the primary: pass ``bind_arguments=ON_PRIMARY``. Only SQLAlchemy ``select()`` statements
without FOR UPDATE go to the replica; ``sa.text(...)`` (even with
``.columns()``) always runs on the primary.

A replica that does not answer, is not a standby, or lags too much is left alone until
the next check, and its reads go to the primary: the user sees no error page. It is
checked at most every ``READ_CHECK_SECONDS`` per process (every 30 s once it stopped
answering), by one request while the others use the last answer, with a 2 s connect
timeout: a dead replica does not make every request wait. SQLite ignores all this.
"""
import collections
import threading
import time

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, session
from flask_sqlalchemy.session import Session
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

EXTENSION = "hailong_read_replica"
#: ``bind_arguments`` that keep a read on the primary.
ON_PRIMARY = {"primary": True}
READ_PATHS = ("/admin/", "/api/", "/p/")
#: Where a browser has a session cookie (the API keeps none).
SESSION_PATHS = ("/admin/", "/p/")
READ_METHODS = ("GET", "HEAD")
WROTE_AT = "_hl_wrote_at"
CONNECT_TIMEOUT_SECONDS = 2
DOWN_RECHECK_SECONDS = 30
_TRANSACTION_WROTE = "hailong_wrote"
_REQUEST_REPLICA = "_hl_read_replica"


class Replica:
    """The replica of one app in one process: its engine and its last health check."""

    def __init__(self, url, engine_options, max_lag, check_seconds, logger):
        url = sa.make_url(url)
        connect_args = {}
        if "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        self.engine = sa.create_engine(url, **{**engine_options, "pool_pre_ping": True,
                                               "connect_args": connect_args})
        self.max_lag, self.check_seconds, self.logger = max_lag, check_seconds, logger
        self.usable, self.status, self.lag = False, "not checked yet", None
        self._checked_at, self._answered, self._warned = None, True, False
        self._lock = threading.Lock()
        # the primary's flushed WAL position at each check: bounds the lag (see measure)
        self._positions = collections.deque(maxlen=64)

    def ready(self, primary):
        """Whether reads may go to the replica; checks it again when the last check is old.

        A thread never waits for another thread's check: it takes the last answer.
        """
        wait = self.check_seconds if self._answered else max(self.check_seconds,
                                                              DOWN_RECHECK_SECONDS)
        due = self._checked_at is None or time.monotonic() - self._checked_at >= wait
        if due and self._lock.acquire(blocking=False):
            try:
                self.check_now(primary)
            finally:
                self._lock.release()
        return self.usable

    def check_now(self, primary):
        """Measure the replica now and remember the answer; return its status line."""
        self.record(*measure(primary, self.engine, self.max_lag, self._positions))
        return self.status

    def record(self, usable, status, lag=None, answered=True):
        self.usable, self.status, self.lag, self._answered = usable, status, lag, answered
        self._checked_at = time.monotonic()
        if not usable and not self._warned:
            self._warned = True
            self.logger.warning("read replica not used, reads go to the primary: %s", status)
        elif usable and self._warned:
            self._warned = False
            self.logger.info("read replica used again: %s", status)


def measure(primary, replica, max_lag, positions=None):
    """``(usable, status, lag in seconds or None, answered)`` of ``replica`` now.

    The lag is the smaller of two upper bounds of how old the replica's data may be:
    ``now() - pg_last_xact_replay_timestamp()`` (the task's measure; it grows while the
    primary commits nothing, or runs one long transaction) and the time since the primary
    had flushed the newest WAL position the replica has replayed, from ``positions`` (a
    deque of ``(time.monotonic(), LSN)`` this function fills, one per check). A replica
    that has replayed all the WAL the primary had flushed just before lags 0.
    """
    positions = collections.deque(maxlen=1) if positions is None else positions
    try:
        with primary.connect() as conn:
            # flushed WAL: what the primary can have sent (not what sits in its buffers)
            flushed = conn.execute(sa.text("SELECT pg_current_wal_flush_lsn()::text")).scalar()
    except DBAPIError as exc:
        return False, f"the primary does not answer ({first_line(exc)})", None, True
    positions.append((time.monotonic(), lsn_number(flushed)))
    query = sa.text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                    "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float")
    try:
        with replica.connect() as conn:
            for attempt in range(3):
                standby, replayed, age = conn.execute(query).one()
                lag = upper_bound(positions, replayed, age) if standby else None
                if not standby or (lag is not None and lag <= max_lag) or attempt == 2:
                    break
                time.sleep(0.2)  # WAL flushed a moment ago may still be on its way
    except DBAPIError as exc:
        return False, f"does not answer ({first_line(exc)})", None, False
    if not standby:
        return False, "is not a standby (promoted?)", None, True
    if lag is None:
        return False, "has replayed nothing yet", None, True
    if lag > max_lag:
        return False, f"lags {lag:.1f} s (more than {max_lag:g} s)", lag, True
    return True, f"answers, lag {lag:.1f} s (limit {max_lag:g} s)", lag, True


def upper_bound(positions, replayed, age):
    """The smallest known bound of the replica's lag in seconds, or None."""
    bounds = [] if age is None else [max(age, 0.0)]
    if replayed is not None:
        replayed = lsn_number(replayed)
        reached = [at for at, lsn in positions if lsn <= replayed]
        if reached:
            bounds.append(time.monotonic() - max(reached))
    return min(bounds) if bounds else None


def lsn_number(text):
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def first_line(exc):
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]


def plain_select(clause):
    """A ``select()`` (or a UNION of them) without FOR UPDATE: the only thing a replica runs."""
    return isinstance(clause, sa.Select | sa.CompoundSelect) \
        and getattr(clause, "_for_update_arg", None) is None


def writes(clause):
    if getattr(clause, "is_dml", False):
        return True
    text = getattr(clause, "text", None)  # sa.text(...): judge by its first word
    return isinstance(text, str) and not text.lstrip()[:6].upper() == "SELECT"


class RoutingSession(Session):
    """``db.session``: plain SELECTs of read-only requests go to the replica (see above)."""

    def get_bind(self, mapper=None, clause=None, bind=None, primary=False, **kwargs):
        chosen = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is not None or EXTENSION not in current_app.extensions:
            return chosen
        if self._flushing or (clause is not None and not plain_select(clause)):
            # this transaction's later reads must see what it may have written
            self.info[_TRANSACTION_WROTE] = True
            if has_request_context() and (self._flushing or writes(clause)):
                g.hailong_wrote = True
            return chosen
        if primary or clause is None or self.info.get(_TRANSACTION_WROTE):
            return chosen
        replica = replica_for_request(chosen)
        if replica is None:
            return chosen
        try:  # connect now, so that a replica gone since the last check costs no error page
            self.connection(bind_arguments={"bind": replica.engine})
        except DBAPIError as exc:
            replica.record(False, f"does not answer ({first_line(exc)})", answered=False)
            setattr(g, _REQUEST_REPLICA, None)
            return chosen
        return replica.engine


@event.listens_for(RoutingSession, "after_transaction_end")
def _forget_writes(session, transaction):
    if transaction.parent is None:
        session.info.pop(_TRANSACTION_WROTE, None)


def engine_for_reads(primary):
    """The engine for plain reads made outside the session (a streamed export): the
    request's replica when it reads from one, else ``primary``."""
    if not has_request_context() or EXTENSION not in current_app.extensions:
        return primary
    replica = replica_for_request(primary)
    return replica.engine if replica is not None else primary


def replica_for_request(primary):
    """The ``Replica`` this request reads from, or None; decided once per request."""
    if not has_request_context():
        return None
    if _REQUEST_REPLICA not in g:
        replica = current_app.extensions[EXTENSION]
        use = (request.method in READ_METHODS and request.path.startswith(READ_PATHS)
               and not wrote_recently(replica) and replica.ready(primary))
        setattr(g, _REQUEST_REPLICA, replica if use else None)
    return g.get(_REQUEST_REPLICA)


def wrote_recently(replica):
    if request.path.startswith("/api/"):
        return False
    return time.time() - session.get(WROTE_AT, 0) < replica.max_lag + replica.check_seconds


def remember_writes(response):
    """Send this browser's reads to the primary for a while after it wrote."""
    if request.path.startswith(SESSION_PATHS) and (
            request.method not in READ_METHODS or g.get("hailong_wrote")):
        session[WROTE_AT] = round(time.time(), 1)
    return response


def init_app(app):
    """Make the replica's engine when ``READ_DATABASE_URL`` is set and the primary is PostgreSQL."""
    url = (app.config.get("READ_DATABASE_URL") or "").strip()
    if not url:
        return
    if not is_postgresql(app.config["SQLALCHEMY_DATABASE_URI"]) or not is_postgresql(url):
        app.logger.warning("HAILONG_READ_DATABASE_URL ignored: read replicas need PostgreSQL "
                           "for both databases")
        return
    app.extensions[EXTENSION] = Replica(
        url, app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {},
        float(app.config.get("READ_MAX_LAG_SECONDS", 30)),
        float(app.config.get("READ_CHECK_SECONDS", 5)), app.logger)
    app.after_request(remember_writes)


def is_postgresql(url):
    try:
        return sa.make_url(url).get_backend_name() == "postgresql"
    except sa.exc.ArgumentError:
        return False


def describe(app, primary):
    """One line for ``hailong check-config``: is there a replica, does it answer, its lag."""
    url = (app.config.get("READ_DATABASE_URL") or "").strip()
    if not url:
        return "read replica: none (HAILONG_READ_DATABASE_URL is empty)"
    replica = app.extensions.get(EXTENSION)
    if replica is None and not is_postgresql(app.config["SQLALCHEMY_DATABASE_URI"]):
        return ("read replica: ignored on this database (HAILONG_READ_DATABASE_URL is for "
                "PostgreSQL; with SQLite every read goes to the one database file)")
    if replica is None:
        return "read replica: ignored (HAILONG_READ_DATABASE_URL is not a PostgreSQL URL)"
    status = replica.check_now(primary)
    shown = replica.engine.url.render_as_string(hide_password=True)
    verdict = "reads go to it" if replica.usable else "reads go to the primary until it is fit"
    return f"read replica: {shown} {status}; {verdict}"
