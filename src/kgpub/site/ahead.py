"""Documents rendered ahead: every resource document of a snapshot, in every format and
language, rendered once in the background so that the first request for it (a crawler's,
a harvester's) reads a file instead of rendering the page.

A snapshot's documents go to ``{ahead_path}/{address}-{snapshot}-{variant}/``, named as
the static export names them (``doc/{path}.{lang}.html``, ``doc/{path}.ttl``), each written
to a temporary name and renamed, so a reader sees a whole file or none, and dated when the
snapshot was loaded (its Last-Modified). They are stored as they are sent: the nginx in
front of ``kgpub serve`` answers them itself (:mod:`kgpub.web.front`), and this process
reads them without inflating anything. An HTML page holds absolute links to the address it
was rendered for (``public_url``, else the configured host and port), so it is read only for
a request to that address; the RDF formats hold only canonical IRIs. A file that is not
there yet is no error: the document is rendered as it always was. The bytes are the ones
:meth:`Site.render_resource` gives for the same snapshot, so a page says the same either
way; when the snapshot changes, the directory does.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kgpub.formats import DOCUMENT_FORMATS, HTML, Format
from kgpub.negotiation import variants

if TYPE_CHECKING:
    from kgpub.config import Settings
    from kgpub.site.site import Site

#: Written last into a snapshot's directory, with what was rendered (a complete directory is
#: never rendered again: a restart on the same snapshot reuses it).
COMPLETE = "complete"


def _address_key(host_url: str) -> str:
    return hashlib.sha256(host_url.encode()).hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of kgpub's own files (code, templates, translations): pages rendered by
    another version are never read."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".mo", ".po", ".css", ".js"):
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _file_name(stem: str, fmt: Format, lang: str) -> str:
    return f"doc/{stem}" + (f".{lang}" if lang else "") + f".{fmt.extension}"


def _safe(stem: str) -> bool:
    """Whether ``stem`` names a file under the directory (no empty, ``.`` or ``..``
    segment, no backslash or NUL): anything else is rendered, never read."""
    if not stem or "\\" in stem or "\0" in stem:
        return False
    return all(segment not in ("", ".", "..") for segment in stem.split("/"))


@dataclass(frozen=True)
class Ahead:
    """Where the documents rendered ahead live, for which address their pages are, and what
    else they depend on (``variant``: the code and the settings they were rendered with)."""

    root: Path
    host_url: str
    variant: str = ""

    @classmethod
    def for_settings(cls, settings: Settings) -> Ahead | None:
        """Where ``settings`` put them (None when rendering ahead is off)."""
        if not settings.render_ahead:
            return None
        host_url = settings.public_url or f"http://{settings.host}:{settings.port}/"
        variant = hashlib.sha256((code_fingerprint() + repr(settings)).encode()).hexdigest()
        return cls(settings.resolve(settings.ahead_path), host_url, variant[:16])

    def directory(self, digest: str) -> Path:
        return Path(_directory(self.root, self.host_url, self.variant, digest))

    def body(self, digest: str, stem: str, fmt: Format, lang: str, host_url: str) -> bytes | None:
        """The document's bytes if they were rendered ahead for this snapshot (and, for a
        page, this address), else None."""
        if (fmt is HTML and host_url != self.host_url) or not _safe(stem):
            return None
        directory = _directory(self.root, self.host_url, self.variant, digest)
        try:
            with open(directory + _file_name(stem, fmt, lang), "rb", buffering=0) as fh:
                return fh.readall()
        except OSError:
            return None

    def is_complete(self, digest: str) -> bool:
        return (self.directory(digest) / COMPLETE).is_file()


@functools.lru_cache(maxsize=16)
def _directory(root: Path, host_url: str, variant: str, digest: str) -> str:
    """The directory of a snapshot's documents, ending in a slash (per request: a string,
    built once per snapshot)."""
    return f"{root}/{_address_key(host_url)}-{digest[:24]}-{variant}/"


def _write(path: Path, body: bytes, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    temporary.write_bytes(body)
    os.utime(temporary, (mtime, mtime))
    os.replace(temporary, path)


def render_all(site: Site, ahead: Ahead) -> int:
    """Render every resource document of ``site``'s snapshot into its directory (those
    already there are kept), mark it complete, and remove the other snapshots' directories.
    Returns how many files were written."""
    from kgpub.site.catalog import document_stems

    digest = site.digest
    target = ahead.directory(digest)
    if ahead.is_complete(digest):
        return 0
    started, written = time.monotonic(), 0
    mtime = site.loaded_at.timestamp()
    for stem in document_stems(site.sitemap_paths()):
        for lang, fmt in variants(DOCUMENT_FORMATS):
            path = target / _file_name(stem, fmt, lang)
            if path.exists():
                continue
            try:
                _write(path, site.render_resource(stem, fmt, lang, ahead.host_url).body, mtime)
            except OSError:  # a name taken by another thing's folder: rendered on request
                continue
            written += 1
    seconds = time.monotonic() - started
    target.mkdir(parents=True, exist_ok=True)
    (target / COMPLETE).write_text(f"{written} files in {seconds:.1f} s\n")
    _remove_others(ahead.root, keep=target)
    return written


#: The most directories kept under ``ahead_path``: other addresses' (another server on the
#: same project, a port that changed) are removed oldest first beyond this.
KEEP = 8


def _remove_others(root: Path, keep: Path) -> None:
    """Directories of other snapshots for the same address (a web worker still on an old
    snapshot that misses its file renders the document itself, as before), and the oldest
    of the other addresses' beyond :data:`KEEP`."""
    address = keep.name.split("-", 1)[0]
    others = []
    for entry in root.iterdir():
        if entry == keep or not entry.is_dir():
            continue
        if entry.name.startswith(address + "-"):
            shutil.rmtree(entry, ignore_errors=True)
        else:
            others.append(entry)
    others.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
    for entry in others[KEEP - 1 :]:
        shutil.rmtree(entry, ignore_errors=True)
