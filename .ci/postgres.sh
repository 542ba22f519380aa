# Start and stop a throwaway PostgreSQL on loopback; sourced by .ci/run and
# `make test-postgres`. Sets PG_URL. Runs the server as the "postgres" user
# when started as root, since PostgreSQL refuses to run as root.
start_postgres() {
  local bin="$1"
  PG_PORT="${PG_PORT:-55432}"
  PG_DIR=$(mktemp -d /tmp/jiading-pg.XXXXXX)
  local run=()
  if [[ $(id -u) == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c full_page_writes=off" start >/dev/null
  "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres jiading
  PG_BIN="$bin"
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/jiading"
  export PG_URL
}

stop_postgres() {
  if [[ -n "${PG_DIR:-}" && -d "$PG_DIR/data" ]]; then
    local run=()
    [[ $(id -u) == 0 ]] && run=(runuser -u postgres --)
    "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
