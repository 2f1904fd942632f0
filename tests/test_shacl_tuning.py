"""kgpub's pyshacl speed-ups (src/kgpub/shacl_tuning.py) change how fast, never what.

* Validating every mistake in tests/fixtures/shapes at once gives, result for result, what
  pyshacl as shipped gives in a fresh process that never loaded kgpub.
* The memoising shapes graph answers like a plain graph, and a change to it is seen.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.paths import OneOrMore

from kgpub.publish.pyshacl_remedies import (
    MemoisedGraph,
    _ParameterList,
    memoised_copy,
    tune_pyshacl,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
BASE = "https://w3id.org/kgpub/"

#: Reads the results of one pyshacl run as comparable rows; run as is in both processes.
_READ_RESULTS = """
import json
from rdflib import BNode
from rdflib.namespace import SH


def rows(report):
    def show(node):
        return "_:b" if isinstance(node, BNode) else None if node is None else node.n3()

    out = []
    for result in report.objects(None, SH.result):
        one = lambda p: report.value(result, p)
        messages = sorted(m.n3() for m in report.objects(result, SH.resultMessage))
        out.append(json.dumps([
            show(one(SH.focusNode)), show(one(SH.resultPath)), show(one(SH.value)),
            show(one(SH.sourceShape)), show(one(SH.sourceConstraintComponent)),
            show(one(SH.resultSeverity)), messages,
        ]))
    return sorted(out)
"""

_PLAIN = (
    _READ_RESULTS
    + """
import sys
import pyshacl
from rdflib import Graph

root, base = sys.argv[1], sys.argv[2]
data, shapes, ontology = Graph(), Graph(), Graph()
for path in sys.argv[3:]:
    data.parse(path, format="turtle", publicID=base)
shapes.parse(root + "/shapes/kgpub-shapes.ttl", format="turtle", publicID=base)
ontology.parse(root + "/ontology/kgpub.ttl", format="turtle", publicID=base)
conforms, report, _ = pyshacl.validate(
    data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True,
    allow_warnings=True, allow_infos=True,
)
print(json.dumps({"kgpub_loaded": "kgpub" in sys.modules, "conforms": conforms,
                  "rows": rows(report)}))
