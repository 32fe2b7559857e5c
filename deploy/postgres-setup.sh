#!/usr/bin/env bash
# Make the PostgreSQL role and database of hailong (run once, as root, on the database host).
#   deploy/postgres-setup.sh [database] [role]        password from $HAILONG_DB_PASSWORD
# The role owns its database and nothing else: no superuser, no createdb, no createrole.
# Idempotent: running it again changes the password and leaves the data alone.
set -euo pipefail
db="${1:-hailong}"
role="${2:-hailong}"
password="${HAILONG_DB_PASSWORD:?set HAILONG_DB_PASSWORD}"
psql_as_postgres() {
  if [ -n "${PGHOST:-}" ]; then psql -v ON_ERROR_STOP=1 -U "${PGUSER:-postgres}" "$@"
  else runuser -u postgres -- psql -v ON_ERROR_STOP=1 "$@"; fi
}
psql_as_postgres -d postgres -v role="$role" -v password="$password" -v db="$db" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'role', 'UTF8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";
SQL
psql_as_postgres -d "$db" -v role="$role" <<'SQL'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"role";
SQL
echo "database '$db' owned by role '$role' is ready"
