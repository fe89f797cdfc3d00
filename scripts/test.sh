#!/usr/bin/env bash
# Run the whole suite (`make test`): on PostgreSQL when DATABASE_URL points at one, on SQLite
# otherwise. Arguments go to pytest (scripts/test-fast.sh passes the fast lane's marker filter).
set -euo pipefail
cd "$(dirname "$0")/.."
export TAWASUL_TESTING=1
export DJANGO_SETTINGS_MODULE=tawasul.settings
export DJANGO_ALLOW_ASYNC_UNSAFE=true
workers="${TEST_WORKERS:-2}"
echo "Test database: ${DATABASE_URL:-SQLite}"
# The browser tests serve the collected files; the fast lane has none (scripts/test-fast.sh).
if [ -z "${TEST_SKIP_COLLECTSTATIC:-}" ]; then
  .venv/bin/python manage.py collectstatic --noinput -v 0
fi
set +e
.venv/bin/pytest -n "$workers" -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" = "5" ]; then
  echo "No tests were collected." >&2
  exit 1
fi
exit "$status"
