#!/usr/bin/env bash
# `make loadtest`: gunicorn with several workers on a throwaway PostgreSQL,
# 50 simulated staff for 90 seconds from loopback, then concurrent
# submissions to one report, then a database outage and recovery. Prints the
# figures and writes loadtest/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${LOADTEST_PORT:-8765}"
WORKERS="${LOADTEST_WORKERS:-4}"
USERS="${LOADTEST_USERS:-50}"
SPAWN_RATE="${LOADTEST_SPAWN_RATE:-10}"
# Long enough for a steady state after 50 logins (each 0.5 s of deliberate password hashing).
DURATION="${LOADTEST_DURATION:-90s}"
OUT=loadtest/results
mkdir -p "$OUT"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[[ -n "$pg_bin" ]] || { echo "PostgreSQL is not installed (apt-get install postgresql)"; exit 1; }
source .ci/postgres.sh
PG_PORT="${PG_PORT:-55433}" start_postgres "$pg_bin"
GUNICORN_PID=""
cleanup() { [[ -n "$GUNICORN_PID" ]] && kill "$GUNICORN_PID" 2>/dev/null; wait 2>/dev/null; stop_postgres; }
trap cleanup EXIT

export DATABASE_URL="$PG_URL" DJANGO_SECRET_KEY=loadtest-secret-key-not-for-production-use-0123456789 \
  DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_STATIC_ROOT="$PWD/loadtest/staticfiles" \
  DJANGO_MEDIA_ROOT="$PWD/loadtest/uploads"
DJANGO_DEBUG=1 $BIN/python manage.py migrate --noinput >/dev/null
DJANGO_DEBUG=1 $BIN/python manage.py load_plan >/dev/null
DJANGO_DEBUG=1 $BIN/python manage.py seed_demo >/dev/null
DJANGO_DEBUG=1 $BIN/python manage.py shell < loadtest/prepare.py
# The load comes from 50 users on one address: raise the lockout limit so a
# stray failure cannot lock everyone out mid-run.
export DJANGO_DEBUG=0 DJANGO_SECURE=0 AXES_FAILURE_LIMIT=1000
$BIN/python manage.py collectstatic --noinput >/dev/null
GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS="$WORKERS" GUNICORN_ACCESS_LOG=/dev/null \
  GUNICORN_ERROR_LOG="$OUT/gunicorn.log" $BIN/gunicorn -c deploy/gunicorn.conf.py jiading_ads.wsgi &
GUNICORN_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/accounts/login/" >/dev/null && break; sleep 0.2; done

LOADTEST_STEADY_JSON="$OUT/steady.json" $BIN/locust -f loadtest/locustfile.py --headless -u "$USERS" \
  -r "$SPAWN_RATE" -t "$DURATION" --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary 2>&1 | tail -n 40
status=0
$BIN/python loadtest/summary.py "$OUT/locust_stats.csv" "$OUT/steady.json" || status=1
$BIN/python loadtest/concurrent_submit.py "http://127.0.0.1:$PORT" 8
PG_BIN="$PG_BIN" PG_DIR="$PG_DIR" $BIN/python loadtest/outage.py "http://127.0.0.1:$PORT"
exit "$status"
