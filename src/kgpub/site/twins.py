"""The machine twins of the views: what a page shows, as CSV and JSON (and the alignment as
RDF), read from the same snapshot the page is built from.

Anything a page shows can be fetched: ``/alignment/{m}``, ``/compare``, ``/municipalities``,
a municipality's overview and ``/search`` each answer ``text/csv`` and ``application/json``
(by Accept or by the ``.csv`` / ``.json`` suffix); CSV holds one of the view's tables
(``?table=NAME``, the first when none is named), JSON all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pyoxigraph as ox

from kgpub.errors import NotFound
from kgpub.formats import CSV, HTML, JSON, Format
from kgpub.rendering.html import PageContext
from kgpub.rendering.rendered import Rendered
from kgpub.rendering.tables import TableSet, csv_bytes, json_bytes
from kgpub.site import tables
from kgpub.site.alignment import AlignmentMatrix, alignment_matrix, compare
from kgpub.site.describe import labels_for
from kgpub.site.directory import listing
from kgpub.site.municipality import MunicipalityView

if TYPE_CHECKING:
    from kgpub.site.site import Site


def language_dependent(fmt: Format) -> bool:
    """Whether a view in ``fmt`` depends on the page language (the CSV header and labels
    do; JSON carries every language)."""
    return fmt is HTML or fmt is CSV


def render(found: TableSet, fmt: Format, lang: str, table: str | None) -> Rendered:
    """JSON of every table, or CSV of the table ``table`` (404 when there is none)."""
    if fmt is JSON:
        return Rendered(json_bytes(found), JSON.content_type)
    chosen = found.table(table)
    if chosen is None:
        names = ", ".join(t.name for t in found.tables)
        raise NotFound(f"no table called {table!r}; the tables are: {names}")
    return Rendered(csv_bytes(chosen, lang), CSV.content_type)


def downloads(
    ctx: PageContext, path: str, query: Sequence[tuple[str, str]], offers: Sequence[Format]
) -> list[tuple[str, str, str]]:
    """(link text, media type, URL) of each machine twin of the page at ``path``: the same
    query, the format's suffix; CSV in the page's language."""
    found = []
    for fmt in offers:
        if fmt is HTML:
            continue
        params = [*query, ("lang", ctx.lang)] if fmt is CSV else list(query)
        href = f"{path}.{fmt.extension}" + (f"?{urlencode(params)}" if params else "")
        found.append((fmt.name, fmt.media_type, href))
    return found


def overview_downloads(ctx: PageContext, path: str) -> list[tuple[str, str, str]]:
    """A municipality overview's tables: its goals and its budget lines as CSV, both in JSON."""
    doc = f"/doc/{path}"
    goals = downloads(ctx, doc, [], (CSV,))[0]
    budget = downloads(ctx, doc, [("table", "budget")], (CSV,))[0]
    both = downloads(ctx, doc, [], (JSON,))[0]
    return [
        (ctx.gettext("Goals (CSV)"), goals[1], goals[2]),
        (ctx.gettext("Budget lines (CSV)"), budget[1], budget[2]),
        both,
    ]


def _merged(*maps: Mapping[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for labels in maps:
        for iri, by_lang in labels.items():
            merged.setdefault(iri, by_lang)
    return merged


# --- the alignment ----------------------------------------------------------------------


def alignment_triples(view: MunicipalityView, matrix: AlignmentMatrix) -> list[ox.Triple]:
    """The alignment as RDF: each link as the data states it (goal, relation, objective) and
    every statement about the kgpub:Alignment resource that records it."""
    triples: list[ox.Triple] = []
    recorded: list[str] = []
    for row in matrix.rows:
        for objective, match in row.cells.items():
            triples.append(
                ox.Triple(
                    ox.NamedNode(row.goal), ox.NamedNode(match.relation), ox.NamedNode(objective)
                )
            )
            if match.alignment and match.alignment not in recorded:
                recorded.append(match.alignment)
    for node in recorded:
        for p, objects in view.index.spo.get(node, {}).items():
            triples.extend(ox.Triple(ox.NamedNode(node), ox.NamedNode(p), o) for o in objects)
    return triples


def alignment(site: Site, path: str, fmt: Format, lang: str, table: str | None) -> Rendered:
    view = site.municipality(path)
    national = site.national()
    matrix = alignment_matrix(view, national)
    if fmt.rdf_format is not None:
        return site.rdf_document(alignment_triples(view, matrix), fmt)
    labels = _merged(
        view.index.labels,
        national.index.labels,
        site.vocab_labels(),
        labels_for(site.publisher.store, matrix.other),
    )
    return render(tables.alignment_tables(matrix, national, labels), fmt, lang, table)


# --- the overview, the list, the comparison --------------------------------------------


def overview(site: Site, path: str, fmt: Format, lang: str, table: str | None) -> Rendered:
    view = site.municipality(path)
    labels = _merged(view.index.labels, site.municipality_names())
    return render(tables.municipality_tables(view, labels), fmt, lang, table)


def municipality_list(
    site: Site, letter: str | None, page: int, fmt: Format, lang: str, table: str | None
) -> Rendered:
    from kgpub.site.directory import HOME_LIST_MAX, LETTER_PAGE

    found = site.directory(lang)
    groups, paging = listing(found, letter, page, LETTER_PAGE, HOME_LIST_MAX)
    if letter is None:  # the twin lists every municipality, even when the page shows letters
        groups = found.groups
    built = tables.directory_tables(found, groups, letter, paging, site.municipality_names())
    return render(built, fmt, lang, table)


def comparison(site: Site, paths: list[str], fmt: Format, lang: str, table: str | None) -> Rendered:
    views = [site.municipality(p) for p in paths]
    national = site.national()
    labels = _merged(national.index.labels, *(v.index.labels for v in views))
    found = compare(views, national) if views else None
    return render(tables.comparison_tables(found, labels), fmt, lang, table)


#: Each view's twin: ``VIEWS[name](site, *args, fmt, lang, table)``.
VIEWS: dict[str, Callable[..., Rendered]] = {
    "alignment": alignment,
    "overview": overview,
    "municipalities": municipality_list,
    "compare": comparison,
}
