#!/usr/bin/env bash
# Run the whole suite: on PostgreSQL when DATABASE_URL points at one, on SQLite otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
export TAWASUL_TESTING=1
export DJANGO_SETTINGS_MODULE=tawasul.settings
export DJANGO_ALLOW_ASYNC_UNSAFE=true
workers="${TEST_WORKERS:-2}"
echo "Test database: ${DATABASE_URL:-SQLite}"
.venv/bin/python manage.py collectstatic --noinput -v 0
set +e
.venv/bin/pytest -n "$workers" -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" = "5" ]; then
  echo "No tests were collected." >&2
  exit 1
fi
exit "$status"
