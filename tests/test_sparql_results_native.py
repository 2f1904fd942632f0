"""Solutions are written by pyoxigraph's own writers, and the row limit still holds exactly."""

from __future__ import annotations

import pyoxigraph
import pytest

from kgpub import formats
from kgpub.errors import ResultTooLarge
from kgpub.sparql import results

EX = "http://example.org/"
ROWS = 50
QUERY = "SELECT ?s ?label ?nothing WHERE { ?s ?p ?label } ORDER BY ?s"


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    for i in range(ROWS):
        subject = pyoxigraph.NamedNode(f"{EX}thing/{i:02d}")
        label = pyoxigraph.Literal(f'sak nr {i}, "citat"', language="sv")
        store.add(pyoxigraph.Quad(subject, pyoxigraph.NamedNode(EX + "label"), label))
    return store


def _solutions(body: bytes, fmt: formats.Format) -> list[dict[str, str]]:
    rows = pyoxigraph.parse_query_results(body, format=fmt_of(fmt))
    assert isinstance(rows, pyoxigraph.QuerySolutions)
    names = [v.value for v in rows.variables]
    return [{n: str(t) for n, t in zip(names, row, strict=True) if t is not None} for row in rows]


def fmt_of(fmt: formats.Format) -> pyoxigraph.QueryResultsFormat:
    return {
        formats.SPARQL_JSON: pyoxigraph.QueryResultsFormat.JSON,
        formats.SPARQL_XML: pyoxigraph.QueryResultsFormat.XML,
        formats.SPARQL_TSV: pyoxigraph.QueryResultsFormat.TSV,
    }[fmt]


class Again:
    """Runs the query anew, counting how often it was asked to."""

    def __init__(self, store: pyoxigraph.Store) -> None:
        self.store, self.calls = store, 0

    def __call__(self) -> object:
        self.calls += 1
        return self.store.query(QUERY)


#: How the native writer is fed: through a sink that stops it, or (for the few results of a
#: bounded query) in one call, measured after.
FEW = pytest.mark.parametrize("few", [False, True], ids=["sink", "whole"])


@FEW
@pytest.mark.parametrize("fmt", [formats.SPARQL_JSON, formats.SPARQL_XML, formats.SPARQL_TSV])
def test_a_short_answer_is_written_natively_and_says_what_row_by_row_writing_says(
    store: pyoxigraph.Store, fmt: formats.Format, few: bool
) -> None:
    again = Again(store)
    native = results.render(store.query(QUERY), fmt, 100_000, again=again, few=few)
    by_row = results.render(store.query(QUERY), fmt, 100_000)
    assert again.calls == 0
    assert _solutions(native, fmt) == _solutions(by_row, fmt)
    assert len(_solutions(native, fmt)) == ROWS


def test_csv_is_written_natively_too(store: pyoxigraph.Store) -> None:
    body = results.render(store.query(QUERY), formats.SPARQL_CSV, 100_000, again=Again(store))
    lines = body.decode().split("\r\n")
    assert lines[0] == "s,label,nothing"
    assert lines[1] == f'{EX}thing/00,"sak nr 0, ""citat""",'
    assert len(lines) == ROWS + 2  # the header, the rows and the empty string after the last


@FEW
def test_a_long_answer_at_the_limit_is_counted_row_by_row_and_given(
    store: pyoxigraph.Store, few: bool
) -> None:
    """50 rows take far more than 3 bytes each: the native writer stops and the rows of a
    new run are counted; exactly the limit is still an answer."""
    again = Again(store)
    body = results.render(store.query(QUERY), formats.SPARQL_JSON, ROWS, again=again, few=few)
    assert again.calls == 1
    assert len(_solutions(body, formats.SPARQL_JSON)) == ROWS


@FEW
@pytest.mark.parametrize("fmt", [formats.SPARQL_JSON, formats.SPARQL_CSV, formats.SPARQL_TSV])
def test_one_row_over_the_limit_is_refused(
    store: pyoxigraph.Store, fmt: formats.Format, few: bool
) -> None:
    with pytest.raises(ResultTooLarge, match=f"more than {ROWS - 1} rows"):
        results.render(store.query(QUERY), fmt, ROWS - 1, again=Again(store), few=few)


def test_empty_rows_over_the_limit_are_refused() -> None:
    """Rows with nothing bound are the shortest a format can write (one byte in TSV)."""
    store = pyoxigraph.Store()
    query = "SELECT ?x WHERE { VALUES ?n { 1 2 3 4 5 6 } }"
    for fmt in formats.SOLUTION_FORMATS:
        for few in (False, True):
            with pytest.raises(ResultTooLarge, match="more than 5 rows"):
                results.render(
                    store.query(query), fmt, 5, again=lambda: store.query(query), few=few
                )
        body = results.render(store.query(query), fmt, 6, again=lambda: store.query(query))
        assert body
