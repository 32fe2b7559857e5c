#!/usr/bin/env bash
# One consistent backup of the hailong database (pg_dump custom format), then prune.
#   deploy/backup.sh [file]     default: $HAILONG_BACKUP_DIR/hailong-YYYYmmdd-HHMMSS.dump
# Reads HAILONG_DATABASE_URL (postgresql+psycopg://… is accepted). Keeps
# $HAILONG_BACKUP_KEEP_DAYS days of dumps (default 30). Prints the file it wrote.
set -euo pipefail
url="${HAILONG_DATABASE_URL:?set HAILONG_DATABASE_URL}"
url="${url/postgresql+psycopg:/postgresql:}"
dir="${HAILONG_BACKUP_DIR:-/var/backups/hailong}"
keep="${HAILONG_BACKUP_KEEP_DAYS:-30}"
file="${1:-$dir/hailong-$(date -u +%Y%m%d-%H%M%S).dump}"
mkdir -p "$(dirname "$file")"
umask 077
pg_dump --format=custom --no-owner --no-privileges --file="$file.part" "$url"
pg_restore --list "$file.part" >/dev/null   # refuse to keep an unreadable dump
mv "$file.part" "$file"
if [ -z "${1:-}" ]; then
  find "$dir" -name 'hailong-*.dump' -mtime +"$keep" -delete
fi
echo "$file"
