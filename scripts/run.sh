#!/usr/bin/env bash
# Prepare the embedded database with the demo company and serve the app with its worker.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s var/secret_key ] || $PY -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  SECRET_KEY="$(cat var/secret_key)"
fi
export SECRET_KEY
export TAWASUL_DEMO="${TAWASUL_DEMO:-1}"
# Served over plain HTTP on this machine: no HTTPS redirect or secure-only cookies here.
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-false}"
export CSRF_COOKIE_SECURE="${CSRF_COOKIE_SECURE:-false}"
export SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"

$PY manage.py migrate --noinput -v 0
$PY manage.py collectstatic --noinput -v 0
$PY manage.py demo --if-empty

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

.venv/bin/gunicorn tawasul.wsgi:application --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" \
  --threads 4 --access-logfile - &
pids+=($!)
$PY manage.py run_huey &
pids+=($!)

cat <<MSG

  Tawasul is running at http://$HOST:$PORT   (Ctrl-C stops it)
  Demo users (password: demo) — see README.md for the full list:
$($PY manage.py demo --list-users | sed 's/^/    /')

MSG
wait -n "${pids[@]}"
