"""Domain exceptions.

Every error a user can cause is a :class:`KgpubError`. They carry meaning, not HTTP
status codes: the command line prints them as plain lines and exits 2, and the web layer
maps each class to a status and a negotiated body in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class Report(Protocol):
    """What a validation report offers the errors that carry one (``publish.report`` has the
    report itself; this module knows only its shape, so it imports nothing of kgpub)."""

    def summary(self) -> str: ...

    def format_text(self, root: Path | None = None) -> str: ...


def display_path(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` (POSIX separators) when it lies under it, else as given."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


class KgpubError(Exception):
    """Base class of all errors that a user (or a client) can cause."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(KgpubError):
    """A setting is unknown, missing or has a bad value; the message names the key."""


class SourceNotFound(KgpubError):
    """A Turtle source file (or a directory given on the command line) does not exist.

    ``setting`` names the setting that points at it, if any (``ontology``, ``data_dir``...).
    """

    def __init__(self, path: Path, root: Path | None = None, setting: str | None = None) -> None:
        self.path = path
        self.root = root
        self.setting = setting
        where = f" (setting '{setting}')" if setting else ""
        super().__init__(f"{display_path(path, root)}: no such file or directory{where}")


class SyntaxProblem(KgpubError):
    """A syntax error in a source file, located by 1-based ``line`` and ``column``.

    ``str()`` is ``"{path}:{line}:{column}: {message}"`` (the form editors and CI logs
    link to), with ``path`` relative to ``root`` when the file lies under it.
    """

    def __init__(
        self, path: Path, line: int, column: int, message: str, root: Path | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.root = root
        #: Later problems found in the same file (see :func:`kgpub.publish.sources.parse_source`).
        self.further: list[SyntaxProblem] = []
        super().__init__(message)

    @property
    def display_path(self) -> str:
        return display_path(self.path, self.root)

    def __str__(self) -> str:
        return f"{self.display_path}:{self.line}:{self.column}: {self.message}"

    def to_dict(self) -> dict[str, str | int]:
        return {
            "path": self.display_path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class SyntaxErrors(KgpubError):
    """All the syntax problems found while loading a snapshot (never empty)."""

    def __init__(self, problems: Sequence[SyntaxProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InvalidShapes(KgpubError):
    """The shapes graph itself cannot be used by the SHACL engine."""


class ValidationFailed(KgpubError):
    """Data does not conform to the shapes; ``report`` says where and why."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(report.summary())


class NotFound(KgpubError):
    """Nothing is known about the requested resource."""


class NotAcceptable(KgpubError):
    """No representation matches what the client accepts; ``offers`` lists media types."""

    def __init__(self, offers: Sequence[str], message: str | None = None) -> None:
        self.offers = list(offers)
        super().__init__(
            message or "none of the available formats is acceptable: " + ", ".join(self.offers)
        )


class BadRequest(KgpubError):
    """The request is malformed or asks for something this service refuses to do."""


class QuerySyntaxError(BadRequest):
    """A SPARQL query does not parse: the parser's message, with line and column if known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class UpdateRefused(BadRequest):
    """A SPARQL Update sent to the read-only endpoint."""


class ServiceRefused(BadRequest):
    """A federated query (SERVICE) to an endpoint that is not allowed."""


class QueryTooLong(BadRequest):
    """A query (or a request body) longer than the configured ``query_max_length``."""


class QueryTooDeep(BadRequest):
    """A query nests groups deeper than the endpoint's documented limit."""


class BadGraphIri(BadRequest):
    """A ``default-graph-uri`` or ``named-graph-uri`` parameter is not an absolute IRI."""


class UnsupportedMediaType(KgpubError):
    """A request body in a media type the service does not read."""


class ResultTooLarge(KgpubError):
    """A result exceeds the configured ``result_limit`` (rows, triples or bytes).

    The request itself is fine; only the answer is too big to send.
    """


class QueryTimeout(KgpubError):
    """A query ran longer than the configured ``query_timeout``."""


class EndpointBusy(KgpubError):
    """Every query worker is busy; the client may try again in a moment."""

    def __init__(self, message: str = "All query workers are busy; try again in a moment.") -> None:
        super().__init__(message)


class TooManyQueries(KgpubError):
    """A client already runs as many SPARQL queries at once as one client may
    (``sparql_per_client``); it may send the next when one of them has finished."""


class QueryOutOfMemory(KgpubError):
    """A query needed more memory than one query may use (``query_memory_limit``)."""


class QueryFailed(KgpubError):
    """A query could not be answered for a reason that is not the client's (a crash)."""


class StoreUnavailable(KgpubError):
    """The triple store cannot be reached or refused to answer."""


class StoreBadAnswer(StoreUnavailable):
    """The triple store answered with something kgpub cannot read (a server fault, not the
    client's): the message names the server and says shortly what was wrong."""
