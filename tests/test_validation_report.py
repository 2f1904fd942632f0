"""Validation reports say, in plain words, which node in which file and line breaks which rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from kgpub.config import Settings
from kgpub.errors import InvalidShapes
from kgpub.publish.sources import load_snapshot
from kgpub.publish.validate import ValidationReport, Violation, validate, validate_graph

BASE = "https://w3id.org/kgpub/"
FixtureSettings = Callable[..., Settings]

SHAPES_PREFIXES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix kgpub: <ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""


def report_for(fixture_settings: FixtureSettings, name: str) -> ValidationReport:
    return validate(load_snapshot(fixture_settings(name)))


def turtle(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle", publicID=BASE)


def test_conforming_data_gets_a_one_line_summary(fixture_settings: FixtureSettings) -> None:
    report = report_for(fixture_settings, "mini")

    assert report.conforms
    assert report.violations == []
    assert report.format_text() == "All 2 data files conform to the shapes (17 triples)\n"


def test_the_text_report_names_file_line_node_property_and_reason(
    fixture_settings: FixtureSettings,
) -> None:
    settings = fixture_settings("violating")

    report = validate(load_snapshot(settings))

    assert not report.conforms
    assert report.format_text(settings.root) == (
        "data/haninge.ttl:12: <https://w3id.org/kgpub/id/haninge/goal/tryggare-invanare>\n"
        "  kgpub:owner: A goal must have exactly one owner organisation (found 0).\n"
        "\n"
        "data/haninge.ttl:17: <https://w3id.org/kgpub/id/haninge/goal/hallbar-tillvaxt>\n"
        "  kgpub:targetYear: The value must be a valid literal of datatype xsd:gYear.\n"
        '    value: "snart"\n'
        "\n"
        "data/haninge.ttl:17: warning: <https://w3id.org/kgpub/id/haninge/goal/hallbar-tillvaxt>\n"
        "  dcterms:description: A goal should have a description (found 0).\n"
        "\n"
        "data/haninge.ttl:21: [] (the kgpub:target of "
        "<https://w3id.org/kgpub/id/haninge/goal/hallbar-tillvaxt>)\n"
        "  rdfs:label: Needs at least 1 value (found 0).\n"
        "\n"
        "3 violations, 1 warning in 1 file\n"
    )


def test_each_result_carries_structured_fields(fixture_settings: FixtureSettings) -> None:
    report = report_for(fixture_settings, "violating")

    owner = next(v for v in report.violations if v.path == "kgpub:owner")

    assert owner == Violation(
        severity="Violation",
        focus_node=f"{BASE}id/haninge/goal/tryggare-invanare",
        path="kgpub:owner",
        value=None,
        message="A goal must have exactly one owner organisation (found 0).",
        shape=f"<{BASE}shapes#GoalShape> (property kgpub:owner)",
        source_files=["data/haninge.ttl"],
        line=12,
        constraint="sh:MinCountConstraintComponent",
        focus_kind="iri",
    )


def test_subclasses_from_the_ontology_are_targeted(fixture_settings: FixtureSettings) -> None:
    # tryggare-invanare is a kgpub:StrategicGoal, a subclass of the targeted kgpub:Goal.
    report = report_for(fixture_settings, "violating")

    assert any(v.focus_node.endswith("tryggare-invanare") for v in report.violations)


def test_warnings_alone_do_not_fail() -> None:
    shapes = turtle(
        SHAPES_PREFIXES
        + "[] a sh:NodeShape ; sh:targetClass kgpub:Goal ; sh:property [ sh:path skos:note ;"
        " sh:minCount 1 ; sh:severity sh:Warning ] ."
    )
    data = turtle("<id/g> a <ontology#Goal> .")

    report = validate_graph(data, shapes)

    assert report.conforms
    assert [v.severity for v in report.violations] == ["Warning"]
    assert report.summary() == ("All 0 data files conform to the shapes (1 triple), with 1 warning")


@pytest.mark.parametrize(
    ("constraint", "data", "message"),
    [
        ("sh:maxCount 1", '"a", "b"', "Allows at most 1 value (found 2)."),
        (
            "sh:datatype xsd:integer",
            '"x"',
            "The value must be a valid literal of datatype xsd:integer.",
        ),
        ("sh:nodeKind sh:IRI", '"x"', "The value must be an IRI."),
        ("sh:minLength 3", '"ab"', "The value must be at least 3 characters long."),
        ('sh:pattern "^[a-z]+$"', '"A1"', "The value must match the pattern '^[a-z]+$'."),
        ('sh:in ( "a" "b" )', '"c"', 'The value must be one of "a", "b".'),
        ('sh:languageIn ( "sv" "en" )', '"x"@de', "The language tag must be one of sv, en."),
        ("sh:maxInclusive 10", "11", 'The value must be at most "10"^^xsd:integer.'),
    ],
)
def test_a_plain_sentence_is_made_up_when_the_shape_has_no_message(
    constraint: str, data: str, message: str
) -> None:
    shapes = turtle(
        SHAPES_PREFIXES + f"[] a sh:NodeShape ; sh:targetClass kgpub:Goal ;"
        f" sh:property [ sh:path skos:note ; {constraint} ] ."
    )

    report = validate_graph(turtle(f"<id/g> a <ontology#Goal> ; <{SKOS_NOTE}> {data} ."), shapes)

    assert [v.message for v in report.violations] == [message]


SKOS_NOTE = "http://www.w3.org/2004/02/skos/core#note"


def test_the_english_message_is_preferred_over_other_languages() -> None:
    shapes = turtle(
        SHAPES_PREFIXES
        + "[] a sh:NodeShape ; sh:targetClass kgpub:Goal ; sh:property [ sh:path skos:note ;"
        ' sh:minCount 1 ; sh:message "Ett mål behöver en anteckning"@sv,'
        ' "A goal needs a note"@en ] .'
    )

    report = validate_graph(turtle("<id/g> a <ontology#Goal> ."), shapes)

    assert [v.message for v in report.violations] == ["A goal needs a note (found 0)."]


def test_sparql_constraints_run_in_advanced_mode() -> None:
    shapes = turtle(
        SHAPES_PREFIXES
        + """
