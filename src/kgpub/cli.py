"""The ``kgpub`` command line.

Exit codes (all subcommands): 0 success, 1 the data does not conform to the shapes,
2 the input cannot be used (syntax errors, bad settings, missing files, bad usage).
User errors are printed as plain lines, never as tracebacks.

Adding a subcommand: write ``_add_NAME(subparsers)`` that creates its parser and sets
``handler=_run_NAME`` with ``set_defaults``, write ``_run_NAME(args) -> int``, and append
``_add_NAME`` to :data:`SUBCOMMANDS`. Use :func:`_settings_from` to build the settings and
the ``common`` parent parser for the shared options (``--config``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kgpub import __version__
from kgpub.config import Settings
from kgpub.errors import KgpubError, SyntaxErrors
from kgpub.publish.sources import load_snapshot
from kgpub.publish.validate import validate

if TYPE_CHECKING:
    from kgpub.publish.per_graph import BatchReport, GraphResult
    from kgpub.store.load_record import LoadRecord

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_ERROR = 2


def _common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="settings file (default: kgpub.toml in the current directory, if present); "
        "KGPUB_* environment variables override it",
    )
    return common


def _settings_from(args: argparse.Namespace) -> Settings:
    """Settings for a subcommand: ``--config`` file, then the environment."""
    return Settings.load(config_file=args.config)


# -- validate ---------------------------------------------------------------------------------


def _add_validate(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        parents=[_common_options()],
        help="check the Turtle sources' syntax and validate the data against the shapes",
        description=(
            "Parse the ontology, the shapes and the data files, then validate the data "
            "against the shapes. Exit status: 0 conforms, 1 violations, 2 syntax or "
            "settings errors."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        type=Path,
        help="data files or directories to validate instead of the configured data "
        "directory (validated together, as one graph)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="report format on standard output (default: text)",
    )
    parser.set_defaults(handler=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    settings = _settings_from(args)
    try:
        snapshot = load_snapshot(settings, list(args.paths) or None)
    except SyntaxErrors as exc:
        _print_syntax_errors(exc, sys.stderr)
        if args.format == "json":
            payload = {
                "conforms": False,
                "summary": _syntax_summary(exc),
                "syntax_errors": [p.to_dict() for p in exc.problems],
            }
            print(json.dumps(payload, indent=2, ensure_ascii=False))
        return EXIT_ERROR
    report = validate(snapshot)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(report.format_text(settings.root))
    return EXIT_OK if report.conforms else EXIT_INVALID


def _syntax_summary(exc: SyntaxErrors) -> str:
    n = len(exc.problems)
    files = len({p.display_path for p in exc.problems})
    return (
        f"{n} syntax error{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}; "
        "nothing was validated"
    )


def _print_syntax_errors(exc: SyntaxErrors, stream: TextIO) -> None:
    for problem in exc.problems:
        print(problem, file=stream)
    print(_syntax_summary(exc), file=stream)


# -- serve ------------------------------------------------------------------------------------


def _add_serve(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=[_common_options()],
        help="validate the data and publish it as linked data over HTTP (gunicorn)",
        description="Load and validate the data (invalid data is refused with the report, "
        "exit 1), then serve it under gunicorn with the configured host, port and workers.",
    )
    parser.add_argument("--host", help="bind address (default: setting 'host')")
    parser.add_argument("--port", type=int, help="port (default: setting 'port')")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: 'workers')")
    parser.add_argument("--dev", action="store_true", help="Flask's server with the reloader")
    parser.set_defaults(handler=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from kgpub.web.server import run

    return run(
        _settings_from(args), dev=args.dev, host=args.host, port=args.port, workers=args.workers
    )


# -- load -------------------------------------------------------------------------------------


def _add_load(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "load",
        parents=[_common_options()],
        help="validate the data and push it into the configured store, one graph per source",
        description=(
            "Check that the store can be reached, validate every data source (per graph, "
            "in parallel, skipping unchanged ones), then replace each named graph in the "
            "store atomically. Invalid data changes nothing in the store. Exit status: 0 "
            "loaded, 1 the data does not conform, 2 syntax, settings or store errors."
        ),
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="validation processes (default: CPU count)"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="validate every graph even if unchanged since the last validation",
    )
    parser.set_defaults(handler=_run_load)


def _run_load(args: argparse.Namespace) -> int:
    from kgpub.publish.per_graph import validate_sources
    from kgpub.store.factory import marking_incomplete, open_store
    from kgpub.store.load_record import LoadRecord
    from kgpub.store.loader import load_quads
    from kgpub.store.remote import RemoteStore, StoreRefused

    settings = _settings_from(args)
    started = time.perf_counter()
    store = open_store(settings, allow_incomplete=True)
    where = _store_place(settings)
    if not store.writable:
        raise StoreRefused(
            f"{where} has no update endpoint configured (set remote_update_endpoint); "
            "nothing was loaded"
        )
    snapshot = load_snapshot(settings)
    report = validate_sources(
        settings, workers=args.workers, use_cache=not args.no_cache, progress=_validated
    )
    if not report.conforms:
        _print_invalid(report)
        print(f"kgpub load: the data is invalid; nothing was written to {where}", file=sys.stderr)
        return EXIT_INVALID
    # read-only web hosts in front of a remote store follow this record (kgpub.store.load_record)
    remote = isinstance(store, RemoteStore)
    record = LoadRecord(str(snapshot.digest), datetime.now(UTC)) if remote else None
    with marking_incomplete(_disk_path(settings)):
        result = load_quads(
            store,
            snapshot.quads(),
            base_iri=settings.base_iri,
            progress=_loaded,
            record=record,
            verify=where if remote and settings.remote_verify else None,
        )
    dropped = f", dropped {len(result.dropped)} stale graphs" if result.dropped else ""
    print(
        f"Loaded {result.graphs} graphs, {result.triples:,} triples into {where} in "
        f"{time.perf_counter() - started:.2f} s (validation {report.seconds:.2f} s, "
        f"{report.validated} graphs validated, {len(report.graphs) - report.validated} "
        f"unchanged; writing {result.seconds:.2f} s){dropped}"
    )
    if record is not None:
        _print_recorded(record, settings.base_iri)
    return EXIT_OK


def _store_place(settings: Settings) -> str:
    """Where ``kgpub load`` writes, in words."""
    return {
        "memory": "the in-memory store (nothing persists after this command)",
        "disk": f"the disk store at {settings.store_path}",
        "remote": f"the triplestore at {settings.remote_query_endpoint}",
    }[settings.store]


def _validated(result: GraphResult, done: int, total: int) -> None:
    when = "unchanged" if result.cached else f"{result.seconds:.2f} s"
    state = "ok" if result.conforms else "INVALID"
    print(f"validate [{done}/{total}] {result.path}: {state} ({when})", file=sys.stderr)


def _print_invalid(report: BatchReport) -> None:
    """Every error and violation of the graphs that do not conform, then the summary."""
    for graph in report.graphs:
        if graph.conforms:
            continue
        if graph.error:
            print(graph.error, file=sys.stderr)
        for v in graph.violations:
            where_v = v.location() or graph.path
            path = f" {v.path}" if v.path else ""
            print(
                f"{where_v}: {v.severity}: {v.focus_display()}{path}: {v.message}",
                file=sys.stderr,
            )
    print(report.summary(), file=sys.stderr)


def _loaded(iri: str, triples: int, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "." * (width - filled)
    print(f"load [{bar}] {done}/{total} {iri} ({triples} triples)", file=sys.stderr)


def _disk_path(settings: Settings) -> Path | None:
    if settings.store == "disk" and settings.store_path is not None:
        return settings.resolve(settings.store_path)
    return None


def _print_recorded(record: LoadRecord, base_iri: str) -> None:
    from kgpub.store.load_record import record_graph

    print(
        f"Recorded snapshot {record.digest[:12]} in <{record_graph(base_iri)}>: "
        "web hosts without the update endpoint serve it within their remote_poll_seconds"
    )


# -- spreadsheets: template, import, export, new -------------------------------------------


def _add_template(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "template",
        parents=[_common_options()],
        help="write the empty strategy workbook generated from the ontology and the shapes",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, metavar="FILE.xlsx", help="an Excel workbook")
    where.add_argument("--csv", type=Path, metavar="DIR", help="a folder of CSV files")
    parser.set_defaults(handler=_run_template)


def _run_template(args: argparse.Namespace) -> int:
    from kgpub.publish.spreadsheet.workbook import template_tables_for

    template, tables = template_tables_for(load_snapshot(_settings_from(args)))
    return _write_workbook(tables, template, args.out, args.csv)


def _write_workbook(tables: Any, template: Any, out: Path | None, csv_dir: Path | None) -> int:
    from kgpub.publish.spreadsheet.workbook import render

    data = render(tables, template, csv=csv_dir is not None)
    if isinstance(data, dict):
        assert csv_dir is not None
        csv_dir.mkdir(parents=True, exist_ok=True)
        for name, raw in data.items():
            (csv_dir / name).write_bytes(raw)
        print(f"Wrote {len(data)} files to {csv_dir}")
    else:
        assert out is not None
        out.write_bytes(data)
        print(f"Wrote {out}")
    return EXIT_OK


def _add_import(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        parents=[_common_options()],
        help="read a strategy workbook (XLSX or CSV folder), validate it, write Turtle",
        description="Exit status: 0 written, 1 problems in the workbook (each at its cell; "
        "nothing written), 2 the file cannot be read.",
    )
    parser.add_argument("path", type=Path, metavar="FILE.xlsx|DIR")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE.ttl",
        help="where to write (default: DATA_DIR/MUNICIPALITY.ttl)",
    )
    parser.set_defaults(handler=_run_import)


def _run_import(args: argparse.Namespace) -> int:
    from kgpub.publish.spreadsheet.workbook import import_workbook

    settings = _settings_from(args)
    path: Path = args.path
    data: bytes | dict[str, bytes]
    try:
        if path.is_dir():
            data = {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}
        else:
            data = path.read_bytes()
    except OSError as exc:
        print(f"kgpub import: {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    report = import_workbook(load_snapshot(settings), data, path.name)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if report.turtle is None:
        print(
            f"kgpub import: {len(report.problems)} problems; nothing was written", file=sys.stderr
        )
        return EXIT_INVALID
    out = args.out or settings.resolve(settings.data_dir) / f"{report.municipality}.ttl"
    out.write_text(report.turtle, encoding="utf-8")
    print(f"Wrote {out} ({report.triples} triples)")
    return EXIT_OK


def _add_export(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        parents=[_common_options()],
        help="write a municipality as a filled strategy workbook (MUNICIPALITY --xlsx/--csv), "
        "or the whole published site as files with an nginx configuration (--static DIR)",
        description="kgpub export MUNICIPALITY --xlsx FILE (or --csv DIR): the municipality's "
        "published data as a filled strategy workbook. kgpub export --static DIR: validate and "
        "publish the data, then write every document in every format and language, the dumps, "
        "the dataset description, robots.txt and the sitemap under DIR/site, and "
        "DIR/nginx.conf (run: nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'); only what "
        "changed since the last export to DIR is written.",
    )
    parser.add_argument(
        "municipality", nargs="?", metavar="MUNICIPALITY", help="its slug, e.g. haninge"
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--xlsx", type=Path, metavar="FILE.xlsx")
    where.add_argument("--csv", type=Path, metavar="DIR")
    where.add_argument("--static", metavar="DIR", type=Path, help="the static export's folder")
    parser.add_argument(
        "--listen", metavar="HOST:PORT", default="127.0.0.1:8080", help="nginx's address"
    )
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: CPU count)")
    parser.set_defaults(handler=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    if args.static is not None:
        if args.municipality:
            print(
                "kgpub export --static exports the whole site: name no municipality",
                file=sys.stderr,
            )
            return EXIT_ERROR
        from kgpub.export.run import export_static

        return export_static(_settings_from(args), args.static, args.listen, args.jobs)
    if not args.municipality:
        print(
            "kgpub export: name the municipality, e.g. kgpub export haninge --xlsx F.xlsx",
            file=sys.stderr,
        )
        return EXIT_ERROR
    from kgpub.publish.spreadsheet.workbook import export_tables

    template, tables = export_tables(load_snapshot(_settings_from(args)), args.municipality)
    return _write_workbook(tables, template, args.xlsx, args.csv)


def _add_new(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "new",
        parents=[_common_options()],
        help="start a municipality: an empty workbook with its row filled in",
    )
    parser.add_argument("slug", metavar="SLUG", help="lower-case ASCII, e.g. nacka")
    parser.add_argument("--name", required=True, help='e.g. "Nacka kommun"')
    parser.add_argument("--code", help="the SCB municipality code, four digits")
    parser.add_argument("--out", type=Path, help="default: SLUG.xlsx")
    parser.set_defaults(handler=_run_new)


def _run_new(args: argparse.Namespace) -> int:
    from kgpub.publish.spreadsheet.values import CellError, check_slug
    from kgpub.publish.spreadsheet.workbook import template_tables_for

    try:
        check_slug(args.slug)
    except CellError as err:
        print(f"kgpub new: {err.en}", file=sys.stderr)
        return EXIT_ERROR
    snapshot = load_snapshot(_settings_from(args))
    template, tables = template_tables_for(snapshot, args.name, args.code, args.slug)
    out: Path = args.out or Path(f"{args.slug}.xlsx")
    _write_workbook(tables, template, out, None)
    print(
        "Next steps:\n"
        f"  1. Fill in {out}: sources, vision, goals, budget, alignments (see the sheet "
        "Instruktioner).\n"
        f"  2. kgpub import {out}      (every problem is named by sheet and cell)\n"
        f"  3. kgpub validate && kgpub load"
    )
    return EXIT_OK


# -- registry ---------------------------------------------------------------------------------

#: One function per subcommand; each adds its parser (``serve``, ``dump``, ``load``,
#: ``query`` are to be added here).
SUBCOMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    _add_validate,
    _add_serve,
    _add_load,
    _add_template,
    _add_import,
    _add_export,
    _add_new,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kgpub",
        description="Publish municipal strategy data as validated linked open data.",
    )
    parser.add_argument("--version", action="version", version=f"kgpub {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return handler(args)
    except SyntaxErrors as exc:
        _print_syntax_errors(exc, sys.stderr)
        return EXIT_ERROR
    except KgpubError as exc:
        print(f"kgpub {args.command}: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
