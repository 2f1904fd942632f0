#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (headless Chromium for the browser tests)
# and the npm packages (axe-core, which it injects into pages; YASGUI, which the SPARQL query
# page loads from kgpub's own server), when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is missing; run as root or: sudo apt-get install chromium" >&2
    exit 1
  fi
  echo "installing Debian package chromium (browser tests)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ -f package.json ] && { [ ! -d node_modules/axe-core ] || [ ! -d node_modules/@zazuko/yasgui ]; }; then
  echo "installing npm packages from package-lock.json (axe-core, YASGUI)"
  npm ci --silent --no-audit --no-fund
fi
