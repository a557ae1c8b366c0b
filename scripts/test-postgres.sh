#!/bin/sh
# The PostgreSQL that `make test` uses: the server on 127.0.0.1:${RK_PG_PORT:-5432} when one
# answers; otherwise a throw-away cluster (trust auth, database `test`) in ${RK_PG_DIR:-/tmp/rk-test-pg},
# started here and left running for the next test run (stop: pg_ctl -D "$RK_PG_DIR" stop).
# Installs Debian's postgresql package when no server binaries are found (root or sudo).
set -eu
PORT="${RK_PG_PORT:-5432}"
DIR="${RK_PG_DIR:-/tmp/rk-test-pg}"
if pg_isready -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
    echo "postgresql: using the server on 127.0.0.1:$PORT"
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$BIN" ]; then
    $SUDO apt-get update
    $SUDO apt-get install -y postgresql
    BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
# initdb refuses to run as root: the cluster belongs to the `postgres` user (or to you).
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$DIR" postgres
    AS="runuser -u postgres --"
else
    AS=""
fi
if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ -z "$AS" ] || chown postgres "$DIR"
    $AS "$BIN/initdb" -D "$DIR" -U postgres -A trust >/dev/null
fi
$AS "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
    -o "-h 127.0.0.1 -p $PORT -k $DIR" start >/dev/null
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" \
    | grep -q 1 || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres test
echo "postgresql: throw-away server in $DIR on 127.0.0.1:$PORT (database test)"
