"""Loading Turtle sources: graphs per file, relative IRIs, and syntax errors with file:line:col."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from kgpub.config import Settings
from kgpub.errors import SourceNotFound, SyntaxErrors, SyntaxProblem
from kgpub.publish.sources import Source, discover_sources, load_snapshot, parse_source

BASE = "https://w3id.org/kgpub/"
FixtureSettings = Callable[..., Settings]


def make_project(root: Path, files: dict[str, str | bytes]) -> Settings:
    """A project in ``root`` with an empty ontology and shapes plus the given files."""
    for name, content in {
        "ontology/kgpub.ttl": "",
        "shapes/kgpub-shapes.ttl": "",
        **files,
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (root / "data").mkdir(exist_ok=True)
    return Settings.load(root=root, env={})


def problems_of(settings: Settings) -> list[str]:
    with pytest.raises(SyntaxErrors) as caught:
        load_snapshot(settings)
    return [str(p) for p in caught.value.problems]


# -- sources and graphs -------------------------------------------------------------------------


def test_each_data_file_is_one_named_graph_and_ontology_and_shapes_have_their_own(
    tmp_path: Path,
) -> None:
    settings = make_project(
        tmp_path, {"data/haninge.ttl": "", "data/sweden/objectives.ttl": "", "data/a.ttl": ""}
    )

    sources = discover_sources(settings)

    assert [(s.kind, s.graph_iri, settings.relative(s.path)) for s in sources] == [
        ("ontology", f"{BASE}ontology", "ontology/kgpub.ttl"),
        ("shapes", f"{BASE}shapes", "shapes/kgpub-shapes.ttl"),
        ("data", f"{BASE}graph/a", "data/a.ttl"),
        ("data", f"{BASE}graph/haninge", "data/haninge.ttl"),
        ("data", f"{BASE}graph/sweden/objectives", "data/sweden/objectives.ttl"),
    ]


def test_paths_given_explicitly_replace_the_data_directory(tmp_path: Path) -> None:
    settings = make_project(tmp_path, {"data/a.ttl": "", "data/b.ttl": "", "other/c.ttl": ""})

    sources = discover_sources(settings, [tmp_path / "data" / "b.ttl", tmp_path / "other"])

    assert [s.graph_iri for s in sources if s.kind == "data"] == [
        f"{BASE}graph/b",
        f"{BASE}graph/c",
    ]


def test_a_missing_source_is_reported_with_the_setting_that_names_it(tmp_path: Path) -> None:
    settings = make_project(tmp_path, {})
    (tmp_path / "shapes" / "kgpub-shapes.ttl").unlink()

    with pytest.raises(SourceNotFound) as caught:
        load_snapshot(settings)

    assert str(caught.value) == (
        "shapes/kgpub-shapes.ttl: no such file or directory (setting 'shapes')"
    )


def test_a_missing_path_on_the_command_line_is_reported(tmp_path: Path) -> None:
    settings = make_project(tmp_path, {})

    with pytest.raises(SourceNotFound, match=r"data/nope\.ttl: no such file or directory"):
        load_snapshot(settings, [tmp_path / "data" / "nope.ttl"])


def test_relative_iris_resolve_against_the_configured_base(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path,
        {
            "data/haninge.ttl": (
                "@prefix kgpub: <ontology#> .\n"
                "@prefix hng: <id/haninge/goal/> .\n"
                "<id/haninge> kgpub:hasGoal hng:tryggare-invanare .\n"
            )
        },
    )
    custom = Settings.load(root=tmp_path, env={"KGPUB_BASE_IRI": "http://example.org/kg/"})

    default_graph = parse_source(discover_sources(settings)[-1], settings.base_iri)
    custom_snapshot = load_snapshot(custom)

    assert set(default_graph) == {
        (
            URIRef(f"{BASE}id/haninge"),
            URIRef(f"{BASE}ontology#hasGoal"),
            URIRef(f"{BASE}id/haninge/goal/tryggare-invanare"),
        )
    }
    graph = custom_snapshot.data.graph(URIRef("http://example.org/kg/graph/haninge"))
    assert set(graph) == {
        (
            URIRef("http://example.org/kg/id/haninge"),
            URIRef("http://example.org/kg/ontology#hasGoal"),
            URIRef("http://example.org/kg/id/haninge/goal/tryggare-invanare"),
        )
    }


def test_literals_keep_language_and_datatype_and_plain_strings_stay_plain(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path,
        {
            "data/a.ttl": (
                "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
                '<id/a> skos:prefLabel "Trygghet"@sv ; skos:note "plain" ; skos:notation 7 .\n'
            )
        },
    )

    graph = load_snapshot(settings).data.graph(URIRef(f"{BASE}graph/a"))
    subject = URIRef(f"{BASE}id/a")

    assert graph.value(subject, SKOS.prefLabel) == Literal("Trygghet", lang="sv")
    assert graph.value(subject, SKOS.note) == Literal("plain")
    assert graph.value(subject, SKOS.notation) == Literal(7)


def test_blank_nodes_with_the_same_label_in_two_files_stay_distinct(tmp_path: Path) -> None:
    turtle = '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n_:t rdfs:label "{}" .\n'
    settings = make_project(
        tmp_path, {"data/a.ttl": turtle.format("A"), "data/b.ttl": turtle.format("B")}
    )

    union = load_snapshot(settings).union_data()

    subjects = set(union.subjects())
    assert len(subjects) == 2
    assert all(isinstance(s, BNode) for s in subjects)


def test_an_empty_file_is_allowed_and_has_no_triples(tmp_path: Path) -> None:
    settings = make_project(tmp_path, {"data/empty.ttl": ""})

    snapshot = load_snapshot(settings)

    assert snapshot.data_triple_count() == 0
    assert [s.graph_iri for s in snapshot.data_sources] == [f"{BASE}graph/empty"]


def test_the_snapshot_knows_which_files_describe_a_subject(
    fixture_settings: FixtureSettings,
) -> None:
    settings = fixture_settings("mini")

    snapshot = load_snapshot(settings)

    goal = URIRef(f"{BASE}id/haninge/goal/tryggare-invanare")
    assert [settings.relative(s.path) for s in snapshot.sources_of(goal)] == ["data/haninge.ttl"]
    assert (goal, RDF.type, URIRef(f"{BASE}ontology#StrategicGoal")) in snapshot.union_data()
    assert len(snapshot.ontology) > 0 and len(snapshot.shapes) > 0
    assert snapshot.loaded_at.tzinfo == UTC


def test_the_digest_is_stable_and_changes_when_a_file_changes(tmp_path: Path) -> None:
    settings = make_project(tmp_path, {"data/a.ttl": "<id/a> <ontology#p> 1 .\n"})

    first = load_snapshot(settings).digest
    again = load_snapshot(settings).digest
    (tmp_path / "data" / "a.ttl").write_text("<id/a> <ontology#p> 2 .\n", encoding="utf-8")
    changed = load_snapshot(settings).digest

    assert first == again
    assert changed != first
    assert len(first) == 64


def test_quads_carry_the_graph_of_their_source(fixture_settings: FixtureSettings) -> None:
    snapshot = load_snapshot(fixture_settings("mini"))

    graphs = {str(q.graph_name) for q in snapshot.quads()}
    total = sum(1 for _ in snapshot.quads())

    assert graphs == {
        f"<{BASE}ontology>",
        f"<{BASE}shapes>",
        f"<{BASE}graph/haninge>",
        f"<{BASE}graph/sweden>",
    }
    assert total == len(snapshot.ontology) + len(snapshot.shapes) + snapshot.data_triple_count()


# -- syntax errors ------------------------------------------------------------------------------


def test_a_missing_final_dot_points_at_the_end_of_the_unfinished_statement(
    fixture_settings: FixtureSettings,
) -> None:
    settings = fixture_settings("broken")
    source = Source(settings.resolve("data/x.ttl"), f"{BASE}graph/x", "data")

    with pytest.raises(SyntaxProblem) as caught:
        parse_source(source, settings.base_iri, settings.root)

    assert str(caught.value) == (
        "data/x.ttl:4:32: expected '.' at the end of the statement "
        "(the next statement starts at line 6 with '<id/haninge/goal/trygghet>')"
    )
    assert (caught.value.line, caught.value.column) == (4, 32)


def test_a_missing_dot_at_the_end_of_the_file(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path,
        {"data/x.ttl": "@prefix org: <http://www.w3.org/ns/org#> .\n\n<id/a> a org:Organization\n"},
    )

    assert problems_of(settings) == [
        "data/x.ttl:3:26: unexpected end of file after 'org:Organization': "
        "the statement is not finished (missing '.'?)"
    ]


def test_an_undefined_prefix_points_at_the_prefixed_name(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path,
        {
            "data/y.ttl": (
                "@prefix kgpub: <ontology#> .\n"
                "\n"
                "<id/a> a kgpub:Goal ;\n"
                '    skos:prefLabel "Mål"@sv .\n'
            )
        },
    )

    assert problems_of(settings) == [
        "data/y.ttl:4:5: undefined prefix 'skos:' (declare it, e.g. @prefix skos: <...> .)"
    ]


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path,
        {
            "data/a.ttl": (
                "@prefix ex: <http://example.org/> .\n"
                "ex:one ex:p foo:bar .\n"  # undefined prefix
                "ex:two ex:p ex:three\n"  # missing dot
                "ex:four ex:p ex:five .\n"
                'ex:six ex:p "unterminated .\n'
            ),
            "data/b.ttl": "<id/b> <ontology#p> <id/b c> .\n",  # space in an IRI
            "data/good.ttl": "<id/g> <ontology#p> 1 .\n",
        },
    )

    assert problems_of(settings) == [
        "data/a.ttl:2:13: undefined prefix 'foo:' (declare it, e.g. @prefix foo: <...> .)",
        "data/a.ttl:3:21: expected '.' at the end of the statement "
        "(the next statement starts at line 4 with 'ex:four')",
        "data/a.ttl:5:13: this string literal is never closed (reached the end of the file)",
        "data/b.ttl:1:21: invalid IRI code point ' '",
    ]


def test_a_prefixed_name_with_a_slash_gets_a_helpful_message(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path,
        {"data/z.ttl": "@prefix hn: <id/haninge/> .\nhn:goal/trygghet a <ontology#Goal> .\n"},
    )

    [problem] = problems_of(settings)

    assert problem.startswith(
        "data/z.ttl:2:8: '/' is not allowed in a prefixed name ('hn:goal/trygghet')"
    )


def test_a_file_that_is_not_utf8_is_reported_at_the_offending_byte(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path, {"data/latin1.ttl": '<id/a> <ontology#name> "H\xe5ll".\n'.encode("latin-1")}
    )

    assert problems_of(settings) == [
        "data/latin1.ttl:1:26: the file is not valid UTF-8 (byte 0xE5 cannot be decoded); "
        "save it with UTF-8 encoding"
    ]


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path, {"data/x.ttl": '<id/å> <ontology#namn> "Österåker" bad:x .\n'}
    )

    [problem] = problems_of(settings)

    assert problem.startswith("data/x.ttl:1:36: undefined prefix 'bad:'")


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    settings = make_project(tmp_path, {"data/bom.ttl": "\ufeff<id/a> <ontology#p> 1 .\n"})

    assert load_snapshot(settings).data_triple_count() == 1