"""
)


def _every_mistake() -> list[Path]:
    mistakes = sorted(p for p in FIXTURES.glob("*.ttl") if p.name != "_context.ttl")
    return [FIXTURES / "_context.ttl", *mistakes]


def _tuned_rows(files: list[Path]) -> tuple[bool, list[str]]:
    namespace: dict[str, object] = {}
    exec(_READ_RESULTS, namespace)
    data, shapes, ontology = Graph(), Graph(), Graph()
    for path in files:
        data.parse(path, format="turtle", publicID=BASE)
    shapes.parse(ROOT / "shapes" / "kgpub-shapes.ttl", format="turtle", publicID=BASE)
    ontology.parse(ROOT / "ontology" / "kgpub.ttl", format="turtle", publicID=BASE)
    tune_pyshacl()
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=memoised_copy(shapes),
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
    )
    rows = namespace["rows"](report)  # type: ignore[operator]
    return bool(conforms), list(rows)


def test_tuned_pyshacl_reports_exactly_what_pyshacl_as_shipped_reports() -> None:
    files = _every_mistake()
    done = subprocess.run(
        [sys.executable, "-c", _PLAIN, str(ROOT), BASE, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    plain = json.loads(done.stdout)
    assert plain["kgpub_loaded"] is False
    conforms, tuned = _tuned_rows(files)

    assert conforms is plain["conforms"] is False
    assert len(plain["rows"]) > 80  # the fixtures' mistakes, all found
    components = {json.loads(r)[4] for r in plain["rows"]}
    assert len(components) >= 10  # many kinds of constraint, SPARQL-based ones included
    assert any("sparql" in c.lower() or "kgpub" in c for c in components), components
    assert Counter(tuned) == Counter(plain["rows"])


def test_a_memoised_graph_answers_like_a_plain_graph() -> None:
    plain = Graph()
    plain.parse(ROOT / "shapes" / "kgpub-shapes.ttl", format="turtle", publicID=BASE)
    memo = memoised_copy(plain)
    shape = next(plain.subjects(RDF.type, SH.NodeShape))
    for pattern in [
        (shape, None, None),
        (None, RDF.type, SH.NodeShape),
        (None, SH.path, None),
        (shape, SH.property, None),
        (None, None, None),
    ]:
        assert sorted(memo.triples(pattern)) == sorted(plain.triples(pattern))
        assert sorted(memo.triples(pattern)) == sorted(plain.triples(pattern))  # from memo
    assert len(memo) == len(plain)
    assert dict(memo.namespaces()) == dict(plain.namespaces())


def test_a_memoised_graph_sees_its_own_changes() -> None:
    memo = MemoisedGraph()
    a, b, c = (URIRef(f"urn:x:{n}") for n in "abc")
    assert list(memo.objects(a, RDFS.label)) == []
    memo.add((a, RDFS.label, Literal("A")))
    assert list(memo.objects(a, RDFS.label)) == [Literal("A")]
    memo.set((a, RDFS.label, Literal("A2")))
    assert list(memo.objects(a, RDFS.label)) == [Literal("A2")]
    memo.remove((a, RDFS.label, None))
    assert (a, RDFS.label, None) not in memo
    memo += [(a, RDFS.subClassOf, b), (b, RDFS.subClassOf, c)]
    assert set(memo.objects(a, RDFS.subClassOf)) == {b}
    # A property path is evaluated, not memoised, and sees the same triples.
    assert set(memo.objects(a, RDFS.subClassOf * OneOrMore)) == {b, c}


def test_the_parameter_table_keeps_its_members_through_copies_and_additions() -> None:
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS

    table = _ParameterList(ALL_CONSTRAINT_PARAMETERS)
    assert list(table) == list(ALL_CONSTRAINT_PARAMETERS)
    assert all(p in table for p in ALL_CONSTRAINT_PARAMETERS)
    extra = [URIRef("urn:x:a"), URIRef("urn:x:b"), URIRef("urn:x:c")]
    copy = table.copy()
    copy.append(extra[0])
    copy.extend([extra[1]])
    copy.insert(0, extra[2])
    assert all(e in copy for e in extra) and not any(e in table for e in extra)
    assert SH.minCount in copy and URIRef("urn:x:none") not in copy


_REMEDIES_IN_EFFECT = """
import json
from rdflib import Graph
from pyshacl import shape
from pyshacl.shape import Shape
from rdflib.plugins.sparql.processor import SPARQLProcessor
from kgpub.publish.validate import validate_graph

def state():
    return [
        type(getattr(shape, "CONSTRAINT_PARAMS", (None,))[0]).__name__,
        getattr(Shape.find_custom_constraints, "_kgpub_memo", False),
        getattr(SPARQLProcessor.query, "_kgpub_prepared", False),
    ]

before = state()
validate_graph(Graph(), Graph())
print(json.dumps({"before": before, "after": state()}))
"""


def test_kgpub_validation_runs_pyshacl_with_the_remedies_in_effect() -> None:
    """The equivalence test above would also pass if kgpub never applied them."""
    done = subprocess.run(
        [sys.executable, "-c", _REMEDIES_IN_EFFECT],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    states = json.loads(done.stdout)
    assert states["before"] == ["NoneType", False, False]
    assert states["after"] == ["_ParameterList", True, True]

    # and the shapes kgpub hands pyshacl remember its lookups
    from kgpub.publish.validate import validate_graph

    data, shapes, ontology = Graph(), Graph(), Graph()
    for path in _every_mistake()[:3]:
        data.parse(path, format="turtle", publicID=BASE)
    shapes.parse(ROOT / "shapes" / "kgpub-shapes.ttl", format="turtle", publicID=BASE)
    ontology.parse(ROOT / "ontology" / "kgpub.ttl", format="turtle", publicID=BASE)
    memo = memoised_copy(shapes)
    validate_graph(data, memo, ontology, base_iri=BASE)
    assert len(memo._memo) > 100
