#!/bin/sh
# Optional benchmark dependencies (idempotent): Debian's wrk load generator, used by
# benchmarks/bench_web.py (which falls back to a slower Python load generator without it),
# and py-spy / pyinstrument for profiling the server while it runs.
set -eu
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update
    $SUDO apt-get install -y wrk
fi
if [ "${1:-}" = "--profilers" ]; then
    .venv/bin/pip install py-spy pyinstrument
fi
echo "wrk: $(wrk --version 2>&1 | head -n 1)"
