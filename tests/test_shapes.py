"""The kgpub SHACL shapes (shapes/kgpub-shapes.ttl), specified by example.

* The published data (every data/*.ttl, read together) conforms.
* tests/fixtures/shapes/_context.ttl is a small valid municipality with one resource of every
  class the shapes check. Each other file in that folder adds exactly one mistake to it, and
  CASES below says which results the mistake must produce: the resource at fault (relative to
  the base IRI), the property path, and the English message a municipal official reads. The
  results must be exactly those, so a fixture is valid apart from its one mistake.
* tests/fixtures/shapes/valid/ holds edge cases that must *not* be reported.

Validation runs the way kgpub runs it: pyshacl with advanced=True, inference="none", the
ontology given as ont_graph. It calls pyshacl directly, so these tests do not depend on src/kgpub.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SH

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
BASE = "https://w3id.org/kgpub/"

# Prefixes used to write expected result paths, e.g. "rdfs:label|skos:prefLabel".
PATH_PREFIXES = {
    "kgpub": "ontology#",  # relative: resolved against the base in use
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
}


# --- helpers: parse, validate, read the report --------------------------------------------


def parse_turtle(*paths: Path, base: str = BASE) -> Graph:
    """Parse Turtle files whose relative IRIs resolve against `base`, as kgpub does."""
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID=base)
    return graph


@cache
def ontology(base: str = BASE) -> Graph:
    return parse_turtle(ROOT / "ontology" / "kgpub.ttl", base=base)


@cache
def shapes(base: str = BASE) -> Graph:
    return parse_turtle(ROOT / "shapes" / "kgpub-shapes.ttl", base=base)


@dataclass(frozen=True)
class Violation:
    """One expected validation result."""

    focus: str  # the resource at fault, relative to the base IRI
    path: str  # the property path, in prefixed form
    message: str  # the English sh:resultMessage


@dataclass(frozen=True)
class Result:
    """One validation result as reported, with its shape and Swedish message."""

    violation: Violation
    shape: str
    message_sv: str


@dataclass(frozen=True)
class Report:
    conforms: bool
    results: tuple[Result, ...]
    text: str

    def violations(self) -> list[Violation]:
        return sorted((r.violation for r in self.results), key=repr)


def path_text(graph: Graph, node: object, base: str = BASE) -> str:
    """Write a SHACL property path the way the cases below do."""
    if isinstance(node, URIRef):
        for prefix, namespace in PATH_PREFIXES.items():
            namespace = base + namespace if prefix == "kgpub" else namespace
            if node.startswith(namespace):
                return f"{prefix}:{node[len(namespace) :]}"
        return f"<{node}>"
    assert isinstance(node, BNode), node
    if (inverse := graph.value(node, SH.inversePath)) is not None:
        return "^" + path_text(graph, inverse, base)
    if (alternatives := graph.value(node, SH.alternativePath)) is not None:
        return "|".join(path_text(graph, p, base) for p in Collection(graph, alternatives))
    return "/".join(path_text(graph, p, base) for p in Collection(graph, node))


def message(graph: Graph, node: object, language: str) -> str:
    messages = [
        m
        for m in graph.objects(node, SH.resultMessage)
        if isinstance(m, Literal) and m.language == language
    ]
    assert len(messages) == 1, f"expected one @{language} message, got {messages}"
    return str(messages[0])


def validate(data: Graph, *, base: str = BASE, ontology_as: str = "ont_graph") -> Report:
    """Validate with pyshacl as kgpub does; the ontology joins as ont_graph or merged in."""
    if ontology_as == "merged":
        data = data + ontology(base)
        extra = {}
    else:
        extra = {"ont_graph": ontology(base)}
    conforms, report_graph, text = pyshacl.validate(
        data,
        shacl_graph=shapes(base),
        inference="none",
        advanced=True,
        **extra,
    )
    results = []
    # Only top-level results: nested ones (sh:detail) are explanations, not extra mistakes.
    for node in report_graph.objects(None, SH.result):
        focus = report_graph.value(node, SH.focusNode)
        path = report_graph.value(node, SH.resultPath)
        violation = Violation(
            focus=str(focus).removeprefix(base),
            path="" if path is None else path_text(report_graph, path, base),
            message=message(report_graph, node, "en"),
        )
        shape = str(report_graph.value(node, SH.sourceShape)).removeprefix(base + "shapes#")
        results.append(Result(violation, shape, message(report_graph, node, "sv")))
    return Report(bool(conforms), tuple(results), text)


@cache
def validate_fixture(name: str, folder: Path = FIXTURES) -> Report:
    return validate(parse_turtle(FIXTURES / "_context.ttl", folder / f"{name}.ttl"))


@dataclass(frozen=True)
class Case:
    fixture: str
    expected: tuple[Violation, ...]


def case(fixture: str, *expected: Violation) -> Case:
    return Case(fixture, expected)


# --- the invalid cases ----------------------------------------------------------------------

CASES = [
    case(
        "missing-swedish-label",
        Violation(
            "id/test/committee-2",
            "rdfs:label|skos:prefLabel",
            (
                "The Swedish name is missing. Give the name with the language tag sv, for "
                'example rdfs:label "Socialnämnden"@sv.'
            ),
        ),
    ),
    case(
        "two-swedish-labels",
        Violation(
            "id/test/goal-2",
            "rdfs:label",
            (
                "There may be only one name (rdfs:label) per language, for example one in "
                "Swedish and one in English."
            ),
        ),
    ),
    case(
        "label-without-language",
        Violation(
            "id/test/vision-statement-2",
            "rdfs:label|skos:prefLabel",
            (
                "A name must say which language it is written in, for example @sv for Swedish"
                " or @en for English."
            ),
        ),
    ),
    case(
        "two-swedish-preferred-labels",
        Violation(
            "id/test/goal-2",
            "skos:prefLabel",
            ("There may be only one preferred name (skos:prefLabel) per language."),
        ),
    ),
    case(
        "description-without-language",
        Violation(
            "id/test/vision-area-2",
            "dcterms:description",
            (
                "A description must be text that says which language it is in, for example "
                "@sv for Swedish."
            ),
        ),
    ),
    case(
        "missing-source",
        Violation(
            "id/test/priority-area-2",
            "dcterms:source",
            (
                "The source is missing: say which document this information comes from "
                "(dcterms:source)."
            ),
        ),
    ),
    case(
        "source-not-a-document",
        Violation(
            "id/test/goal-2",
            "dcterms:source",
            (
                "The source must be a described document (foaf:Document), for example the "
                "municipality's web page or budget document."
            ),
        ),
    ),
    case(
        "position-not-a-number",
        Violation(
            "id/test/promise-commitment-2",
            "schema:position",
            (
                "The position (schema:position) must be a single whole number, for example 1 "
                "for the first item in the source."
            ),
        ),
    ),
    case(
        "owner-not-an-organisation",
        Violation(
            "id/test/goal-2",
            "kgpub:owner",
            (
                "The owner must be an organisation, for example the municipality, or one of "
                "its bodies."
            ),
        ),
    ),
    case(
        "decided-by-not-an-organisation",
        Violation(
            "id/test/budget-2025",
            "kgpub:decidedBy",
            (
                "The body that took the decision (kgpub:decidedBy) must be an organisation or"
                " one of its bodies, for example the municipal council."
            ),
        ),
    ),
    case(
        "decision-date-as-text",
        Violation(
            "id/test/vision-2",
            "kgpub:decisionDate",
            (
                'The decision date must be a date ("2023-04-17"^^xsd:date), a month '
                '("2023-04"^^xsd:gYearMonth) or a year ("2023"^^xsd:gYear), as precise as the'
                " source."
            ),
        ),
    ),
    case(
        "decided-in-not-a-document",
        Violation(
            "id/test/promise-2",
            "kgpub:decidedIn",
            (
                "What records the decision (kgpub:decidedIn) must be a described document "
                "(foaf:Document), for example the municipality's goals-and-budget document."
            ),
        ),
    ),
    case(
        "supports-vision-not-a-vision",
        Violation(
            "id/test/strategic-priority-2",
            "kgpub:supportsVision",
            (
                "What a priority or goal supports (kgpub:supportsVision) must be a vision "
                "(kgpub:Vision)."
            ),
        ),
    ),
    case(
        "rests-on-not-a-priority-area",
        Violation(
            "id/test/goals-2",
            "kgpub:restsOn",
            ("What goals rest on (kgpub:restsOn) must be a priority area or a strategic priority."),
        ),
    ),
    case(
        "bad-municipality-code",
        Violation(
            "id/test-2",
            "kgpub:municipalityCode",
            (
                "The municipality code must be the municipality's four digits from Statistics"
                ' Sweden (SCB), written as text, for example "0136" (with its leading zero).'
            ),
        ),
    ),
    case(
        "has-unit-not-a-unit",
        Violation(
            "id/test",
            "org:hasUnit",
            (
                "The municipality's bodies (org:hasUnit) must be organisational units "
                "(org:OrganizationalUnit), for example the municipal council or a committee."
            ),
        ),
    ),
    case(
        "municipality-vision-not-a-vision",
        Violation(
            "id/test",
            "kgpub:vision",
            ("The municipality's vision (kgpub:vision) must be a vision (kgpub:Vision)."),
        ),
    ),
    case(
        "municipality-promise-not-a-promise",
        Violation(
            "id/test",
            "kgpub:promise",
            (
                "The municipality's promise to residents (kgpub:promise) must be a promise "
                "(kgpub:Promise)."
            ),
        ),
    ),
    case(
        "county-board-homepage-as-text",
        Violation(
            "id/test/lansstyrelsen",
            "foaf:homepage",
            (
                "The homepage (foaf:homepage) must be a web address, for example "
                "<https://www.haninge.se/>, not text."
            ),
        ),
    ),
    case(
        "web-page-homepage-not-http",
        Violation(
            "id/test/lansstyrelsen",
            "foaf:homepage",
            "The homepage (foaf:homepage) must be a web address starting with http:// or https://.",
        ),
    ),
    case(
        "web-page-page-not-http",
        Violation(
            "id/test/lansstyrelsen",
            "foaf:page",
            "The page (foaf:page) must be a web address starting with http:// or https://.",
        ),
    ),
    case(
        "web-page-seealso-not-http",
        Violation(
            "id/test/lansstyrelsen",
            "rdfs:seeAlso",
            "The see also (rdfs:seeAlso) must be a web address starting with http:// or https://.",
        ),
    ),
    case(
        "web-page-landingpage-not-http",
        Violation(
            "id/test/lansstyrelsen",
            "dcat:landingPage",
            "The landing page (dcat:landingPage) must be a web address starting with http:// or https://.",
        ),
    ),
    case(
        "web-page-accessurl-not-http",
        Violation(
            "id/test/lansstyrelsen",
            "dcat:accessURL",
            "The access URL (dcat:accessURL) must be a web address starting with http:// or https://.",
        ),
    ),
    case(
        "web-page-downloadurl-not-http",
        Violation(
            "id/test/lansstyrelsen",
            "dcat:downloadURL",
            "The download URL (dcat:downloadURL) must be a web address starting with http:// or https://.",
        ),
    ),
    case(
        "committee-without-organisation",
        Violation(
            "id/test/committee-2",
            "org:unitOf",
            (
                "A council, executive board or committee must belong to exactly one "
                "organisation (org:unitOf), normally the municipality."
            ),
        ),
    ),
    case(
        "council-of-two-organisations",
        Violation(
            "id/test/council",
            "org:unitOf",
            (
                "A council, executive board or committee must belong to exactly one "
                "organisation (org:unitOf), normally the municipality."
            ),
        ),
    ),
    case(
        "executive-board-of-a-document",
        Violation(
            "id/test/board-2",
            "org:unitOf",
            (
                "A council, executive board or committee must belong to exactly one "
                "organisation (org:unitOf), normally the municipality."
            ),
        ),
    ),
    case(
        "vision-without-owner",
        Violation(
            "id/test/vision-2",
            "kgpub:owner",
            ("A vision must have exactly one owner: the organisation that adopted it."),
        ),
    ),
    case(
        "vision-horizon-year-not-a-year",
        Violation(
            "id/test/vision-2",
            "kgpub:horizonYear",
            ('The vision\'s horizon year must be a single year, written as "2035"^^xsd:gYear.'),
        ),
    ),
    case(
        "vision-statement-not-a-statement",
        Violation(
            "id/test/vision",
            "kgpub:hasStatement",
            (
                "The vision's statements (kgpub:hasStatement) must be vision statements "
                "(kgpub:VisionStatement)."
            ),
        ),
    ),
    case(
        "vision-area-not-an-area",
        Violation(
            "id/test/vision",
            "kgpub:hasArea",
            ("The vision's areas (kgpub:hasArea) must be vision areas (kgpub:VisionArea)."),
        ),
    ),
    case(
        "vision-statement-outside-a-vision",
        Violation(
            "id/test/vision-statement-2",
            "^kgpub:hasStatement",
            (
                "A vision statement must be part of a vision: the vision must point to it "
                "with kgpub:hasStatement."
            ),
        ),
    ),
    case(
        "vision-area-outside-a-vision",
        Violation(
            "id/test/vision-area-2",
            "^kgpub:hasArea",
            (
                "A vision area must be part of a vision: the vision must point to it with "
                "kgpub:hasArea."
            ),
        ),
    ),
    case(
        "promise-with-two-owners",
        Violation(
            "id/test/promise",
            "kgpub:owner",
            ("A promise to residents must have exactly one owner: the organisation that made it."),
        ),
    ),
    case(
        "promise-commitment-not-a-commitment",
        Violation(
            "id/test/promise",
            "kgpub:hasCommitment",
            (
                "The promise's points (kgpub:hasCommitment) must be promise commitments "
                "(kgpub:PromiseCommitment)."
            ),
        ),
    ),
    case(
        "promise-commitment-outside-a-promise",
        Violation(
            "id/test/promise-commitment-2",
            "^kgpub:hasCommitment",
            (
                "A promise commitment must be part of a promise: the promise must point to it"
                " with kgpub:hasCommitment."
            ),
        ),
    ),
    case(
        "priority-area-without-owner",
        Violation(
            "id/test/priority-area-2",
            "kgpub:owner|kgpub:definedIn",
            (
                "Say whose the priority area is (kgpub:owner) or which document sets it out "
                "(kgpub:definedIn), as the source does."
            ),
        ),
    ),
    case(
        "priority-area-defined-in-not-a-document",
        Violation(
            "id/test/priority-area",
            "kgpub:definedIn",
            (
                "What the priority is set out in (kgpub:definedIn) must be a described "
                "document (foaf:Document), for example the ruling majority's platform."
            ),
        ),
    ),
    case(
        "strategic-priority-without-period",
        Violation(
            "id/test/strategic-priority-2",
            "dcterms:temporal",
            (
                "A strategic priority must have exactly one period of validity "
                "(dcterms:temporal, a dcterms:PeriodOfTime with a start and end year)."
            ),
        ),
    ),
    case(
        "strategic-priority-without-decision",
        Violation(
            "id/test/strategic-priority-2",
            "kgpub:decidedBy",
            (
                "A strategic priority must say which body decided it (kgpub:decidedBy), "
                "normally the municipal council."
            ),
        ),
    ),
    case(
        "period-end-before-start",
        Violation(
            "id/test/period-2",
            "dcat:endDate",
            (
                "The period ends before it starts: the end (dcat:endDate) must not come "
                "before the start (dcat:startDate)."
            ),
        ),
    ),
    case(
        "period-end-before-start-same-year",
        Violation(
            "id/test/period-2",
            "dcat:endDate",
            (
                "The period ends before it starts: the end (dcat:endDate) must not come "
                "before the start (dcat:startDate)."
            ),
        ),
    ),
    case(
        "period-without-start-or-end",
        Violation(
            "id/test/period-2",
            "dcat:startDate|dcat:endDate",
            ("A period must have a start (dcat:startDate), an end (dcat:endDate) or both."),
        ),
    ),
    case(
        "period-start-as-text",
        Violation(
            "id/test/period-2",
            "dcat:startDate",
            (
                "A period has at most one start, and it must be a date (xsd:date), a month "
                '(xsd:gYearMonth) or a year ("2023"^^xsd:gYear).'
            ),
        ),
    ),
    case(
        "period-with-two-ends",
        Violation(
            "id/test/period",
            "dcat:endDate",
            (
                "A period has at most one end, and it must be a date (xsd:date), a month "
                '(xsd:gYearMonth) or a year ("2026"^^xsd:gYear).'
            ),
        ),
    ),
    case(
        "goal-set-with-two-owners",
        Violation(
            "id/test/goals",
            "kgpub:owner",
            ("A set of goals has exactly one owner: the organisation that adopted the goals."),
        ),
    ),
    case(
        "goal-set-top-concept-not-a-goal",
        Violation(
            "id/test/goals",
            "skos:hasTopConcept",
            (
                "The top goals of a set of goals (skos:hasTopConcept) must be goals "
                "(kgpub:Goal or skos:Concept)."
            ),
        ),
    ),
    case(
        "goal-without-owner",
        Violation(
            "id/test/goal-2",
            "kgpub:owner",
            ("A goal must have exactly one owner: the organisation that adopted it."),
        ),
    ),
    case(
        "goal-with-two-owners",
        Violation(
            "id/test/goal-2",
            "kgpub:owner",
            ("A goal must have exactly one owner: the organisation that adopted it."),
        ),
    ),
    case(
        "goal-outside-a-goal-set",
        Violation(
            "id/test/goal-2",
            "skos:inScheme",
            (
                "A goal must belong to a set of goals (skos:inScheme pointing at a "
                "skos:ConceptScheme), for example the municipal council's goals."
            ),
        ),
    ),
    case(
        "goal-top-of-a-goal",
        Violation(
            "id/test/goal-2",
            "skos:topConceptOf",
            ("A top goal (skos:topConceptOf) must point at a set of goals (skos:ConceptScheme)."),
        ),
    ),
    case(
        "goal-broader-not-a-goal",
        Violation(
            "id/test/goal-2",
            "skos:broader",
            (
                "A sub-goal can only belong to another goal: what skos:broader points at must"
                " be a goal (kgpub:Goal)."
            ),
        ),
    ),
    case(
        "goal-hierarchy-cycle",
        Violation(
            "id/test/goal-a",
            "skos:broader",
            (
                "The goal hierarchy goes round in a circle: a goal cannot be a sub-goal of "
                "itself, directly or through other goals."
            ),
        ),
        Violation(
            "id/test/goal-b",
            "skos:broader",
            (
                "The goal hierarchy goes round in a circle: a goal cannot be a sub-goal of "
                "itself, directly or through other goals."
            ),
        ),
    ),
    case(
        "goal-notation-as-link",
        Violation(
            "id/test/goal",
            "skos:notation",
            (
                "The goal's notation (skos:notation) must be a short text or number, for "
                'example "1.2".'
            ),
        ),
    ),
    case(
        "goal-match-as-text",
        Violation(
            "id/test/goal",
            "skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch",
            (
                "A link to a national or international goal (skos:closeMatch and the like) "
                "must point at that goal's web address, not be text."
            ),
        ),
    ),
    case(
        "target-without-value",
        Violation(
            "id/test/target-2",
            "kgpub:targetValue",
            (
                "A target must have exactly one value to reach (kgpub:targetValue), written "
                'as a decimal number, for example "75.0"^^xsd:decimal.'
            ),
        ),
    ),
    case(
        "target-without-unit",
        Violation(
            "id/test/target-2",
            "kgpub:unit",
            (
                "A target must have exactly one unit (kgpub:unit), written as text, for "
                'example "procent" (percent).'
            ),
        ),
    ),
    case(
        "target-baseline-as-text",
        Violation(
            "id/test/target-2",
            "kgpub:baselineValue",
            (
                "A target has at most one baseline value (kgpub:baselineValue), written as a "
                "decimal number."
            ),
        ),
    ),
    case(
        "target-baseline-year-not-a-year",
        Violation(
            "id/test/target-2",
            "kgpub:baselineYear",
            (
                "A target has at most one baseline year (kgpub:baselineYear), written as "
                '"2022"^^xsd:gYear.'
            ),
        ),
    ),
    case(
        "target-without-target-year",
        Violation(
            "id/test/target-2",
            "kgpub:targetYear",
            (
                "A target must have exactly one target year (kgpub:targetYear), written as "
                '"2030"^^xsd:gYear.'
            ),
        ),
    ),
    case(
        "target-year-before-baseline",
        Violation(
            "id/test/target-2",
            "kgpub:targetYear",
            ("The target year must not come before the baseline year."),
        ),
    ),
    case(
        "indicator-measuring-a-non-goal",
        Violation(
            "id/test/indicator-2",
            "kgpub:measures",
            (
                "An indicator must measure at least one goal: kgpub:measures must point at a "
                "goal or target (kgpub:Goal)."
            ),
        ),
    ),
    case(
        "indicator-with-two-units",
        Violation(
            "id/test/indicator",
            "kgpub:unit",
            (
                "An indicator has at most one unit (kgpub:unit), written as text, for example"
                ' "procent" (percent).'
            ),
        ),
    ),
    case(
        "budget-without-owner",
        Violation(
            "id/test/budget-2025",
            "kgpub:owner",
            ("A budget must have exactly one owner: the organisation whose budget it is."),
        ),
    ),
    case(
        "budget-without-year",
        Violation(
            "id/test/budget-2025",
            "kgpub:fiscalYear",
            (
                "A budget must apply to exactly one fiscal year (kgpub:fiscalYear), written "
                'as "2024"^^xsd:gYear.'
            ),
        ),
    ),
    case(
        "budget-allocation-not-an-allocation",
        Violation(
            "id/test/budget",
            "kgpub:hasAllocation",
            (
                "The budget's allocations (kgpub:hasAllocation) must be budget allocations "
                "(kgpub:BudgetAllocation)."
            ),
        ),
    ),
    case(
        "allocation-without-amount",
        Violation(
            "id/test/allocation-2",
            "kgpub:amount",
            ("A budget allocation must have exactly one amount (kgpub:amount)."),
        ),
    ),
    case(
        "negative-amount",
        Violation(
            "id/test/allocation-2",
            "kgpub:amount",
            ("An allocation cannot be negative: the amount must be 0 or more."),
        ),
    ),
    case(
        "amount-as-string",
        Violation(
            "id/test/allocation-2",
            "kgpub:amount",
            (
                "The amount must be a number of kronor (not millions), written as "
                '"144000000"^^xsd:decimal. The amount as the source writes it belongs in '
                "kgpub:amountAsStated."
            ),
        ),
    ),
    case(
        "allocation-without-currency",
        Violation(
            "id/test/allocation-2",
            "kgpub:currency",
            (
                "A budget allocation must have exactly one currency (kgpub:currency), "
                'normally "SEK".'
            ),
        ),
    ),
    case(
        "wrong-currency-code",
        Violation(
            "id/test/allocation-2",
            "kgpub:currency",
            (
                "The currency must be given as its ISO 4217 code, three capital letters as "
                'text, for example "SEK" (not "kr" or "sek").'
            ),
        ),
    ),
    case(
        "allocation-without-year",
        Violation(
            "id/test/allocation-2",
            "kgpub:fiscalYear",
            ("A budget allocation must apply to exactly one fiscal year (kgpub:fiscalYear)."),
        ),
    ),
    case(
        "allocation-year-not-a-year",
        Violation(
            "id/test/allocation-2",
            "kgpub:fiscalYear",
            ('The fiscal year must be a year, written as "2024"^^xsd:gYear.'),
        ),
    ),
    case(
        "allocation-year-differs-from-budget",
        Violation(
            "id/test/allocation-2",
            "kgpub:fiscalYear",
            (
                "The allocation's fiscal year does not match its budget's: an allocation must"
                " apply to the same year as the budget it is part of."
            ),
        ),
    ),
    case(
        "two-recipients",
        Violation(
            "id/test/allocation",
            "kgpub:recipient",
            (
                "A budget allocation must go to exactly one recipient (kgpub:recipient): a "
                "committee or board. An allocation shared by several must be split into one "
                "allocation per recipient."
            ),
        ),
    ),
    case(
        "recipient-not-a-unit",
        Violation(
            "id/test/allocation-2",
            "kgpub:recipient",
            (
                "The recipient of an allocation must be one of the municipality's bodies "
                "(org:OrganizationalUnit), for example a committee or the executive board."
            ),
        ),
    ),
    case(
        "amount-as-stated-without-language",
        Violation(
            "id/test/allocation",
            "kgpub:amountAsStated",
            (
                "The amount as stated (kgpub:amountAsStated) must be the source's text with "
                'its language, for example "144,0 miljoner kronor"@sv.'
            ),
        ),
    ),
    case(
        "allocation-outside-a-budget",
        Violation(
            "id/test/allocation-2",
            "^kgpub:hasAllocation",
            (
                "A budget allocation must be part of exactly one budget: the budget must "
                "point to it with kgpub:hasAllocation."
            ),
        ),
    ),
    case(
        "alignment-without-local-goal",
        Violation(
            "id/test/alignment-2",
            "kgpub:localGoal",
            ("An alignment must concern exactly one local goal (kgpub:localGoal)."),
        ),
    ),
    case(
        "alignment-local-goal-not-a-goal",
        Violation(
            "id/test/alignment-2",
            "kgpub:localGoal",
            ("The local goal of an alignment must be a goal (kgpub:Goal)."),
        ),
    ),
    case(
        "alignment-without-objective",
        Violation(
            "id/test/alignment-2",
            "kgpub:objective",
            (
                "An alignment must point at exactly one national or international objective "
                "or set of objectives (kgpub:objective), described as a kgpub:Goal, "
                "skos:Concept or skos:ConceptScheme."
            ),
        ),
    ),
    case(
        "alignment-with-unknown-relation",
        Violation(
            "id/test/alignment-2",
            "kgpub:mappingRelation",
            (
                "An alignment must name exactly one relation (kgpub:mappingRelation): a SKOS "
                "mapping (skos:exactMatch, skos:closeMatch, skos:broadMatch, skos:narrowMatch "
                "or skos:relatedMatch) to a goal, or kgpub:inLineWith to a whole set of goals."
            ),
        ),
    ),
    case(
        "alignment-without-basis",
        Violation(
            "id/test/alignment-2",
            "kgpub:basis",
            (
                "An alignment must give its basis (kgpub:basis): whether the source states "
                "the link (kgpub:StatedBySource) or it is an interpretation "
                "(kgpub:InterpretedLink)."
            ),
        ),
    ),
    case(
        "alignment-with-unknown-basis",
        Violation(
            "id/test/alignment-2",
            "kgpub:basis",
            (
                "The basis of an alignment must be kgpub:StatedBySource (the source states "
                "the link) or kgpub:InterpretedLink (kgpub's interpretation)."
            ),
        ),
    ),
    case(
        "regional-role-without-holder",
        Violation(
            "id/test/role-2",
            "kgpub:heldBy",
            (
                "A regional role must be held by exactly one organisation (kgpub:heldBy), for"
                " example a county administrative board."
            ),
        ),
    ),
    case(
        "regional-role-responsibility-not-a-responsibility",
        Violation(
            "id/test/role",
            "kgpub:hasResponsibility",
            (
                "The role's tasks (kgpub:hasResponsibility) must be described "
                "responsibilities (kgpub:Responsibility)."
            ),
        ),
    ),
    case(
        "regional-role-concerns-a-document",
        Violation(
            "id/test/role",
            "kgpub:concerns",
            (
                "What a role concerns (kgpub:concerns) must be goals or sets of goals "
                "(kgpub:Goal, skos:Concept or skos:ConceptScheme)."
            ),
        ),
    ),
    case(
        "responsibility-outside-a-role",
        Violation(
            "id/test/responsibility-2",
            "^kgpub:hasResponsibility",
            (
                "A responsibility must be part of a role: the role must point to it with "
                "kgpub:hasResponsibility."
            ),
        ),
    ),
    case(
        "document-without-title",
        Violation(
            "id/test/document-2",
            "dcterms:title|rdfs:label",
            (
                "A source document must have a title (dcterms:title) or, where the source "
                "does not give its title, at least a name (rdfs:label) that says which "
                "document it is."
            ),
        ),
    ),
    case(
        "document-title-as-link",
        Violation(
            "id/test/document-2",
            "dcterms:title",
            (
                "The document's title (dcterms:title) must be text, preferably with its "
                'language, for example "Mål och budget 2024"@sv.'
            ),
        ),
    ),
    case(
        "document-with-two-swedish-titles",
        Violation(
            "id/test/source",
            "dcterms:title",
            ("A source document has only one title per language."),
        ),
    ),
    case(
        "document-format-as-text",
        Violation(
            "id/test/source",
            "dcterms:format",
            (
                "The document's format (dcterms:format) must be a web address from a list of "
                "formats, for example "
                "<http://publications.europa.eu/resource/authority/file-type/PDF>, not text."
            ),
        ),
    ),
    case(
        "document-with-two-sizes",
        Violation(
            "id/test/source",
            "kgpub:statedSize",
            (
                "The document's size (kgpub:statedSize) is given once, as text exactly as the"
                ' source writes it, for example "441.3 kB".'
            ),
        ),
    ),
    case(
        "document-publisher-not-an-organisation",
        Violation(
            "id/test/document-2",
            "dcterms:publisher",
            (
                "The document's publisher (dcterms:publisher) must be an organisation, for "
                "example the municipality."
            ),
        ),
    ),
    case(
        "document-date-as-text",
        Violation(
            "id/test/document-2",
            "dcterms:issued|dcterms:modified|dcterms:created",
            (
                "The document's dates (dcterms:issued, dcterms:modified, dcterms:created) "
                'must be a date ("2024-04-04"^^xsd:date), a month or a year.'
            ),
        ),
    ),
    case(
        "alignment-not-stated-directly",
        Violation(
            "id/test/alignment-2",
            "kgpub:objective",
            (
                "The alignment is missing as a direct link: the local goal must also point at"
                " the objective with the mapping the alignment names (for example "
                "skos:closeMatch)."
            ),
        ),
    ),
    case(
        "priority-area-with-two-owners",
        Violation(
            "id/test/priority-area-2",
            "kgpub:owner",
            (
                "A priority area or strategic priority has at most one owner: the "
                "organisation behind it, as the source says."
            ),
        ),
    ),
    case(
        "supports-area-not-a-vision-area",
        Violation(
            "id/test/priority-area-2",
            "kgpub:supportsArea",
            "What a priority supports (kgpub:supportsArea) must be an area of a vision "
            "(kgpub:VisionArea).",
        ),
    ),
    case(
        "mapping-to-a-concept-scheme",
        Violation(
            "id/test/goal-2",
            "skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch",
            (
                "A SKOS mapping (skos:closeMatch, skos:relatedMatch and the like) links a goal "
                "to another goal, not to a whole set of goals (skos:ConceptScheme). Link the "
                "goal to the set with kgpub:inLineWith instead."
            ),
        ),
    ),
    case(
        "stated-amount-as-text",
        Violation(
            "id/test/allocation",
            "kgpub:statedAmount",
            (
                "The number the source states (kgpub:statedAmount) is a single decimal number "
                'with a point, for example "252.9"^^xsd:decimal for “252,9 miljoner kronor”.'
            ),
        ),
    ),
    case(
        "stated-amount-without-multiplier",
        Violation(
            "id/test/allocation",
            "sdmx-attribute:unitMult",
            (
                "Give the source's scale as a power of ten (sdmx-attribute:unitMult), a whole "
                "number: 6 for “miljoner” (millions), 3 for “tusen” (thousands), 0 for whole "
                "kronor."
            ),
        ),
    ),
    case(
        "stated-amount-without-decimals",
        Violation(
            "id/test/allocation",
            "sdmx-attribute:decimals",
            (
                "Give how many decimals the source writes (sdmx-attribute:decimals), a whole "
                "number: 1 for “252,9 miljoner kronor”."
            ),
        ),
    ),
    case(
        "stated-amount-not-matching-amount",
        Violation(
            "id/test/allocation",
            "kgpub:amount",
            (
                "The amount in kronor (kgpub:amount) does not match the source's number and "
                "scale: it must be kgpub:statedAmount times 10 to the power "
                "sdmx-attribute:unitMult, for example 252.9 × 10⁶ = 252900000."
            ),
        ),
    ),
    case(
        "bad-county-code",
        Violation(
            "id/test/county-2",
            "kgpub:countyCode",
            (
                "The county code must be the county's two digits from Statistics Sweden (SCB),"
                ' written as text, for example "01" (with its leading zero).'
            ),
        ),
    ),
    case(
        "municipality-county-not-a-county",
        Violation(
            "id/test-2",
            "kgpub:county",
            (
                "A municipality lies within at most one county (kgpub:county), and it must be a "
                "described county (kgpub:County), for example <id/se/county/stockholms-lan>."
            ),
        ),
    ),
]


# --- the published data --------------------------------------------------------------------


@pytest.mark.parametrize("ontology_as", ["ont_graph", "merged"])
def test_published_data_conforms(ontology_as: str) -> None:
    data_files = sorted((ROOT / "data").glob("*.ttl"))
    assert data_files, "no data/*.ttl to validate"
    data = parse_turtle(*data_files)
    started = time.perf_counter()
    report = validate(data, ontology_as=ontology_as)
    seconds = time.perf_counter() - started
    print(f"validated {len(data)} triples from {len(data_files)} files in {seconds:.2f} s")
    assert report.conforms, report.text
    # A generous bound (about 0.3 ms per triple today): it catches a runaway query.
    assert seconds < 5 + len(data) / 500


# --- the fixtures ------------------------------------------------------------------------


@pytest.mark.parametrize("ontology_as", ["ont_graph", "merged"])
def test_the_context_fixture_conforms(ontology_as: str) -> None:
    report = validate(parse_turtle(FIXTURES / "_context.ttl"), ontology_as=ontology_as)
    assert report.conforms, report.text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_a_mistake_is_reported_in_plain_words(case: Case) -> None:
    report = validate_fixture(case.fixture)
    assert not report.conforms
    assert report.violations() == sorted(case.expected, key=repr), report.text
    for result in report.results:
        assert result.message_sv, f"{result.shape} has no Swedish message"


@pytest.mark.parametrize(
    "fixture", sorted(p.stem for p in (FIXTURES / "valid").glob("*.ttl")), ids=str
)
def test_an_edge_case_that_is_not_a_mistake_conforms(fixture: str) -> None:
    report = validate_fixture(fixture, FIXTURES / "valid")
    assert report.conforms, report.text


def test_every_invalid_fixture_has_a_case_and_every_case_a_fixture() -> None:
    files = {p.stem for p in FIXTURES.glob("*.ttl")} - {"_context"}
    names = [c.fixture for c in CASES]
    assert len(names) == len(set(names)), "a fixture is listed twice"
    assert files == set(names)


def test_required_cases_are_covered() -> None:
    required = {
        "goal-without-owner",
        "goal-with-two-owners",
        "missing-swedish-label",
        "two-swedish-labels",
        "allocation-without-amount",
        "negative-amount",
        "amount-as-string",
        "wrong-currency-code",
        "two-recipients",
        "recipient-not-a-unit",
        "allocation-year-differs-from-budget",
        "goal-hierarchy-cycle",
        "period-end-before-start",
        "strategic-priority-without-period",
        "bad-municipality-code",
        "vision-horizon-year-not-a-year",
        "indicator-measuring-a-non-goal",
        "alignment-without-basis",
        "document-without-title",
    }
    assert required <= {c.fixture for c in CASES}


# --- the shapes themselves -------------------------------------------------------------------


def property_shapes(graph: Graph) -> set[URIRef]:
    return {s for s in graph.objects(None, SH.property) if isinstance(s, URIRef)}


def node_shapes(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}


def test_every_property_shape_is_shown_failing_by_a_fixture() -> None:
    reported = {r.shape for c in CASES for r in validate_fixture(c.fixture).results}
    defined = {str(s).removeprefix(BASE + "shapes#") for s in property_shapes(shapes())}
    assert defined - reported == set()


def test_every_shape_speaks_swedish_and_english() -> None:
    graph = shapes()
    checked = node_shapes(graph) | property_shapes(graph)
    # the premise: the shapes are found (a namespace or base mix-up would find none)
    kgsh = BASE + "shapes#"
    assert {URIRef(kgsh + "GoalShape"), URIRef(kgsh + "Goal-owner")} <= checked
    assert len(node_shapes(graph)) >= 20 and len(property_shapes(graph)) >= 80, len(checked)
    for shape in checked:
        messages = list(graph.objects(shape, SH.message))
        assert sorted(m.language for m in messages) == ["en", "sv"], shape
        name = SH.name if shape in property_shapes(graph) else RDFS.label
        assert sorted(n.language for n in graph.objects(shape, name)) == ["en", "sv"], shape


def test_every_class_the_data_can_use_has_a_node_shape() -> None:
    graph = shapes()
    targeted = set(graph.objects(None, SH.targetClass))
    kgpub = URIRef(BASE + "ontology#")
    classes = {
        c
        for c in ontology().subjects(RDF.type, OWL.Class)
        if c.startswith(kgpub) and c != URIRef(kgpub + "AlignmentBasis")
    }
    # kgpub:AlignmentBasis has only the ontology's own two individuals (checked with sh:in);
    # sets of goals are targeted when they have an owner (kgsh:InstancesWithPropertyTarget).
    assert classes | {FOAF.Document, DCTERMS.PeriodOfTime} <= targeted


def test_shapes_follow_the_configured_base() -> None:
    other = "https://data.example.se/strategi/"
    graph = shapes(other)
    assert not [t for t in graph if any(str(term).startswith(BASE) for term in t)]
    context = FIXTURES / "_context.ttl"
    assert validate(parse_turtle(context, base=other), base=other).conforms
    report = validate(
        parse_turtle(context, FIXTURES / "goal-without-owner.ttl", base=other), base=other
    )
    assert report.violations() == [
        Violation(
            "id/test/goal-2",
            "kgpub:owner",
            "A goal must have exactly one owner: the organisation that adopted it.",
        )
    ]
