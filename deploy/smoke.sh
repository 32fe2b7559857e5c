#!/usr/bin/env bash
# Deployment smoke test: install nginx, gunicorn, PostgreSQL and Redis on this machine,
# deploy hailong the way docs/deploy.md says, then prove it works end to end:
#   - check-config accepts the production settings and refuses the default secret;
#   - a citizen's submission through nginx is stored, and the API reads it back;
#   - nginx serves the static file and passes the security headers;
#   - a load through nginx with a gunicorn worker killed (-9) and PostgreSQL restarted
#     loses no acknowledged answer and stores none twice (bench/load.py);
#   - backup.sh makes a dump that restore.sh restores into an empty database with the
#     same rows, and restore.sh refuses to overwrite a database that has data;
#   - with HAILONG_READ_DATABASE_URL set to a streaming replica (deploy/pg-replica.sh), an
#     API read through nginx is served by the replica, and still answers 200 once the
#     replica is stopped.
# Loopback only; everything it starts it stops; it drops the databases it made.
#   deploy/smoke.sh            (as root; .ci/run runs it)
# HAILONG_SMOKE_CLIENTS, HAILONG_SMOKE_CLEAN_SECONDS and HAILONG_SMOKE_SECONDS size the
# loads (default 30 clients, 10 s without faults, 20 s with them). bench/RESULTS.md has
# the figures of 100 clients for 60 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${HAILONG_SMOKE_DIR:-/tmp/hailong-smoke}
APP_PORT=18000
WEB_PORT=18080
DB=hailong_smoke
RESTORED=hailong_smoke_restored
REPLICA_PORT=18432
CLIENTS=${HAILONG_SMOKE_CLIENTS:-30}
SECONDS_OF_LOAD=${HAILONG_SMOKE_SECONDS:-20}
CLEAN_SECONDS=${HAILONG_SMOKE_CLEAN_SECONDS:-10}

say() { printf '\n== %s\n' "$*"; }
fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }

