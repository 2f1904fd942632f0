"""Per-graph validation: dependencies, per-graph reports, parallel workers, the hash cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kgpub.config import Settings
from kgpub.publish.per_graph import CACHE_FILE, validate_sources
from kgpub.publish.sources import load_snapshot
from kgpub.publish.validate import validate

FIXTURES = Path(__file__).resolve().parent / "fixtures"

PREFIXES = """@prefix kgpub: <ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""

# A goal owned by <id/se>, which only se.ttl describes (sh:class org:Organization needs it).
TOWN = (
    PREFIXES
    + """
<id/town/goal/g> a kgpub:Goal ;
    skos:prefLabel "Mål"@sv ;
    dcterms:description "Ett mål."@sv ;
    kgpub:owner <id/se> .
"""
)
TOWN_BROKEN = (
    PREFIXES
    + """
<id/town/goal/g> a kgpub:Goal ;
    skos:prefLabel "Mål"@sv ;
    dcterms:description "Ett mål."@sv .
"""
)


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    """A copy of the mini project with an extra source that refers to another one."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "mini", root)
    (root / "data" / "town.ttl").write_text(TOWN, encoding="utf-8")
    return Settings.load(config_file=root / "kgpub.toml", env={})


def test_every_source_is_reported_with_its_time(project: Settings) -> None:
    report = validate_sources(project, workers=1, use_cache=False)
    assert report.conforms, report.format_text()
    assert [g.path for g in report.graphs] == [
        "data/haninge.ttl",
        "data/sweden.ttl",
        "data/town.ttl",
    ]
    assert all(g.seconds > 0 and not g.cached for g in report.graphs)
    assert report.triples == len(load_snapshot(project).union_data())
    assert "3 graphs" in report.summary()


def test_a_source_is_validated_with_the_sources_it_refers_to(project: Settings) -> None:
    report = validate_sources(project, workers=1, use_cache=False)
    town = report.graphs[2]
    assert town.depends_on == ["data/sweden.ttl"]
    assert town.conforms  # <id/se> is an org:Organization according to sweden.ttl


def test_violations_match_whole_graph_validation(project: Settings) -> None:
    (project.root / "data" / "town.ttl").write_text(TOWN_BROKEN, encoding="utf-8")
    report = validate_sources(project, workers=1, use_cache=False)
    whole = validate(load_snapshot(project))
    assert not report.conforms and not whole.conforms
    key = [(v.focus_node, v.path, v.severity) for v in report.violations]
    assert key == [(v.focus_node, v.path, v.severity) for v in whole.violations]
    town = report.graphs[2]
    assert not town.conforms
    assert town.violations[0].location() == "data/town.ttl:6"
    assert all(g.conforms for g in report.graphs[:2])
    assert "do not conform" in report.summary()


def test_a_blank_node_a_shape_targets_is_still_checked(project: Settings) -> None:
    """Results about a source's blank nodes are reported with the source, as a whole-graph
    run reports them."""
    ownerless = '[] a kgpub:Goal ; skos:prefLabel "Utan ägare"@sv ; dcterms:description "x"@sv .\n'
    (project.root / "data" / "town.ttl").write_text(TOWN + ownerless, encoding="utf-8")
    report = validate_sources(project, workers=1, use_cache=False)
    whole = validate(load_snapshot(project))
    town = report.graphs[2]
    assert not town.conforms
    assert [(v.focus_kind, v.path) for v in town.violations] == [("blank", "kgpub:owner")]
    key = [(v.focus_node, v.path, v.severity) for v in report.violations]
    assert key == [(v.focus_node, v.path, v.severity) for v in whole.violations]


def test_parallel_workers_give_the_same_result(project: Settings) -> None:
    one = validate_sources(project, workers=1, use_cache=False)
    two = validate_sources(project, workers=2, use_cache=False)
    assert two.workers == 2
    assert [g.to_dict() | {"seconds": 0} for g in one.graphs] == [
        g.to_dict() | {"seconds": 0} for g in two.graphs
    ]


def test_unchanged_graphs_are_skipped(project: Settings, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = validate_sources(project, workers=1, cache_dir=cache)
    assert first.validated == 3
    assert (cache / CACHE_FILE).is_file()

    again = validate_sources(project, workers=1, cache_dir=cache)
    assert again.validated == 0
    assert all(g.cached for g in again.graphs)
    assert again.conforms

    # Changing a source re-validates it and the sources that refer to it, nothing else.
    sweden = project.root / "data" / "sweden.ttl"
    sweden.write_text(sweden.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    third = validate_sources(project, workers=1, cache_dir=cache)
    assert [g.path for g in third.graphs if not g.cached] == ["data/sweden.ttl", "data/town.ttl"]


def test_changed_shapes_invalidate_the_cache(project: Settings, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    validate_sources(project, workers=1, cache_dir=cache)
    shapes = project.root / "shapes" / "mini-shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert validate_sources(project, workers=1, cache_dir=cache).validated == 3


def test_invalid_results_are_cached_too(project: Settings, tmp_path: Path) -> None:
    (project.root / "data" / "town.ttl").write_text(TOWN_BROKEN, encoding="utf-8")
    cache = tmp_path / "cache"
    first = validate_sources(project, workers=1, cache_dir=cache)
    again = validate_sources(project, workers=1, cache_dir=cache)
    assert again.validated == 0 and not again.conforms
    assert [v.to_dict() for v in again.violations] == [v.to_dict() for v in first.violations]


def test_a_syntax_error_fails_only_its_graph(project: Settings, tmp_path: Path) -> None:
    (project.root / "data" / "town.ttl").write_text(PREFIXES + "<id/x> a .\n", encoding="utf-8")
    report = validate_sources(project, workers=1, cache_dir=tmp_path / "cache")
    town = report.graphs[2]
    assert not town.conforms
    assert town.error is not None and town.error.startswith("data/town.ttl:5:")
    assert all(g.conforms for g in report.graphs[:2])
    # errors are not cached: the next run tries again
    assert validate_sources(project, workers=1, cache_dir=tmp_path / "cache").graphs[2].error


@pytest.mark.parametrize("workers", [1, 2])
def test_edited_shapes_are_used_by_the_next_run_in_the_same_process(
    project: Settings, workers: int
) -> None:
    assert validate_sources(project, workers=workers, use_cache=False).conforms
    shapes = project.root / "shapes" / "mini-shapes.ttl"
    text = shapes.read_text(encoding="utf-8")
    shapes.write_text(text.replace('sh:languageIn ( "sv" "en" )', 'sh:languageIn ( "en" )'))
    report = validate_sources(project, workers=workers, use_cache=False)
    assert not report.conforms
    assert {v.path for v in report.violations if v.severity == "Violation"} == {"skos:prefLabel"}
