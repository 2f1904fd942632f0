"""A real OpenLink Virtuoso (Debian's ``virtuoso-opensource``) for tests:
``yield from run_virtuoso()`` in a fixture.

Each server gets a fresh database in its own directory with its own ``virtuoso.ini``, on free
ports (HTTP and ISQL), with SPARQL Update granted to the anonymous SPARQL user (what a
deployer does for ``kgpub load``). The SPARQL endpoint is ``{url}/sparql`` for queries and
updates alike.

Virtuoso is part of what ``make test`` installs (``scripts/system-deps.sh``), so a missing
Virtuoso fails the tests rather than skipping them; only a developer without root may skip
them, by saying so: ``KGPUB_SKIP_VIRTUOSO=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from oxigraph_server import free_port

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
#: How long a fresh database may take to be created and answer (it takes ~3-8 s here).
START_SECONDS = 60

_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
ThreadsPerQuery = 2
MaxQueryMem = 500M

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 120
DeferInferenceRulesInit = 0
"""


def _available() -> bool:
    return Path(VIRTUOSO).exists() and Path(ISQL).exists()


def require_virtuoso() -> None:
    """Fail (or, with ``KGPUB_SKIP_VIRTUOSO=1`` and no root, skip) without Virtuoso."""
    if _available():
        return
    if os.environ.get("KGPUB_SKIP_VIRTUOSO") == "1" and os.geteuid() != 0:
        pytest.skip("Virtuoso is not installed and KGPUB_SKIP_VIRTUOSO=1 says to skip it")
    pytest.fail(
        "Virtuoso is not installed: run `make system-deps` as root (it installs Debian's "
        "virtuoso-opensource), or set KGPUB_SKIP_VIRTUOSO=1 to skip these tests"
    )


def isql(port: int, statement: str) -> str:
    """Run one SQL statement as dba through ``isql-vt``; its output (raises on failure)."""
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{port}", "dba", "dba", f"exec={statement}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt {statement!r} failed: {done.stdout}{done.stderr}")
    return done.stdout


class Virtuoso:
    """One Virtuoso process over a database directory; it can be stopped and started again
    on the same ports and data (to test an outage)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.http_port = free_port()
        self.isql_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.endpoint = self.url + "/sparql"
        ini = _INI.format(dir=directory, isql=self.isql_port, http=self.http_port)
        (directory / "virtuoso.ini").write_text(ini, encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(self.directory / "virtuoso.ini")],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(self.endpoint + "?query=ASK%7B%7D", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = self.directory / "virtuoso.log"
                    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    raise RuntimeError(f"Virtuoso did not start:\n{tail}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_virtuoso() -> Iterator[Virtuoso]:
    """A fresh Virtuoso with SPARQL Update granted; yields it, then stops it and removes
    its database."""
    require_virtuoso()
    directory = Path(tempfile.mkdtemp(prefix="kgpub-virtuoso-"))
    server = Virtuoso(directory)
    try:
        server.start()
        isql(server.isql_port, 'grant SPARQL_UPDATE to "SPARQL";')
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
