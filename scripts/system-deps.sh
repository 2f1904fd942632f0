#!/usr/bin/env bash
# Installs the Debian packages the test suite needs and the npm packages it uses, when they
# are missing:
# - chromium: the browser tests;
# - virtuoso-opensource: the triplestore tests (tests/virtuoso_server.py starts its own on
#   free ports), beside the Oxigraph server from PyPI;
# - nginx: the front `kgpub serve` runs before gunicorn, and the server of the static export;
# - wrk: the load generator of the benchmarks;
# - npm: axe-core (injected into pages by the browser tests) and YASGUI (the SPARQL query
#   page's editor, served from kgpub's own route).
set -euo pipefail
cd "$(dirname "$0")/.."

# need PACKAGE COMMAND...: install PACKAGE from Debian unless every COMMAND is there.
need() {
  local pkg=$1
  shift
  local cmd
  for cmd in "$@"; do
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
      if [ "$(id -u)" -ne 0 ]; then
        echo "$pkg is missing; run as root or: sudo apt-get install $pkg" >&2
        return 1
      fi
      echo "installing Debian package $pkg"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
      return 0
    fi
  done
}

need chromium chromium
if ! need virtuoso-opensource virtuoso-t isql-vt; then
  echo "(or set KGPUB_SKIP_VIRTUOSO=1 to skip the Virtuoso tests)" >&2
  [ "${KGPUB_SKIP_VIRTUOSO:-}" = "1" ] || exit 1
fi
need nginx nginx
need wrk wrk

if [ -f package.json ] && { [ ! -d node_modules/axe-core ] || [ ! -d node_modules/@zazuko/yasgui ]; }; then
  echo "installing npm packages from package-lock.json (axe-core, YASGUI)"
  npm ci --silent --no-audit --no-fund
fi
