#!/usr/bin/env bash
# `make cluster-test`: two app servers (gunicorn, deploy/gunicorn.conf.py) on
# one PostgreSQL and one S3 object store (SeaweedFS), nginx in front of them
# (Debian's package, its own prefix in a temporary folder, in the foreground),
# a background worker on each server and a mail server that waits 5 s before
# it greets; then cluster/check.py acts through nginx as the office would.
# Exit 0 when every check holds.
#
# Ports: CLUSTER_PORT (default 8301) and the five after it (app A, app B,
# nginx, nginx→A, nginx→B, SMTP), CLUSTER_S3_PORT (default 9401) and the
# nine after it (SeaweedFS), PG_PORT (default 55441).
set -euo pipefail
cd "$(dirname "$0")/.."
export ROOT="$PWD"
BIN="$ROOT/.venv/bin"
BASE="${CLUSTER_PORT:-8301}"
export APP_A_PORT=$BASE APP_B_PORT=$((BASE + 1)) PROXY_PORT=$((BASE + 2)) PROXY_A_PORT=$((BASE + 3)) \
  PROXY_B_PORT=$((BASE + 4)) SMTP_PORT=$((BASE + 5)) SMTP_DELAY="${SMTP_DELAY:-5}"
S3_FIRST_PORT="${CLUSTER_S3_PORT:-9401}"
export CLUSTER_DIR
CLUSTER_DIR=$(mktemp -d /tmp/jiading-cluster.XXXXXX)
chmod 755 "$CLUSTER_DIR"

command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx)"; exit 1; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[[ -n "$pg_bin" ]] || { echo "PostgreSQL is not installed (apt-get install postgresql)"; exit 1; }
source .ci/postgres.sh

pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_postgres
  if ((status)); then
    echo "cluster test failed; logs kept in $CLUSTER_DIR"
  else
    rm -rf "$CLUSTER_DIR"
  fi
}
trap cleanup EXIT

wait_for() { # url, what
  for _ in $(seq 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "$2 did not come up ($1)"; return 1
}

echo "== PostgreSQL, SeaweedFS (S3), a mail server that waits ${SMTP_DELAY} s before greeting"
PG_PORT="${PG_PORT:-55441}" start_postgres "$pg_bin"
$BIN/python cluster/seaweedfs.py --dir "$CLUSTER_DIR/seaweedfs" --first-port "$S3_FIRST_PORT" --bucket evidence \
  >"$CLUSTER_DIR/seaweedfs.out" 2>&1 &
pids+=($!)
$BIN/python cluster/slow_smtp.py --port "$SMTP_PORT" --delay "$SMTP_DELAY" --maildir "$CLUSTER_DIR/mail" \
  >"$CLUSTER_DIR/smtp.out" 2>&1 &
pids+=($!)
for _ in $(seq 300); do grep -q "SeaweedFS S3 at" "$CLUSTER_DIR/seaweedfs.out" && break; sleep 0.2; done
grep -q "SeaweedFS S3 at" "$CLUSTER_DIR/seaweedfs.out" || { cat "$CLUSTER_DIR/seaweedfs.out"; exit 1; }

# The environment of every app server (README: Configuration).
export DATABASE_URL="$PG_URL" DJANGO_DEBUG=0 DJANGO_SECURE=0 \
  DJANGO_SECRET_KEY=cluster-test-secret-key-not-for-production-0123456789abcdef \
  DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_PROXY_COUNT=1 DJANGO_STATIC_ROOT="$CLUSTER_DIR/static" \
  DJANGO_S3_BUCKET=evidence DJANGO_S3_ENDPOINT_URL="http://127.0.0.1:$((S3_FIRST_PORT + 6))" \
  DJANGO_S3_ACCESS_KEY=tracker-test-access-key DJANGO_S3_SECRET_KEY=tracker-test-secret-key \
  DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend DJANGO_EMAIL_HOST=127.0.0.1 \
  DJANGO_EMAIL_PORT="$SMTP_PORT" DJANGO_PASSWORD_RESET=1 DJANGO_SITE_URL="http://127.0.0.1:$PROXY_PORT" \
  DJANGO_2FA=0

echo "== migrate, the plan, the demo accounts (no history)"
DJANGO_DEBUG=1 $BIN/python manage.py migrate --noinput >/dev/null
DJANGO_DEBUG=1 $BIN/python manage.py load_plan >/dev/null
DJANGO_DEBUG=1 $BIN/python manage.py seed_demo --no-history >/dev/null
$BIN/python manage.py collectstatic --noinput >/dev/null

echo "== two app servers, a worker on each, nginx in front"
for server in a b; do
  port=$APP_A_PORT
  [[ $server == b ]] && port=$APP_B_PORT
  # Each server its own local media folder: evidence found on the other proves the object store.
  DJANGO_MEDIA_ROOT="$CLUSTER_DIR/$server-media" GUNICORN_BIND="127.0.0.1:$port" GUNICORN_WORKERS=2 \
    GUNICORN_ACCESS_LOG="$CLUSTER_DIR/$server-access.log" GUNICORN_ERROR_LOG="$CLUSTER_DIR/$server-error.log" \
    $BIN/gunicorn -c deploy/gunicorn.conf.py jiading_ads.wsgi &
  pids+=($!)
  DJANGO_MEDIA_ROOT="$CLUSTER_DIR/$server-media" \
    $BIN/python manage.py db_worker --no-reload --interval 1 >"$CLUSTER_DIR/$server-worker.log" 2>&1 &
  pids+=($!)
done
envsubst '${CLUSTER_DIR} ${ROOT} ${APP_A_PORT} ${APP_B_PORT} ${PROXY_PORT} ${PROXY_A_PORT} ${PROXY_B_PORT}' \
  <cluster/nginx.conf.template >"$CLUSTER_DIR/nginx.conf"
nginx -p "$CLUSTER_DIR" -c "$CLUSTER_DIR/nginx.conf" -g "daemon off;" &
pids+=($!)
wait_for "http://127.0.0.1:$APP_A_PORT/accounts/login/" "app server A"
wait_for "http://127.0.0.1:$APP_B_PORT/accounts/login/" "app server B"
wait_for "http://127.0.0.1:$PROXY_PORT/accounts/login/" "nginx"

echo "== checks"
$BIN/python cluster/check.py
