#!/bin/sh
# System dependencies for the browser tests (idempotent): Debian chromium and axe-core.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update
    $SUDO apt-get install -y chromium
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
    npm ci --no-audit --no-fund
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
echo "axe-core: $(node -p "require('./node_modules/axe-core/package.json').version")"
