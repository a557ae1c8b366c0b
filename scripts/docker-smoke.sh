#!/bin/sh
# Build the runnersknee image and run the commands of deploy/compose.yaml in it against the
# PostgreSQL on 127.0.0.1:5432: `db upgrade`, `admin create`, `serve --workers 2` (a login over
# HTTP) and `worker`. Needs a running Docker engine; not part of `make test`.
#
# Without Docker Hub (as on the development machines), BASE_IMAGE=build makes a Debian bookworm
# base with Python 3.11 from Debian's packages (debootstrap), trusting the host's CA bundle.
#   sh scripts/docker-smoke.sh                       # FROM python:3.11-slim-bookworm
#   BASE_IMAGE=build sh scripts/docker-smoke.sh      # FROM a base built here
set -eu
cd "$(dirname "$0")/.."
BASE_IMAGE=${BASE_IMAGE:-python:3.11-slim-bookworm}
PGURL_ADMIN=${PGURL_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
DB=rk_docker_smoke
PORT=${PORT:-8765}
started=$(date +%s)

if [ "$BASE_IMAGE" = build ]; then
    BASE_IMAGE=runnersknee-base:bookworm-local
    if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        rootfs=$(mktemp -d /tmp/rk-rootfs-XXXXXX)
        debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
            bookworm "$rootfs" http://deb.debian.org/debian
        cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
        tar -C "$rootfs" -c . | docker import - "$BASE_IMAGE"
        rm -rf "$rootfs"
    fi
fi

docker build --network host --build-arg BASE_IMAGE="$BASE_IMAGE" -t runnersknee:smoke .
echo "image size: $(docker image inspect runnersknee:smoke --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"

psql "$PGURL_ADMIN" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
run() {
    docker run --rm --network host \
        -e RUNNERSKNEE_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$DB" \
        -e RUNNERSKNEE_SECRET_KEY="$secret" "$@"
}
cleanup() {
    docker rm -f rk-smoke-web rk-smoke-worker >/dev/null 2>&1 || true
    psql "$PGURL_ADMIN" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

run runnersknee:smoke runnersknee --version
run runnersknee:smoke runnersknee db upgrade
run runnersknee:smoke runnersknee admin create --clinic "Smoke Clinic" \
    --email admin@smoke.example --name "Smoke Admin" --password "$secret"
run -d --name rk-smoke-web runnersknee:smoke \
    runnersknee serve --host 127.0.0.1 --port "$PORT" --workers 2 >/dev/null
run -d --name rk-smoke-worker runnersknee:smoke runnersknee worker --concurrency 1 >/dev/null

for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/healthz"; echo
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
    -d "{\"email\": \"admin@smoke.example\", \"password\": \"$secret\"}" \
    "http://127.0.0.1:$PORT/api/v1/auth/login")
echo "admin login over HTTP: $status"
[ "$status" = 200 ]
docker ps --filter name=rk-smoke-worker --format '{{.Status}}' | grep -q '^Up'
echo "worker running: yes"
echo "docker smoke passed in $(( $(date +%s) - started )) s"
