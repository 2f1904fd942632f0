"""The reference pages: the ontology, the SHACL shapes and each source's named graph,
as HTML or as RDF."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgpub.errors import NotFound
from kgpub.formats import HTML, N_QUADS, TRIG, Format
from kgpub.rendering import rdf
from kgpub.rendering.rendered import Rendered
from kgpub.site.describe import build_description, graph_triples, labels_for
from kgpub.site.triple_index import Index
from kgpub.vocab import OWL, RDF_TYPE, SH

if TYPE_CHECKING:
    from kgpub.site.site import Site


def _shapes_using(shapes: Index) -> dict[str, set[str]]:
    """Which node shapes name each term (as target class, path or value class)."""
    used_by: dict[str, set[str]] = defaultdict(set)
    for s, po in shapes.spo.items():
        for key in (SH + "targetClass", SH + "path", SH + "class"):
            for o in po.get(key, []):
                if isinstance(o, ox.NamedNode):
                    owner = s
                    if key == SH + "path":  # the node shape holding this property shape
                        owner = next(iter(shapes.subjects(SH + "property", s)), s)
                    used_by[o.value].add(owner)
    return used_by


def ontology_page(site: Site, fmt: Format, lang: str, host_url: str) -> Rendered:
    store = site.publisher.store
    triples = graph_triples(store, site.base + "ontology")
    if fmt is not HTML:
        return site.rdf_document(triples, fmt)
    idx = Index(triples)
    shapes = Index(graph_triples(store, site.base + "shapes"))
    used_by = _shapes_using(shapes)
    ctx = site.context(lang, host_url, "/ontology", "/ontology")
    ctx.labels.update(idx.labels)
    ctx.labels.update(shapes.labels)
    classes = sorted(t for t in idx.of_type(OWL + "Class") if t.startswith(site.kgpub))
    props = sorted(
        s
        for s in idx.spo
        if s.startswith(site.kgpub)
        and {OWL + "ObjectProperty", OWL + "DatatypeProperty", RDF_TYPE[:-4] + "Property"}
        & set(idx.iris(s, RDF_TYPE))
    )
    others = sorted(
        s for s in idx.spo if s.startswith(site.kgpub) and s not in classes and s not in props
    )
    return site.page(
        "ontology.html",
        ctx,
        idx=idx,
        classes=classes,
        props=props,
        others=others,
        used_by=used_by,
        kgpub=site.kgpub,
        title=ctx.gettext("Ontology"),
        jsonld=site.jsonld(triples),
    )


def shapes_page(site: Site, fmt: Format, lang: str, host_url: str) -> Rendered:
    triples = graph_triples(site.publisher.store, site.base + "shapes")
    if fmt is not HTML:
        return site.rdf_document(triples, fmt)
    idx = Index(triples)
    ctx = site.context(lang, host_url, "/shapes", "/shapes")
    ctx.labels.update(idx.labels)
    node_shapes = sorted(s for s in idx.of_type(SH + "NodeShape"))
    return site.page(
        "shapes.html",
        ctx,
        idx=idx,
        node_shapes=node_shapes,
        SH=SH,
        title=ctx.gettext("SHACL shapes"),
        jsonld=site.jsonld(triples),
    )


def graph_page(site: Site, name: str, fmt: Format, lang: str, host_url: str) -> Rendered:
    """One source's named graph: its quads, or an HTML page about the graph itself."""
    iri = site.base + "graph/" + name
    if iri not in site.publisher.store.graph_names():
        raise NotFound(f"no named graph {iri}")
    if fmt is not HTML:
        triples = graph_triples(site.publisher.store, iri)
        if fmt.supports_datasets:
            g = ox.NamedNode(iri)
            quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]
            return Rendered(rdf.serialize(quads, fmt, site.base), fmt.content_type)
        return site.rdf_document(triples, fmt)
    desc = build_description(
        iri,
        [t for t in graph_triples(site.publisher.store, iri) if t.subject == ox.NamedNode(iri)],
    )
    ctx = site.context(lang, host_url, f"/graph/{name}", f"/graph/{name}")
    ctx.alternates += [(f, f"/graph/{name}.{f.extension}") for f in (N_QUADS, TRIG)]
    ctx.labels.update(desc.labels)
    ctx.labels.update(labels_for(site.publisher.store, desc.outgoing_iris()))
    props = sorted(desc.outgoing.items(), key=lambda kv: (kv[0] != RDF_TYPE, kv[0]))
    return site.page(
        "resource.html",
        ctx,
        desc=desc,
        iri=iri,
        title=ctx.label(iri),
        types=desc.types.get(iri, []),
        props=props,
        incoming=[],
        owners=[],
        muni=None,
        jsonld=site.jsonld(desc.triples),
    )
