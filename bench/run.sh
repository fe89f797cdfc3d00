#!/usr/bin/env bash
# `make bench`: the contacts benchmark on a dedicated PostgreSQL database (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tawasul_bench}"
export TAWASUL_TESTING="${TAWASUL_TESTING:-1}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "DATABASE_URL must point at PostgreSQL for the benchmark." >&2; exit 2 ;;
esac
# Create the database when it is missing (needs the createdb client and the right to create).
db_name="${DATABASE_URL##*/}"
db_name="${db_name%%\?*}"
server="${DATABASE_URL%/*}"
if ! .venv/bin/python - "$server/postgres" "$db_name" <<'PY'
import sys

import psycopg

with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[2]]).fetchone()
    if not found:
        conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
        print(f"Created database {sys.argv[2]}")
PY
then
  echo "Could not reach or create the database; create it yourself (see bench/README.md)." >&2
  exit 1
fi
.venv/bin/python bench/contacts_list.py "$@"
