"""Spreadsheet import benchmark: reading a municipality's workbook against parsing its Turtle.

    .venv/bin/python benchmarks/import.py --count 290 --rounds 3 --full 2

Synthetic municipalities come from ``benchmarks/generate.py`` (under
``benchmarks/out/import-N``, git-ignored, never ``data/``); each is exported as a filled
workbook with the code of ``kgpub export --xlsx``. Then, in interleaved rounds (the order of
the two flipped every round, so a busy neighbour on the machine hurts both alike):

- turtle: rdflib parses the municipality's Turtle file (the baseline);
- read: the workbook is read and turned into the same graph (``read_tables`` and the
  importer ``kgpub import`` runs, with the template built once), without validation.

Printed: the median time per municipality of each and their ratio. Then ``--full``
municipalities go through the whole ``import_workbook`` (template, reading, SHACL
validation together with the other N - 1 published municipalities), as ``kgpub import``
and the ``/check`` page do, timed once each: at this size validation is the cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate  # noqa: E402

from kgpub.config import Settings  # noqa: E402
from kgpub.publish.sources import Snapshot, load_snapshot  # noqa: E402
from kgpub.publish.spreadsheet.exporter import Exporter  # noqa: E402
from kgpub.publish.spreadsheet.importer import Importer  # noqa: E402
from kgpub.publish.spreadsheet.instructions import instructions_table  # noqa: E402
from kgpub.publish.spreadsheet.workbook import (  # noqa: E402
    import_workbook,
    read_tables,
    render,
    template_for,
)


def workbooks(snapshot: Snapshot, names: list[str]) -> dict[str, bytes]:
    """Each municipality's published data as a filled workbook (the code of ``kgpub export
    --xlsx``, with the template built once rather than once per municipality)."""
    template = template_for(snapshot)
    base = snapshot.settings.base_iri
    out = {}
    for source in snapshot.data_sources:
        name = source.graph_iri.rsplit("/", 1)[-1]
        if name not in names:
            continue
        graph = snapshot.data_graph(source)
        tables = Exporter(template, graph, URIRef(f"{base}id/{name}"), base).run()
        data = render([instructions_table(), *tables], template, csv=False)
        assert isinstance(data, bytes)
        out[name] = data
    return out


def rounds(
    snapshot: Snapshot, books: dict[str, bytes], data_dir: Path, count: int
) -> tuple[list[float], list[float]]:
    """Seconds per municipality: rdflib's Turtle parse and the workbook read, interleaved."""
    template = template_for(snapshot)
    base = snapshot.settings.base_iri
    turtle_times: list[float] = []
    read_times: list[float] = []
    for r in range(count):
        for name, book in books.items():
            path = data_dir / f"{name}.ttl"
            steps = [("turtle", path, book), ("read", path, book)]
            for kind, p, b in steps if r % 2 == 0 else reversed(steps):
                start = time.perf_counter()
                if kind == "turtle":
                    Graph().parse(p, format="turtle", publicID=base)
                else:
                    Importer(template, base, f"{name}.xlsx").run(read_tables(b, f"{name}.xlsx"))
                spent = time.perf_counter() - start
                (turtle_times if kind == "turtle" else read_times).append(spent)
        print(f"round {r + 1}/{count} done", file=sys.stderr)
    return turtle_times, read_times


def full_imports(snapshot: Snapshot, books: dict[str, bytes], n: int) -> list[float]:
    times = []
    for name in list(books)[:n]:
        start = time.perf_counter()
        report = import_workbook(snapshot, books[name], f"{name}.xlsx")
        times.append(time.perf_counter() - start)
        assert report.ok, [str(p) for p in report.problems[:3]]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=290, help="municipalities (default 290)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full", type=int, default=2, help="whole imports with validation")
    args = parser.parse_args()
    project = ROOT / "benchmarks" / "out" / f"import-{args.count}"
    toml = generate(args.count, project)
    settings = Settings.load(config_file=toml, env={})
    snapshot = load_snapshot(settings)
    names = [s.graph_iri.rsplit("/", 1)[-1] for s in snapshot.data_sources]
    names = [n for n in names if n.startswith("kommun-") or n in ("haninge", "haparanda")]
    start = time.perf_counter()
    books = workbooks(snapshot, names)
    print(f"{len(books)} workbooks exported in {time.perf_counter() - start:.1f} s")
    turtle, read = rounds(snapshot, books, project / "data", args.rounds)
    t, w = statistics.median(turtle), statistics.median(read)
    print(f"per municipality (median of {len(turtle)}): Turtle parse (rdflib) {t * 1000:.1f} ms")
    print(f"  workbook read + import, no validation: {w * 1000:.1f} ms ({w / t:.1f}x Turtle)")
    if args.full:
        full = full_imports(snapshot, books, args.full)
        f = statistics.median(full)
        print(
            f"  whole import_workbook with validation against {len(books)} municipalities: "
            f"{f:.2f} s (median of {len(full)}; {f / t:.0f}x Turtle)"
        )


if __name__ == "__main__":
    main()
