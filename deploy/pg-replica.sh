#!/usr/bin/env bash
# A throwaway streaming replica of the local PostgreSQL, for tests/test_replica.py and the
# smoke test. (A production replica runs on its own server: docs/deploy.md, "Read replica".)
#   deploy/pg-replica.sh start DIR PORT   copy the cluster (pg_basebackup -R -X stream) into
#                                         DIR and run it as a hot standby on 127.0.0.1:PORT;
#                                         with DIR already made, just start it again
#   deploy/pg-replica.sh stop DIR         stop it, keep DIR
#   deploy/pg-replica.sh destroy DIR      stop it and remove DIR
#   deploy/pg-replica.sh check DIR URL [curl options]
#                                         URL answers 200 with queries run by the replica in
#                                         DIR (its log shows them); then, with the replica
#                                         stopped, URL still answers 200 (from the primary)
# As root (the server runs as the postgres user) or as the postgres user. The primary is
# PGHOST:PGPORT (default 127.0.0.1:5432), superuser PGUSER (postgres); its pg_hba.conf must
# allow "host replication postgres 127.0.0.1/32" (.ci/run adds the line). No replication
# slot is made: a slot left behind by a crashed test would keep WAL on the primary forever.
set -euo pipefail
PRIMARY_HOST=${PGHOST:-127.0.0.1}
PRIMARY_PORT=${PGPORT:-5432}
SUPERUSER=${PGUSER:-postgres}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
primary_sql() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$SUPERUSER" -d postgres -XAtqc "$1"; }
bin_of() { echo "/usr/lib/postgresql/$(cat "$1/PG_VERSION")/bin"; }
log_size() { stat -c %s "$1/replica.log" 2>/dev/null || echo 0; }

start() {
  local dir=$1 port=$2
  if [ ! -f "$dir/PG_VERSION" ]; then
    copy_cluster "$dir" "$port"
  fi
  as_postgres "$(bin_of "$dir")/pg_ctl" -D "$dir" -l "$dir/replica.log" -w -t 60 start >/dev/null
  for _ in $(seq 60); do
    [ "$(psql -h 127.0.0.1 -p "$port" -U "$SUPERUSER" -d postgres -XAtqc \
          'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] && { echo "replica on port $port"; return; }
    sleep 0.5
  done
  echo "the replica in $dir did not come up as a standby; its log:" >&2
  tail -n 20 "$dir/replica.log" >&2
  exit 1
}

copy_cluster() {
  local dir=$1 port=$2 version bin err
  err=$(mktemp)
  if ! psql "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$SUPERUSER replication=true" \
       -XAtqc IDENTIFY_SYSTEM >/dev/null 2>"$err"; then
    echo "PostgreSQL on $PRIMARY_HOST:$PRIMARY_PORT refuses replication connections for" \
         "'$SUPERUSER': $(cat "$err")" >&2
    echo "Add this line to $(primary_sql 'SHOW hba_file' 2>/dev/null || echo pg_hba.conf) and reload" \
         "(SELECT pg_reload_conf()); .ci/run does it:" >&2
    echo "  host replication $SUPERUSER 127.0.0.1/32 trust" >&2
    rm -f "$err"
    exit 2
  fi
  rm -f "$err"
  version=$(( $(primary_sql 'SHOW server_version_num') / 10000 ))
  bin=/usr/lib/postgresql/$version/bin
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  chmod 0700 "$dir"
  # -R writes standby.signal and primary_conninfo; -c fast: no wait for a spread checkpoint;
  # --no-sync: a throwaway copy need not wait for the disk.
  as_postgres "$bin/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$SUPERUSER" \
    -D "$dir" -R -X stream -c fast --no-sync
  # Debian keeps postgresql.conf and pg_hba.conf in /etc, outside the copied directory. A
  # hot standby needs at least the primary's connection, lock and worker limits.
  {
    echo "port = $port"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    echo "hot_standby = on"
    echo "shared_buffers = 16MB"
    echo "fsync = off   # a throwaway copy: speed over durability"
    echo "log_statement = 'all'   # the tests read which queries the replica ran"
    primary_sql "SELECT string_agg(format('%s = %s', name, setting), E'\n') FROM pg_settings
                 WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders',
                                'max_prepared_transactions', 'max_locks_per_transaction')"
  } | as_postgres tee "$dir/postgresql.conf" >/dev/null
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' |
    as_postgres tee "$dir/pg_hba.conf" >/dev/null
  as_postgres touch "$dir/pg_ident.conf"
}

stop() {
  local dir=$1
  [ -f "$dir/postmaster.pid" ] || return 0
  as_postgres "$(bin_of "$dir")/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
}

destroy() {
  local dir=$1
  [ -d "$dir" ] || return 0
  [ -f "$dir/PG_VERSION" ] && stop "$dir"
  rm -rf "$dir"
}

check() {
  local dir=$1 url=$2 before code
  shift 2
  before=$(log_size "$dir")
  code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")
  [ "$code" = 200 ] || { echo "replica check: $url answered $code" >&2; exit 1; }
  # The health check and pre-ping queries name no table; the page's own queries do.
  if ! tail -c +"$((before + 1))" "$dir/replica.log" | grep -q 'FROM '; then
    echo "replica check: the replica ran no query for $url" >&2
    exit 1
  fi
  echo "replica check: $url served by the replica"
  stop "$dir"
  code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")
  [ "$code" = 200 ] || { echo "replica check: with the replica down $url answered $code" >&2; exit 1; }
  echo "replica check: with the replica stopped $url still answers 200"
}

command=${1:-}
case "$command" in
  start) [ $# -eq 3 ] || { echo "usage: $0 start DIR PORT" >&2; exit 64; }; start "$2" "$3" ;;
  stop|destroy) [ $# -eq 2 ] || { echo "usage: $0 $command DIR" >&2; exit 64; }; "$command" "$2" ;;
  check) [ $# -ge 3 ] || { echo "usage: $0 check DIR URL [curl options]" >&2; exit 64; }
         shift; check "$@" ;;
  *) echo "usage: $0 start DIR PORT | stop DIR | destroy DIR | check DIR URL [curl options]" >&2
     exit 64 ;;
esac
