"""Publish the sources and export them: what ``kgpub export --static DIR`` runs."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from kgpub.config import Settings
from kgpub.errors import ValidationFailed
from kgpub.export.static import export
from kgpub.publish.publisher import Publisher
from kgpub.site.site import Site

_LISTEN = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")


def listen_address(text: str) -> str:
    """``HOST:PORT`` checked (a bracketed IPv6 address is fine); ValueError otherwise."""
    match = _LISTEN.match(text)
    if match is None or not 0 < int(match.group(1)) < 65536:
        raise ValueError(f"--listen wants HOST:PORT, such as 127.0.0.1:8080, not {text!r}")
    return text


def export_static(settings: Settings, out: Path, listen: str, jobs: int | None) -> int:
    """Validate, publish into a store of its own and export to ``out``; the exit status."""
    try:
        listen = listen_address(listen)
    except ValueError as exc:
        print(f"kgpub export: {exc}", file=sys.stderr)
        return 2
    publisher = Publisher(settings)
    try:
        publisher.start()
    except ValidationFailed as exc:
        sys.stderr.write(exc.report.format_text(settings.root))
        print("kgpub export: refusing to export data that does not conform", file=sys.stderr)
        return 1
    host_url = settings.public_url or f"http://{listen}/"
    if not host_url.endswith("/"):
        host_url += "/"
    done = export(Site(publisher), out, host_url, listen, jobs or os.cpu_count() or 1)
    print(
        f"kgpub export: {done.jobs} documents, {done.rendered} rendered, {done.written} files "
        f"written, {done.removed} removed, in {done.seconds:.1f} s; "
        f"serve with: nginx -p {out.resolve()} -c {out.resolve()}/nginx.conf -g 'daemon off;'",
        file=sys.stderr,
    )
    return 0
