#!/usr/bin/env bash
# Installs what `kgpub serve` needs from Debian when it is missing: nginx, which it runs in
# front of gunicorn (see docs/deploying.md). Needs root for apt-get; without root it prints
# the command to run and stops. A deployment with a buffering proxy of its own can do without
# nginx: set front = "none" in kgpub.toml (or KGPUB_FRONT=none) instead.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  cat >&2 <<'MSG'
nginx is missing: kgpub serve runs it in front of gunicorn so that slow clients cannot hold
the server. Install it as root, then run make again:

    sudo apt-get install nginx

or, if a buffering proxy of your own is in front, serve without it: KGPUB_FRONT=none make run
MSG
  exit 1
fi
echo "installing Debian package nginx (the buffering front of kgpub serve)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