say "system packages"
need=""
for pkg in nginx postgresql redis-server; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
cluster=$(ls /etc/postgresql | head -n1)
pg_isready -h 127.0.0.1 -q || pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
for _ in $(seq 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 \
  --port 6379 --save "" --appendonly no --dir /tmp --logfile "/tmp/redis-smoke.log"
for _ in $(seq 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done

cleanup() {
  set +e
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
  [ -f "$WORK/gunicorn.pid" ] && kill "$(cat "$WORK/gunicorn.pid")" 2>/dev/null
  sleep 1
  deploy/pg-replica.sh destroy "$WORK/replica" 2>/dev/null
  pg_isready -h 127.0.0.1 -q || pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for name in "$DB" "$RESTORED"; do
    runuser -u postgres -- psql -q -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" 2>/dev/null
  done
}
trap cleanup EXIT

say "a fresh virtual environment with hailong and gunicorn"
rm -rf "$WORK" && mkdir -p "$WORK/instance" "$WORK/nginx-tmp"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q --upgrade pip 2>>"$WORK/pip.log"
"$WORK/venv/bin/pip" install -q -e "$ROOT" 2>>"$WORK/pip.log" || { cat "$WORK/pip.log"; exit 1; }
export PATH="$WORK/venv/bin:$PATH"
export HAILONG_BIN="$WORK/venv/bin/hailong"

say "PostgreSQL role and database (deploy/postgres-setup.sh)"
runuser -u postgres -- psql -q -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
runuser -u postgres -- psql -q -c "DROP DATABASE IF EXISTS \"$RESTORED\" WITH (FORCE)"
HAILONG_DB_PASSWORD=smoke-password deploy/postgres-setup.sh "$DB" hailong_smoke
HAILONG_DB_PASSWORD=smoke-password deploy/postgres-setup.sh "$RESTORED" hailong_smoke

say "environment file from deploy/hailong.env.example"
secret=$(python3 -c "import secrets; print(secrets.token_urlsafe(48))")
hash_key=$(python3 -c "import secrets; print(secrets.token_urlsafe(48))")
sed -e "s|^HAILONG_SECRET_KEY=.*|HAILONG_SECRET_KEY=$secret|" \
    -e "s|^HAILONG_HASH_KEY=.*|HAILONG_HASH_KEY=$hash_key|" \
    -e "s|^HAILONG_DATABASE_URL=.*|HAILONG_DATABASE_URL=postgresql+psycopg://hailong_smoke:smoke-password@127.0.0.1:5432/$DB|" \
    -e "s|^HAILONG_BASE_URL=.*|HAILONG_BASE_URL=http://127.0.0.1:$WEB_PORT|" \
    -e "s|^HAILONG_SECURE_COOKIES=.*|HAILONG_SECURE_COOKIES=0|" \
    -e "s|^HAILONG_BIND=.*|HAILONG_BIND=127.0.0.1:$APP_PORT|" \
    -e "s|^HAILONG_INSTANCE_PATH=.*|HAILONG_INSTANCE_PATH=$WORK/instance|" \
    -e "s|^HAILONG_BACKUP_DIR=.*|HAILONG_BACKUP_DIR=$WORK/backups|" \
    deploy/hailong.env.example > "$WORK/hailong.env"
# Every load client comes from 127.0.0.1 here, so the per-address limits are lifted.
echo 'HAILONG_SUBMIT_RATE_LIMIT="1000000 per hour"' >> "$WORK/hailong.env"
set -a; . "$WORK/hailong.env"; set +a

say "check-config"
hailong check-config
if HAILONG_SECRET_KEY=dev-only-change-me hailong check-config >/dev/null 2>&1; then
  fail "check-config accepted the default secret key"
fi
if HAILONG_RATELIMIT_STORAGE_URI=memory:// hailong check-config >/dev/null 2>&1; then
  fail "check-config accepted in-memory rate limits with $HAILONG_WORKERS workers"
fi

say "schema, instruments, demo data"
hailong db upgrade
hailong instruments sync
hailong demo --responses 200 --allow-production

start_gunicorn() {
  gunicorn -c deploy/gunicorn.conf.py --daemon --pid "$WORK/gunicorn.pid" \
    --access-logfile "$WORK/access.log" --error-logfile "$WORK/gunicorn.log" survey_app.wsgi:app
  for _ in $(seq 40); do curl -fs "http://127.0.0.1:$APP_PORT/" >/dev/null && break; sleep 0.5; done
}
stop_gunicorn() {
  local pid
  pid=$(cat "$WORK/gunicorn.pid")
  kill "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  fail "gunicorn did not stop"
}

say "gunicorn"
start_gunicorn

say "nginx (deploy/nginx, on port $WEB_PORT)"
sed -e "s|listen 80;|listen $WEB_PORT;|" -e '/listen \[::\]:80;/d' \
    -e "s|127.0.0.1:8000|127.0.0.1:$APP_PORT|" \
    -e "s|/etc/nginx/snippets/hailong-app.conf|$WORK/hailong-app.conf|" \
    -e "s|rate=10r/s|rate=10000r/s|" \
    deploy/nginx/hailong.conf > "$WORK/site.conf"
# nginx's workers (www-data) must read the static files: the checkout may sit in a private
# directory, so they are copied where nginx can read them, as /srv/hailong/app would be.
mkdir -p "$WORK/app/survey_app" && cp -r survey_app/static "$WORK/app/survey_app/"
chmod -R a+rX "$WORK/app"
sed -e "s|/srv/hailong/app/|$WORK/app/|g" -e "s|burst=20|burst=2000|" \
    deploy/nginx/hailong-app.conf > "$WORK/hailong-app.conf"
cat > "$WORK/nginx.conf" <<EOF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  access_log $WORK/nginx-access.log;
  client_body_temp_path $WORK/nginx-tmp/body;
  proxy_temp_path $WORK/nginx-tmp/proxy;
  fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
  scgi_temp_path $WORK/nginx-tmp/scgi;
  include $WORK/site.conf;
}
EOF
nginx -t -q -c "$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf"
WEB="http://127.0.0.1:$WEB_PORT"
for _ in $(seq 20); do curl -fs "$WEB/" >/dev/null && break; sleep 0.5; done

say "through nginx: static file, headers, a submission, the API reads it back"
curl -fs "$WEB/robots.txt" | grep -q "Disallow: /admin/" || fail "robots.txt not served"
headers=$(curl -fsI "$WEB/")
echo "$headers" | grep -qi "^content-security-policy:" || fail "no CSP header through nginx"
echo "$headers" | grep -qi "^x-content-type-options: nosniff" || fail "no nosniff header"
if echo "$headers" | grep -qi "^server: nginx/"; then fail "nginx shows its version"; fi
big=$(head -c 3000000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "$WEB/s/x")
[ "$big" = "413" ] || fail "a 3 MB body was not refused with 413 (got $big)"
before=$(psql -tAq "${HAILONG_DATABASE_URL/+psycopg/}" -c "SELECT count(*) FROM response")
python3 bench/load.py --base-url "$WEB" --database-url "$HAILONG_DATABASE_URL" --clients 2 \
  --seconds 2 > "$WORK/first.json" || { cat "$WORK/first.json"; fail "first submissions"; }
after=$(psql -tAq "${HAILONG_DATABASE_URL/+psycopg/}" -c "SELECT count(*) FROM response")
[ "$after" -gt "$before" ] || fail "no submission stored"
key=$(hailong create-api-key --unit TPD --label smoke)
# what the timer does every minute (hailong-tally.timer): count the new answers now
hailong tally refresh || fail "hailong tally refresh"
api_n=$(curl -fs -H "Authorization: Bearer $key" "$WEB/api/v1/units/TPD/results?instrument=sipas-counter&period=$(date +%Y)" |
        python3 -c "import json,sys; print(json.load(sys.stdin)['n'])")
db_n=$(psql -tAq "${HAILONG_DATABASE_URL/+psycopg/}" -c \
  "SELECT count(*) FROM response r JOIN service_point p ON p.id = r.service_point_id
   JOIN instrument_version v ON v.id = r.instrument_version_id JOIN instrument i ON i.id = v.instrument_id
   WHERE i.code = 'sipas-counter' AND extract(year FROM r.submitted_at) = extract(year FROM now())
     AND NOT r.quarantined")
held=$(psql -tAq "${HAILONG_DATABASE_URL/+psycopg/}" -c "SELECT count(*) FROM response WHERE quarantined")
echo "responses this year: API $api_n, database $db_n counted ($held held in quarantine: the load script answers in milliseconds)"
[ "$api_n" = "$db_n" ] || fail "the API does not read back what is stored and counted"
hailong retention run --dry-run || fail "hailong retention run --dry-run"

say "rate limits are shared by the gunicorn workers (Redis): the 11th login in a minute is refused"
python3 - "$WEB" <<'PY'
import http.cookiejar, re, sys, urllib.error, urllib.parse, urllib.request
base = sys.argv[1]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
codes = []
for _ in range(12):
    page = opener.open(base + "/admin/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "username": "nobody-smoke",
                                   "password": "wrong password"}).encode()
    try:
        codes.append(opener.open(base + "/admin/login", data).status)
    except urllib.error.HTTPError as exc:
        codes.append(exc.code)
print("login answers:", codes)
assert codes[:10] == [401] * 10 and codes[10:] == [429, 429], codes
PY

say "load without faults: $CLIENTS clients, ${CLEAN_SECONDS}s: no errors at all"
python3 bench/load.py --base-url "$WEB" --database-url "$HAILONG_DATABASE_URL" \
  --clients "$CLIENTS" --seconds "$CLEAN_SECONDS" | tee "$WORK/load-clean.json"

say "load with faults: $CLIENTS clients, ${SECONDS_OF_LOAD}s, kill -9 a worker, restart PostgreSQL"
python3 bench/load.py --base-url "$WEB" --database-url "$HAILONG_DATABASE_URL" \
  --clients "$CLIENTS" --seconds "$SECONDS_OF_LOAD" \
  --kill-worker-at "$((SECONDS_OF_LOAD / 4))" --gunicorn-pid "$(cat "$WORK/gunicorn.pid")" \
  --restart-postgres-at "$((SECONDS_OF_LOAD / 2))" | tee "$WORK/load.json"
kill -0 "$(cat "$WORK/gunicorn.pid")" || fail "the gunicorn master died"

say "backup and restore"
dump=$(deploy/backup.sh "$WORK/backups/smoke.dump")
RESTORED_URL="postgresql+psycopg://hailong_smoke:smoke-password@127.0.0.1:5432/$RESTORED"
deploy/restore.sh "$dump" "$RESTORED_URL"
for table in response comment psu_tally unit service_point user_account; do
  a=$(psql -tAq "${HAILONG_DATABASE_URL/+psycopg/}" -c "SELECT count(*) FROM $table")
  b=$(psql -tAq "${RESTORED_URL/+psycopg/}" -c "SELECT count(*) FROM $table")
  echo "$table: live $a, restored $b"
  [ "$a" = "$b" ] || fail "restored $table differs"
done
if deploy/restore.sh "$dump" "$RESTORED_URL" 2>/dev/null; then
  fail "restore.sh overwrote a database that has data"
fi

say "read replica: a streaming copy of PostgreSQL serves the reads, and its loss is no error"
deploy/pg-replica.sh start "$WORK/replica" "$REPLICA_PORT"
stop_gunicorn
export HAILONG_READ_DATABASE_URL="postgresql+psycopg://hailong_smoke:smoke-password@127.0.0.1:$REPLICA_PORT/$DB"
hailong check-config | tee "$WORK/check-config.txt"
grep -q "^read replica: .* answers, lag" "$WORK/check-config.txt" || fail "check-config: no replica"
start_gunicorn
# an integrator's new key (a commit on the primary, replayed by the replica a moment later:
# an idle primary commits nothing, and the replica's replay time then ages past the lag
# limit while autovacuum's WAL after the load keeps it a few bytes behind)
key=$(hailong create-api-key --unit TPD --label replica)
deploy/pg-replica.sh check "$WORK/replica" \
  "$WEB/api/v1/units/TPD/results?instrument=sipas-counter" -H "Authorization: Bearer $key"
deploy/pg-replica.sh destroy "$WORK/replica"

say "smoke test passed"
