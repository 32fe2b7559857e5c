#!/usr/bin/env bash
# Restore a dump made by backup.sh into a database, then bring its schema up to date.
#   deploy/restore.sh FILE [database-url]     default URL: $HAILONG_DATABASE_URL
# The target database must exist and should be empty (e.g. made by postgres-setup.sh);
# restoring over live data is refused unless HAILONG_RESTORE_OVER=1.
set -euo pipefail
file="${1:?usage: restore.sh FILE [database-url]}"
url="${2:-${HAILONG_DATABASE_URL:?set HAILONG_DATABASE_URL}}"
pg_url="${url/postgresql+psycopg:/postgresql:}"
tables=$(psql -tAq "$pg_url" -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != "0" ] && [ "${HAILONG_RESTORE_OVER:-0}" != "1" ]; then
  echo "refusing: the target database has $tables tables (set HAILONG_RESTORE_OVER=1 to replace them)" >&2
  exit 1
fi
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$pg_url" "$file"
HAILONG_DATABASE_URL="$url" "${HAILONG_BIN:-hailong}" db upgrade
echo "restored $file"
