"""Settings, built once from ``kgpub.toml`` + ``KGPUB_*`` environment variables, then passed down.

Precedence, lowest first: field defaults, the TOML file, environment variables, explicit
keyword overrides (what the command line sets). Example ``kgpub.toml``::

    base_iri = "https://w3id.org/kgpub/"
    data_dir = "data"
    shapes = ["shapes/kgpub-shapes.ttl"]
    store = "disk"
    store_path = "var/store"
    port = 8080

and the same from the environment: ``KGPUB_STORE=disk KGPUB_PORT=8080``; tuple-valued
settings take a comma-separated list (``KGPUB_SHAPES=shapes/a.ttl,shapes/b.ttl``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from kgpub.errors import ConfigError

CONFIG_FILE_NAME = "kgpub.toml"
ENV_PREFIX = "KGPUB_"
STORES = ("memory", "disk", "remote")
_NON_NEGATIVE = (
    "query_cache_bytes",
    "response_cache_bytes",
    "page_cache_bytes",
    "query_memory_limit",
    "query_worker_private_bytes",
    "query_in_thread_budget",
    "sparql_per_client",
    "remote_poll_seconds",
    "query_queue",
    "query_queue_seconds",
)
_AT_LEAST_ONE = (
    "workers",
    "query_max_length",
    "result_limit",
    "query_workers",
    "remote_update_max_triples",
)
INFERENCE_MODES = ("none", "rdfs", "owlrl", "both")
READ_METHODS = ("auto", "get", "post")
FRONTS = ("nginx", "none")
#: Settings that take one of a fixed set of values.
_CHOICES = {
    "store": STORES,
    "shacl_inference": INFERENCE_MODES,
    "remote_read_method": READ_METHODS,
    "front": FRONTS,
}


@dataclass(frozen=True)
class Settings:
    """Everything that varies between deployments.

    Relative paths are kept as written and resolved against ``root`` by :meth:`resolve`.

    Attributes:
        root: Project root; relative paths resolve against it (made absolute on creation).
        base_iri: Canonical base of all IRIs in the data; must end with ``/`` (or ``#``).
            Turtle sources use relative IRIs resolved against it.
        ontology: Turtle files of the ontology, loaded into the graph ``{base}ontology``.
        shapes: Turtle files of the SHACL shapes, loaded into the graph ``{base}shapes``.
        data_dir: Directory of the data sources: every ``*.ttl`` below it (recursively) is
            one named graph ``{base}graph/{relative path without .ttl}``.
        store: ``memory`` (embedded pyoxigraph in memory), ``disk`` (embedded, persisted
            in ``store_path``) or ``remote`` (a SPARQL 1.1 server).
        store_path: Directory of the on-disk embedded store (required for ``disk``).
        remote_query_endpoint: SPARQL query endpoint URL (required for ``remote``).
        remote_update_endpoint: SPARQL update endpoint URL (publishing to a remote store).
        remote_timeout: Seconds to wait for the remote store before giving up.
        remote_read_method: How reads are sent to the remote store: ``auto`` (default;
            ``GET``, or a form-encoded ``POST`` when the URL would be longer than servers
            take), ``get`` or ``post`` (form-encoded, for servers or proxies that limit
            URLs). Every SPARQL 1.1 server takes both.
        remote_update_max_bytes: Largest SPARQL Update request sent to the remote store,
            in bytes (default 256 KiB: under Fuseki's 1 MiB and Virtuoso's limits); a
            larger graph is written in several requests into a staging graph and then
            moved into place in one request, so readers still never see half of it.
        remote_update_max_triples: Most triples in one update request (default 1000;
            Virtuoso refuses more than about 1,400).
        remote_verify: Whether ``kgpub load`` reads every graph back from the remote store
            and fails when the store changed the data (default true).
        remote_poll_seconds: How often a web host without an update endpoint looks for a
            newer ``kgpub load`` in the remote store.
        host: Interface the web server binds to.
        port: TCP port of the web server (0 lets the system choose).
        workers: Number of web server worker processes.
        query_timeout: Seconds a public SPARQL query may run.
        query_max_length: Maximum length of a SPARQL query, in characters.
        result_limit: Maximum number of rows (or triples) a query may return.
        query_workers: Query worker processes per web server worker.
        query_queue: SPARQL queries per web server worker that may wait for a query worker
            while all are busy (each in a request thread of its own, so pages keep theirs);
            a query beyond these is answered 503 at once (0: none waits).
        query_queue_seconds: Longest a query waits for a query worker before it is
            answered 503.
        query_cache_bytes: Bytes of SPARQL answers each web worker keeps per snapshot
            for repeated identical queries (0 turns the cache off).
        response_cache_bytes: Bytes of whole responses (documents and SPARQL GET answers)
            each web worker keeps in front of Flask (0 turns the cache off).
        page_cache_bytes: Bytes of rendered documents each web worker keeps per snapshot
            (0 turns the cache off).
        query_memory_limit: Bytes of memory a query worker may use beyond what it shares
            with the server (0: no limit of its own).
        query_worker_private_bytes: A query worker whose own memory (pages no longer
            shared with the server: reading the store copies them) has grown past this is
            replaced by a fresh one after its next answer (0: never), so the query workers
            of a long-running server stay within ``query_workers`` times this.
        query_in_thread_budget: A query that provably touches at most this many quads (a
            lookup by IRI, ``DESCRIBE <iri>``: see :mod:`kgpub.sparql.bounded`) is answered
            in the web worker's own thread, without the hop to a query worker (0: every
            query goes to a query worker).
        service_allowlist: SPARQL endpoints that federated ``SERVICE`` clauses may call;
            empty means ``SERVICE`` is refused.
        yasgui_dir: Directory of the YASGUI build (``yasgui.min.js``, ``yasgui.min.css``)
            the SPARQL query page loads from this server; when the files are missing the
            page keeps its plain form.
        public_url: The address the site is published at (``https://kgpub.example.se/``).
            Absolute links, the sitemap and robots.txt use it, whatever ``Host`` a request
            names; unset, they use the request's host.
        trusted_hosts: Host names the server answers for besides the loopback names, the
            configured ``host`` and ``public_url``'s host; a request for any other host
            gets 400 (so a client cannot rewrite links with its ``Host`` header).
        publisher_name: Name of the publisher in the dataset description.
        publisher_email: Contact e-mail of the publisher in the dataset description.
        shacl_inference: Inference pyshacl runs before validating: ``none`` (default; the
            ontology is still mixed in so ``rdfs:subClassOf`` targets work), ``rdfs``,
            ``owlrl`` or ``both``.
        front: What ``kgpub serve`` puts in front of gunicorn: ``nginx`` (default; an nginx
            it starts, configures and stops, which buffers requests and answers so that
            slow or stalled clients never hold a request thread) or ``none`` (gunicorn
            listens itself: only behind a buffering proxy of the deployer's own; see
            ``docs/deploying.md``).
        sparql_per_client: Most SPARQL queries one client address may run at once (more
            are answered 429); with ``front = "none"`` it is counted per web worker. 0: no
            limit of kgpub's own.
        check_max_bytes: Largest file the ``/check`` page takes (a workbook, a ZIP of the
            CSV folder or a Turtle file), in bytes (default 5 MiB; at least 1024); a larger
            upload is answered 413. Nothing uploaded is kept.
        render_ahead: Whether ``kgpub serve`` renders every resource document of a newly
            published snapshot ahead, in the background at the lowest CPU priority, into
            ``ahead_path`` (compressed files, one directory per snapshot and address), so
            that a first request for a document reads a file instead of rendering it (see
            ``docs/deploying.md``).
        ahead_path: Directory of the documents rendered ahead (default ``var/ahead``).
        access_log: Where ``kgpub serve`` writes its access log (combined format; from
            nginx when it fronts, else from gunicorn): ``-`` standard output (default), a
            file path, or ``off``.
        config_file: The TOML file these settings were read from, if any (informational;
            not settable from a file or the environment).
    """

    root: Path
    base_iri: str = "https://w3id.org/kgpub/"
    ontology: tuple[Path, ...] = (Path("ontology/kgpub.ttl"),)
    shapes: tuple[Path, ...] = (Path("shapes/kgpub-shapes.ttl"),)
    data_dir: Path = Path("data")
    store: str = "memory"
    store_path: Path | None = None
    remote_query_endpoint: str | None = None
    remote_update_endpoint: str | None = None
    remote_timeout: float = 10.0
    remote_read_method: str = "auto"
    remote_update_max_bytes: int = 256 * 1024
    remote_update_max_triples: int = 1000
    remote_verify: bool = True
    remote_poll_seconds: float = 30.0
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    query_timeout: float = 30.0
    query_max_length: int = 100_000
    result_limit: int = 100_000
    query_workers: int = 4
    query_queue: int = 4
    query_queue_seconds: float = 2.0
    query_cache_bytes: int = 8 << 20
    response_cache_bytes: int = 16 << 20
    page_cache_bytes: int = 16 << 20
    query_memory_limit: int = 512 << 20
    query_worker_private_bytes: int = 64 << 20
    query_in_thread_budget: int = 4096
    service_allowlist: tuple[str, ...] = ()
    yasgui_dir: Path = Path("node_modules/@zazuko/yasgui/build")
    public_url: str | None = None
    trusted_hosts: tuple[str, ...] = ()
    publisher_name: str = "kgpub"
    publisher_email: str | None = None
    shacl_inference: str = "none"
    front: str = "nginx"
    sparql_per_client: int = 2
    access_log: str = "-"
    check_max_bytes: int = 5 << 20
    render_ahead: bool = True
    ahead_path: Path = Path("var/ahead")
    config_file: Path | None = field(default=None, compare=False)

    #: Settings that cannot come from a TOML file or the environment.
    _INTERNAL: ClassVar[frozenset[str]] = frozenset({"config_file"})

    # -- construction -------------------------------------------------------------------

    def __post_init__(self) -> None:
        hints = _field_types()
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            coerced = _coerce(value, hints[f.name], f"setting '{f.name}'")
            if coerced is not value:
                object.__setattr__(self, f.name, coerced)
        object.__setattr__(self, "root", self.root.expanduser().absolute())
        self._check()

    def _check(self) -> None:
        self._check_addresses()
        self._check_choices()
        self._check_numbers()
        if not self.access_log.strip():
            raise ConfigError("setting 'access_log' must be '-', 'off' or a file path, got ''")

    def _check_addresses(self) -> None:
        base = self.base_iri
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"{}|\\^`]+$", base):
            raise ConfigError(
                f"setting 'base_iri' must be an absolute IRI such as "
                f"'https://w3id.org/kgpub/', got {base!r}"
            )
        if not base.endswith(("/", "#")):
            raise ConfigError(f"setting 'base_iri' must end with '/' (or '#'), got {base!r}")
        if self.public_url is not None and not re.match(
            r"^https?://[^/\s]+(/\S*)?$", self.public_url
        ):
            raise ConfigError(
                "setting 'public_url' must be an http(s) address such as "
                f"'https://kgpub.example.se/', got {self.public_url!r}"
            )

    def _check_choices(self) -> None:
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(
                    f"setting '{name}' must be one of {', '.join(allowed)}, got {value!r}"
                )
        if self.store == "disk" and self.store_path is None:
            raise ConfigError("setting 'store_path' is required when store = 'disk'")
        if self.store == "remote" and not self.remote_query_endpoint:
            raise ConfigError("setting 'remote_query_endpoint' is required when store = 'remote'")

    def _check_numbers(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"setting 'port' must be between 0 and 65535, got {self.port}")
        for name in _AT_LEAST_ONE:
            if getattr(self, name) < 1:
                raise ConfigError(f"setting '{name}' must be at least 1, got {getattr(self, name)}")
        if self.remote_update_max_bytes < 4096:
            raise ConfigError(
                "setting 'remote_update_max_bytes' must be at least 4096, "
                f"got {self.remote_update_max_bytes}"
            )
        if self.check_max_bytes < 1024:
            raise ConfigError(
                f"setting 'check_max_bytes' must be at least 1024, got {self.check_max_bytes}"
            )
        for name in _NON_NEGATIVE:
            if getattr(self, name) < 0:
                raise ConfigError(f"setting '{name}' must be 0 or more, got {getattr(self, name)}")
        for name in ("remote_timeout", "query_timeout"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"setting '{name}' must be positive, got {getattr(self, name)}")

    @classmethod
    def load(
        cls,
        config_file: Path | None = None,
        env: Mapping[str, str] = os.environ,
        root: Path | None = None,
        **overrides: Any,
    ) -> Settings:
        """Build settings from a TOML file, ``KGPUB_*`` environment variables and overrides.

        The file is ``config_file`` if given (else ``$KGPUB_CONFIG``), otherwise
        ``kgpub.toml`` in the root directory if it exists. The root is, in order: the
        ``root`` argument, ``$KGPUB_ROOT``, a ``root`` key in the file (relative to the
        file's directory), the directory of an explicitly given config file, the current
        directory.

        Raises:
            ConfigError: unreadable or missing explicit config file, unknown key, bad value.
        """
        settable = cls.settable_names()
        if config_file is None and env.get(ENV_PREFIX + "CONFIG"):
            config_file = Path(env[ENV_PREFIX + "CONFIG"])
        env_root = env.get(ENV_PREFIX + "ROOT") or None
        explicit_root = Path(root) if root is not None else Path(env_root) if env_root else None
        toml_path, file_root = _find_config_file(config_file, explicit_root)
        values: dict[str, Any] = {}
        if toml_path is not None:
            file_values, root_in_file = _values_from_toml(toml_path, settable)
            values.update(file_values)
            file_root = root_in_file or file_root
        values.update(_values_from_env(env, settable))
        values.update(_values_from_overrides(overrides, settable))
        final_root = explicit_root or file_root or Path.cwd()
        return cls(root=final_root, config_file=toml_path, **values)

    @classmethod
    def settable_names(cls) -> frozenset[str]:
        """Names accepted in ``kgpub.toml``, as ``KGPUB_<NAME>`` and as overrides."""
        return frozenset(
            f.name for f in dataclasses.fields(cls) if f.name not in cls._INTERNAL | {"root"}
        )

    # -- helpers ------------------------------------------------------------------------

    def resolve(self, path: Path | str) -> Path:
        """``path`` made absolute against :attr:`root` (absolute paths are returned as is)."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.root / p

    def data_files(self) -> list[Path]:
        """Sorted ``*.ttl`` files under :attr:`data_dir`, recursively; hidden ones skipped.

        Empty if the directory does not exist.
        """
        data_dir = self.resolve(self.data_dir)
        if not data_dir.is_dir():
            return []
        return sorted(
            p
            for p in data_dir.rglob("*.ttl")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(data_dir).parts)
        )

    def relative(self, path: Path) -> str:
        """``path`` relative to :attr:`root` in POSIX form when under it, else as given."""
        try:
            return path.absolute().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


# -- reading the sources ------------------------------------------------------------------


def _find_config_file(
    config_file: Path | None, explicit_root: Path | None
) -> tuple[Path | None, Path | None]:
    """The TOML file to read (if any) and the root it implies (an explicit file's directory).

    Raises:
        ConfigError: an explicitly given config file does not exist.
    """
    if config_file is not None:
        toml_path = Path(config_file).expanduser().absolute()
        if not toml_path.is_file():
            raise ConfigError(f"config file {config_file} does not exist")
        return toml_path, toml_path.parent
    candidate = (explicit_root or Path.cwd()) / CONFIG_FILE_NAME
    return (candidate.absolute(), None) if candidate.is_file() else (None, None)


def _values_from_toml(
    toml_path: Path, settable: frozenset[str]
) -> tuple[dict[str, Any], Path | None]:
    """The settings in the file, and the root its ``root`` key names (relative to the file)."""
    hints = _field_types()
    values: dict[str, Any] = {}
    file_root: Path | None = None
    for key, raw in _read_toml(toml_path).items():
        if key == "root":
            if not isinstance(raw, str):
                raise ConfigError(f"{toml_path}: setting 'root' must be a string path")
            file_root = toml_path.parent / raw
            continue
        if key not in settable:
            raise ConfigError(
                f"{toml_path}: unknown setting '{key}' "
                f"(known settings: {', '.join(sorted(settable))})"
            )
        values[key] = _coerce(raw, hints[key], f"{toml_path}: setting '{key}'")
    return values, file_root


def _values_from_env(env: Mapping[str, str], settable: frozenset[str]) -> dict[str, Any]:
    hints = _field_types()
    values: dict[str, Any] = {}
    for name in settable:
        var = ENV_PREFIX + name.upper()
        if var in env:
            values[name] = _coerce(env[var], hints[name], f"environment variable {var}")
    return values


def _values_from_overrides(
    overrides: Mapping[str, Any], settable: frozenset[str]
) -> dict[str, Any]:
    hints = _field_types()
    values: dict[str, Any] = {}
    for key, raw in overrides.items():
        if key not in settable:
            raise ConfigError(f"unknown setting '{key}'")
        values[key] = _coerce(raw, hints[key], f"setting '{key}'")
    return values


# -- coercion -----------------------------------------------------------------------------


def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(Settings)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Convert ``value`` (from TOML, the environment or Python) to type ``tp`` or fail."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or (isinstance(value, str) and value.strip() == ""):
            return None
        return _coerce(value, args[0], where)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(tp)
        if isinstance(value, str):
            items: list[Any] = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        coerced = tuple(_coerce(v, item_type, where) for v in items)
        return value if isinstance(value, tuple) and coerced == value else coerced
    if tp is Path:
        if isinstance(value, Path):
            return value
        if isinstance(value, str) and value.strip():
            return Path(value.strip())
        raise ConfigError(f"{where}: expected a path, got {value!r}")
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip().replace("_", ""))
            except ValueError:
                pass
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, float):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    raise TypeError(f"unsupported setting type {tp!r}")  # pragma: no cover