[] a sh:NodeShape ; sh:targetClass kgpub:Goal ;
   sh:sparql [ sh:message "A goal may not be its own broader goal" ;
               sh:select "SELECT $this WHERE { $this skos:broader $this }" ;
               sh:prefixes [ sh:declare [ sh:prefix "skos" ;
                   sh:namespace "http://www.w3.org/2004/02/skos/core#"^^xsd:anyURI ] ] ] .
"""
    )

    report = validate_graph(
        turtle("<id/g> a <ontology#Goal> ; <http://www.w3.org/2004/02/skos/core#broader> <id/g> ."),
        shapes,
    )

    assert [(v.focus_node, v.message) for v in report.violations] == [
        (f"{BASE}id/g", "A goal may not be its own broader goal.")
    ]


def test_json_report_has_summary_counts_and_results(fixture_settings: FixtureSettings) -> None:
    report = report_for(fixture_settings, "violating")

    data = json.loads(json.dumps(report.to_dict()))

    assert data["conforms"] is False
    assert data["summary"] == "3 violations, 1 warning in 1 file"
    assert (data["violations_count"], data["warnings_count"]) == (3, 1)
    assert data["data_files"] == ["data/haninge.ttl"]
    assert data["violations"][0]["source_files"] == ["data/haninge.ttl"]
    assert data["violations"][0]["line"] == 12


def test_unusable_shapes_are_reported_as_such() -> None:
    shapes = turtle(
        SHAPES_PREFIXES + "[] a sh:NodeShape ; sh:targetClass kgpub:Goal ; sh:minCount 1 ;"
        ' sh:property [ sh:path skos:note ; sh:minCount "many" ] .'
    )

    with pytest.raises(InvalidShapes, match="the shapes cannot be used"):
        validate_graph(turtle("<id/g> a <ontology#Goal> ."), shapes)


def test_lines_are_found_for_prefixed_full_and_relative_iris(tmp_path: Path) -> None:
    for name, content in {
        "ontology/kgpub.ttl": "",
        "shapes/kgpub-shapes.ttl": SHAPES_PREFIXES
        + "[] a sh:NodeShape ; sh:targetClass kgpub:Goal ;"
        " sh:property [ sh:path skos:note ; sh:minCount 1 ] .",
        "data/a.ttl": (
            "@prefix kgpub: <ontology#> .\n"
            "@prefix hng: <id/haninge/goal/> .\n"
            "\n"
            "<id/x> kgpub:about hng:first .\n"  # mentioned before it is described
            "hng:first a kgpub:Goal .\n"
            "<id/haninge/goal/second> a kgpub:Goal .\n"
            f"<{BASE}id/haninge/goal/third> a kgpub:Goal .\n"
        ),
    }.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")

    report = validate(load_snapshot(Settings.load(root=tmp_path, env={})))

    assert [(v.focus_node.rsplit("/", 1)[-1], v.location()) for v in report.violations] == [
        ("first", "data/a.ttl:5"),
        ("second", "data/a.ttl:6"),
        ("third", "data/a.ttl:7"),
    ]
