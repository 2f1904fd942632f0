#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (headless Chromium for the browser tests;
# Virtuoso for the triplestore tests; nginx, which `kgpub serve` runs in front of gunicorn and
# the static export is tested with; wrk for the benchmarks) and the npm packages (axe-core,
# which it injects into pages; YASGUI, which the SPARQL query page loads from kgpub's own
# server), when they are missing.
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

# OpenLink Virtuoso: the remote-store tests run against it as well as the Oxigraph server
# (tests/virtuoso_server.py starts its own on free ports).
if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "virtuoso-opensource is missing; run as root or: sudo apt-get install virtuoso-opensource" >&2
    echo "(or set KGPUB_SKIP_VIRTUOSO=1 to skip the Virtuoso tests)" >&2
    [ "${KGPUB_SKIP_VIRTUOSO:-}" = "1" ] || exit 1
  else
    echo "installing Debian package virtuoso-opensource (triplestore tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null
  fi
fi

# nginx (kgpub serve's front) and wrk (the load generator of benchmarks/abuse.py)
for pkg in nginx wrk; do
  if ! command -v "$pkg" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$pkg" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "$pkg is missing; run as root or: sudo apt-get install $pkg" >&2
      exit 1
    fi
    echo "installing Debian package $pkg"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
  fi
done

if [ -f package.json ] && { [ ! -d node_modules/axe-core ] || [ ! -d node_modules/@zazuko/yasgui ]; }; then
  echo "installing npm packages from package-lock.json (axe-core, YASGUI)"
  npm ci --silent --no-audit --no-fund
fi

# nginx (serves the static export in tests/test_static_export.py) and wrk (the load generator
# of benchmarks/pages.py, sparql.py and static.py): install each only when missing.
for pair in nginx:nginx wrk:wrk; do
  cmd=${pair%%:*}
  pkg=${pair##*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "$pkg is missing; run as root or: sudo apt-get install $pkg" >&2
      exit 1
    fi
    echo "installing Debian package $pkg"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
  fi
done
