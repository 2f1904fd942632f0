"""SPARQL results written into a format of the registry (:mod:`kgpub.formats`).

SELECT/ASK: SPARQL Results JSON, XML, CSV, TSV. CONSTRUCT/DESCRIBE: Turtle, JSON-LD,
RDF/XML, N-Triples, serialised by pyoxigraph. Solutions are written by pyoxigraph's own
result writers as long as the answer is too short to hold more rows than the result-size
limit allows (every format has a fewest bytes per row); a longer answer is stopped there and
the query run again, its rows counted one by one here, so the limit is kept exactly. Graphs
are counted triple by triple and then written natively. Which format to write is negotiated
in :mod:`kgpub.negotiation`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from json.encoder import encode_basestring
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph

from kgpub.errors import NotAcceptable, ResultTooLarge
from kgpub.formats import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    SPARQL_CSV,
    SPARQL_JSON,
    SPARQL_TSV,
    SPARQL_XML,
    Format,
)
from kgpub.vocab import PREFIXES as VOCAB_PREFIXES
from kgpub.vocab import XSD_STRING

#: The prefixes a Turtle answer declares.
PREFIXES = {p: VOCAB_PREFIXES[p] for p in ("rdf", "rdfs", "xsd", "skos", "dcterms", "org", "prov")}


# -- serialisation -----------------------------------------------------------------------

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple
Row = Sequence[Term | None]

#: A string as JSON writes it (``ensure_ascii=False``: other characters as they are).
_json_string = encode_basestring


def _json_term(term: Term) -> str:
    """``term`` as a SPARQL JSON binding: what ``json.dumps`` writes for it, built as text
    (no dictionary per term, none per row)."""
    if isinstance(term, pyoxigraph.NamedNode):
        return '{"type":"uri","value":' + _json_string(term.value) + "}"
    if isinstance(term, pyoxigraph.BlankNode):
        return '{"type":"bnode","value":' + _json_string(term.value) + "}"
    if isinstance(term, pyoxigraph.Literal):
        head = '{"type":"literal","value":' + _json_string(term.value)
        if term.language:
            return head + ',"xml:lang":' + _json_string(term.language) + "}"
        if term.datatype.value != XSD_STRING:
            return head + ',"datatype":' + _json_string(term.datatype.value) + "}"
        return head + "}"
    return (
        '{"type":"triple","value":{"subject":'
        + _json_term(term.subject)
        + ',"predicate":'
        + _json_term(term.predicate)
        + ',"object":'
        + _json_term(term.object)
        + "}}"
    )


def _xml_term(term: Term) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, pyoxigraph.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_cell(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        value = f"_:{term.value}"
    elif isinstance(term, pyoxigraph.Triple):
        value = str(term)
    else:
        value = term.value
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _tsv_cell(term: Term | None) -> str:
    if term is None:
        return ""
    return str(term)  # pyoxigraph prints terms in N-Triples/Turtle syntax, as TSV wants


def serialize_solutions(variables: Sequence[str], rows: Iterable[Row], fmt: Format) -> bytes:
    if fmt is SPARQL_JSON:
        keys = [_json_string(v) + ":" for v in variables]
        bindings = ",".join(
            "{"
            + ",".join(k + _json_term(t) for k, t in zip(keys, row, strict=True) if t is not None)
            + "}"
            for row in rows
        )
        head = ",".join(_json_string(v) for v in variables)
        text = '{"head":{"vars":[' + head + ']},"results":{"bindings":[' + bindings + "]}}"
        return text.encode("utf-8")
    if fmt is SPARQL_XML:
        parts = [
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>',
            *(f"<variable name={quoteattr(v)}/>" for v in variables),
            "</head><results>",
        ]
        for row in rows:
            parts.append("<result>")
            parts.extend(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True)
                if t is not None
            )
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if fmt is SPARQL_CSV:
        lines = [",".join(_csv_cell(pyoxigraph.Literal(v)) for v in variables)]
        lines.extend(",".join(_csv_cell(t) for t in row) for row in rows)
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if fmt is SPARQL_TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines.extend("\t".join(_tsv_cell(t) for t in row) for row in rows)
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"{fmt.media_type} is not a solutions format")


def serialize_boolean(value: bool, fmt: Format) -> bytes:
    word = "true" if value else "false"
    if fmt is SPARQL_JSON:
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt is SPARQL_XML:
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    if fmt is SPARQL_CSV:
        return f"_askResult\r\n{word}\r\n".encode()
    if fmt is SPARQL_TSV:
        return f"?_askResult\n{word}\n".encode()
    raise ValueError(f"{fmt.media_type} is not a boolean format")


def serialize_triples(triples: Sequence[pyoxigraph.Triple], fmt: Format) -> bytes:
    if fmt.rdf_format is None:
        raise ValueError(f"{fmt.media_type} is not an RDF format")
    prefixes = PREFIXES if fmt.rdf_format is pyoxigraph.RdfFormat.TURTLE else None
    out = pyoxigraph.serialize(triples, format=fmt.rdf_format, prefixes=prefixes)
    return out or b""


#: pyoxigraph's own writer of each solutions format.
_NATIVE = {
    SPARQL_JSON.key: pyoxigraph.QueryResultsFormat.JSON,
    SPARQL_XML.key: pyoxigraph.QueryResultsFormat.XML,
    SPARQL_CSV.key: pyoxigraph.QueryResultsFormat.CSV,
    SPARQL_TSV.key: pyoxigraph.QueryResultsFormat.TSV,
}
#: The fewest bytes one solution takes in each format: ``{},`` / ``<result></result>`` /
#: an empty CSV line / an empty TSV line (a row with nothing bound).
_FEWEST_BYTES_PER_ROW = {
    SPARQL_JSON.key: 3,
    SPARQL_XML.key: 17,
    SPARQL_CSV.key: 2,
    SPARQL_TSV.key: 1,
}


class _MayBeOverLimit(Exception):
    """The answer has grown long enough to hold more rows than the limit."""


class _BoundedWriter:
    """A binary sink for pyoxigraph's writers that stops them past ``bound`` bytes."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.size = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.bound:
            raise _MayBeOverLimit
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered here."""


def solutions_natively(
    results: pyoxigraph.QuerySolutions, fmt: Format, limit: int, few: bool = False
) -> bytes | None:
    """``results`` written by pyoxigraph, or None once the answer is long enough to hold more
    than ``limit`` rows (``results`` are then used up: count the rows of a new run).

    ``few``: the results are known to be few (a bounded query's), so they are written in
    one call and measured after, without a Python sink's call for every piece written.
    """
    bound = limit * _FEWEST_BYTES_PER_ROW[fmt.key]
    if few:
        whole = results.serialize(format=_NATIVE[fmt.key]) or b""
        return whole if len(whole) <= bound else None
    sink = _BoundedWriter(bound)
    try:
        results.serialize(sink, format=_NATIVE[fmt.key])  # type: ignore[arg-type]  # a write() is all it uses
    except _MayBeOverLimit:
        return None
    return b"".join(sink.parts)


def render(
    results: object,
    fmt: Format,
    limit: int,
    again: Callable[[], object] | None = None,
    few: bool = False,
) -> bytes:
    """Serialise pyoxigraph query results into ``fmt``, refusing more than ``limit`` items.

    With ``again`` (which runs the query anew), solutions are written by pyoxigraph itself
    and counted row by row only when the answer might be over the limit (``few``: see
    :func:`solutions_natively`).
    A SELECT answered in a graph format (or the reverse) is :class:`NotAcceptable`.
    """
    if isinstance(results, pyoxigraph.QuerySolutions):
        if fmt not in SOLUTION_FORMATS:
            raise NotAcceptable(
                [f.media_type for f in SOLUTION_FORMATS],
                "SELECT results cannot be written as " + fmt.media_type,
            )
        if again is not None:
            written = solutions_natively(results, fmt, limit, few)
            if written is not None:
                return written
            results = again()
            assert isinstance(results, pyoxigraph.QuerySolutions)
        variables = [v.value for v in results.variables]
        rows: list[Row] = []
        for solution in results:
            if len(rows) >= limit:
                raise ResultTooLarge(_too_large(limit, "rows"))
            rows.append([solution[v] for v in variables])
        return serialize_solutions(variables, rows, fmt)
    if isinstance(results, pyoxigraph.QueryBoolean):
        if fmt not in SOLUTION_FORMATS:
            raise NotAcceptable(
                [f.media_type for f in SOLUTION_FORMATS],
                "ASK results cannot be written as " + fmt.media_type,
            )
        return serialize_boolean(bool(results), fmt)
    if isinstance(results, pyoxigraph.QueryTriples):
        if fmt not in GRAPH_FORMATS:
            raise NotAcceptable(
                [f.media_type for f in GRAPH_FORMATS],
                "CONSTRUCT/DESCRIBE results cannot be written as " + fmt.media_type,
            )
        triples: list[pyoxigraph.Triple] = []
        for triple in results:
            if len(triples) >= limit:
                raise ResultTooLarge(_too_large(limit, "triples"))
            triples.append(triple)
        return serialize_triples(triples, fmt)
    raise TypeError(f"unexpected query result {type(results).__name__}")


def _too_large(limit: int, what: str) -> str:
    return (
        f"The result has more than {limit:,} {what}, the most this endpoint returns. "
        "Add a LIMIT (and page with OFFSET), or narrow the query."
    )
