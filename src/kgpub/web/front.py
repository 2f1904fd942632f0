"""The buffering front ``kgpub serve`` runs before gunicorn: an nginx of its own.

gunicorn gives each request a thread from the moment it reads the first byte until the last
byte of the answer is written, so a client that sends (or reads) slowly holds a thread for
as long as it likes; gunicorn's deployment guide asks for a buffering proxy in front. With
``front = "nginx"`` (the default) ``kgpub serve``:

* makes a private runtime directory (mode 0700), writes an nginx configuration generated
  from the settings into it, and starts nginx (not as a daemon) on the configured host and
  port; gunicorn listens on a unix socket in that directory, which only nginx can reach;
* nginx reads whole requests and whole answers before passing them on (request and
  response buffering, short client timeouts), caps request bodies at what the longest
  SPARQL query needs, and lets one client address run at most ``sparql_per_client``
  queries at once (429 beyond);
* answers the resource documents rendered ahead from their files, as the app would
  (:mod:`kgpub.web.front_files`), and reloads its configuration for each new snapshot;
* stops nginx and removes the directory when the server stops (also on SIGTERM and
  SIGINT); nginx also stops if the server dies without cleaning up (parent-death signal).

``docs/deploying.md`` says why, and what to set in a proxy of one's own (``front = "none"``).
"""

from __future__ import annotations

import contextlib
import ctypes
import grp
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from kgpub.config import Settings
from kgpub.errors import ConfigError
from kgpub.web.front_files import FrontFiles, document_location, http_maps

INSTALL_HINT = (
    "nginx is not installed; kgpub serve runs it in front of gunicorn so that slow clients "
    "cannot hold the server. Install it (as root: apt-get install nginx, or run "
    'scripts/run-deps.sh), or set front = "none" if a buffering proxy of your own is in '
    "front (see docs/deploying.md)"
)
#: Seconds a client may take to send the request head, the next body chunk, or to read the
#: next chunk of the answer; then nginx closes the connection (gunicorn never waits).
CLIENT_TIMEOUT = 10
_PR_SET_PDEATHSIG = 1
_LIMIT_ZONE = "kgpub_sparql_per_client"
TOO_MANY = (
    "429 Too Many Requests: this client already runs as many SPARQL queries at once as one "
    "client may; send the next when one of them has finished."
)


def find_nginx() -> str:
    """The nginx executable, or a :class:`ConfigError` saying how to install it."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise ConfigError(INSTALL_HINT)
    return found


def listen_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def max_body_bytes(settings: Settings) -> int:
    """The largest request body worth reading: the longest query, UTF-8 and url-encoded
    (the same bound the /sparql view reads up to), or a /check upload and its form."""
    return max(settings.query_max_length * 9, settings.check_max_bytes) + 65_536


#: nginx worker processes. One: ``limit_conn`` counts a client's queries exactly only within
#: one worker; with more, a client's next query can reach another worker before its last one
#: is counted out, and gets 429 within its limit (``tests/test_memory_bounds.py`` saw it at
#: once with two). Two were no faster on distinct documents (docs/scaling.md).
NGINX_WORKERS = 1


def access_log_directive(settings: Settings) -> str:
    where = settings.access_log.strip()
    if where == "off":
        return "access_log off;"
    path = "/dev/stdout" if where == "-" else str(settings.resolve(where))
    return f'access_log "{path}" combined;'


def limit_zone(generation: int) -> str:
    """The per-client zone of the ``generation``-th configuration of one ``kgpub serve``.

    Each reload gets a zone of its own: with one name kept across a reload, a client
    keeping to its 2 queries at once got 429 from nginx right after the reload (two clients
    flooding ``/sparql`` at start-up: 16 of 132 starts; none of 48 with a zone per
    configuration; where inside nginx the count went wrong was not pinned down). A
    client's requests still running in the old worker are counted there, so for as long
    as they run a client may have that many more; the app's own count still holds."""
    return f"{_LIMIT_ZONE}_{generation}"


def _sparql_location(settings: Settings, generation: int) -> str:
    if not settings.sparql_per_client:
        return ""
    return f"""
        location = /sparql {{
            limit_conn {limit_zone(generation)} {settings.sparql_per_client};
            proxy_pass http://kgpub;
        }}"""


def _buffers_and_timeouts(settings: Settings, run_dir: Path) -> str:
    """Where nginx buffers bodies, how long a client may take, how much it may send."""
    return f"""client_body_temp_path "{run_dir}/client_body";
    proxy_temp_path "{run_dir}/proxy";
    fastcgi_temp_path "{run_dir}/fastcgi";
    uwsgi_temp_path "{run_dir}/uwsgi";
    scgi_temp_path "{run_dir}/scgi";
    client_header_timeout {CLIENT_TIMEOUT}s;
    client_body_timeout {CLIENT_TIMEOUT}s;
    send_timeout {CLIENT_TIMEOUT}s;
    keepalive_timeout 15s;
    reset_timedout_connection on;
    client_header_buffer_size 1k;
    large_client_header_buffers 4 16k;
    client_max_body_size {max_body_bytes(settings)};
    client_body_buffer_size 64k;"""


def nginx_config(
    settings: Settings,
    listen: str,
    run_dir: Path,
    upstream: Path,
    files: FrontFiles | None = None,
    generation: int = 0,
) -> str:
    """The whole nginx configuration for one ``kgpub serve`` (paths all in ``run_dir``);
    with ``files``, the documents rendered ahead are answered from them. ``generation``
    counts the configurations of this ``kgpub serve`` (see :func:`limit_zone`)."""
    # a query may wait in the queue, then run to its limit
    proxy_timeout = int(settings.query_timeout + settings.query_queue_seconds) + 10
    user = _worker_user()
    return f"""# written by kgpub serve; regenerated at every start
{f"user {user};" if user else ""}
daemon off;
master_process on;
worker_processes {NGINX_WORKERS};
pid "{run_dir}/nginx.pid";
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    {access_log_directive(settings)}
    server_tokens off;
    {_buffers_and_timeouts(settings, run_dir)}
    limit_conn_zone $binary_remote_addr zone={limit_zone(generation)}:1m;
    limit_conn_status 429;
    limit_conn_log_level warn;
    upstream kgpub {{ server "unix:{upstream}"; }}
{http_maps(files) if files else ""}
    server {{
        listen {listen};
        proxy_request_buffering on;
        proxy_buffering on;
        proxy_buffers 64 16k;
        proxy_connect_timeout 5s;
        proxy_send_timeout {proxy_timeout}s;
        proxy_read_timeout {proxy_timeout}s;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header X-Forwarded-Port $server_port;
        proxy_set_header Forwarded "";
        error_page 429 @too_many;
        location @too_many {{
            default_type text/plain;
            add_header Retry-After 5 always;
            return 429 "{TOO_MANY}\\n";
        }}{_sparql_location(settings, generation)}{document_location(files) if files else ""}
        location / {{ proxy_pass http://kgpub; }}
    }}
}}
"""


def _worker_user() -> str | None:
    """nginx started by root drops its workers to ``nobody``; otherwise they stay as the
    user that runs ``kgpub serve`` (the directive is then ignored, so it is left out)."""
    if os.geteuid() != 0:
        return None
    nobody = pwd.getpwnam("nobody")
    return f"nobody {grp.getgrgid(nobody.pw_gid).gr_name}"


def workers_can_read(directory: Path) -> bool:
    """Whether nginx's workers (``nobody`` when started by root) can reach files under
    ``directory``: every folder above it searchable by them (what is made under it, is)."""
    if os.geteuid() != 0:
        return True
    group = pwd.getpwnam("nobody").pw_gid
    for folder in (directory, *directory.parents):
        try:
            st = folder.stat()
        except FileNotFoundError:  # made later, by the renderer
            continue
        if not (st.st_mode & stat.S_IXOTH or (st.st_gid == group and st.st_mode & stat.S_IXGRP)):
            return False
    return True


def _open_to_workers(run_dir: Path) -> None:
    """Let nginx's workers (``nobody`` when started by root) reach the socket: the runtime
    directory's group becomes theirs, with search permission only."""
    if os.geteuid() == 0:
        os.chown(run_dir, 0, pwd.getpwnam("nobody").pw_gid)
        run_dir.chmod(0o710)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _wait_listening(proc: subprocess.Popen[bytes], host: str, port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while proc.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    raise ConfigError(
        f"nginx did not start listening on {listen_address(host, port)} (see its message "
        "above: is the port taken?)"
    )


class NginxFront:
    """One nginx in front of one gunicorn, for as long as the ``with`` block runs.

    ``upstream`` is the unix socket gunicorn is to listen on. Only the process that
    started nginx stops it (gunicorn's workers, forked inside the block, leave it alone).
    """

    def __init__(self, settings: Settings, host: str, port: int) -> None:
        self.settings = settings
        self.host = host
        self.port = port or free_port(host)
        self.executable = find_nginx()
        self.run_dir = Path(tempfile.mkdtemp(prefix="kgpub-serve-"))
        self.upstream = self.run_dir / "gunicorn.sock"
        self.config = self.run_dir / "nginx.conf"
        self._proc: subprocess.Popen[bytes] | None = None
        self.files: FrontFiles | None = None
        self._owner = os.getpid()
        self._generation = 0  # configurations written so far

    def _write_config(self) -> None:
        listen = listen_address(self.host, self.port)
        config = nginx_config(
            self.settings, listen, self.run_dir, self.upstream, self.files, self._generation
        )
        self._generation += 1
        temporary = self.config.with_suffix(".tmp")
        temporary.write_text(config)
        os.replace(temporary, self.config)

    def start(self) -> None:
        _open_to_workers(self.run_dir)
        self._write_config()
        command = [self.executable, "-p", str(self.run_dir), "-c", str(self.config), "-e", "stderr"]
        self._proc = subprocess.Popen(command, preexec_fn=_die_with_parent, start_new_session=True)
        _wait_listening(self._proc, self.host, self.port, seconds=10)

    def serve_files(self, files: FrontFiles | None) -> None:
        """Answer documents from ``files`` (a new snapshot's; None: none) from now on: the
        configuration is written again and nginx reloads it (its workers finish the requests
        they have)."""
        if files == self.files:
            return
        if files is not None and not workers_can_read(files.directory):
            print(
                f"kgpub serve: nginx's workers ({_worker_user()}) cannot read "
                f"{files.directory}: the app answers every document itself (make the folders "
                "above it searchable by them to let nginx answer from the files)",
                file=sys.stderr,
                flush=True,
            )
        self.files = files
        self._write_config()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        """Stop nginx (fast shutdown: gunicorn has already finished its requests) and
        remove the runtime directory."""
        if os.getpid() != self._owner:
            return
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> NginxFront:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
