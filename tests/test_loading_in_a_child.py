"""A server loads and validates its sources in a child process (``Publisher(isolate=True)``):
it publishes exactly what loading in process publishes, never builds the rdflib graphs of
the data itself, and reports bad data as in process, keeping the last good snapshot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from kgpub.config import Settings
from kgpub.errors import SyntaxErrors, ValidationFailed
from kgpub.publish.publisher import Publisher
from kgpub.publish.sources import Snapshot, load_snapshot
from kgpub.publish.stored import StoredSnapshot

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def mini(tmp_path: Path) -> Settings:
    """Settings of a copy of the mini project (its data may be spoilt by the test)."""
    shutil.copytree(FIXTURES / "mini", tmp_path / "mini")
    return Settings.load(config_file=tmp_path / "mini" / "kgpub.toml", env={})


def test_the_child_publishes_what_loading_in_process_publishes(mini: Settings) -> None:
    here, there = Publisher(mini), Publisher(mini, isolate=True)
    here.publish()
    report = there.publish()
    assert report.conforms
    assert report.data_files == ["data/haninge.ttl", "data/sweden.ttl"]
    a, b = here.require(), there.require()
    assert (b.digest, b.quads) == (a.digest, a.quads)
    assert isinstance(b.snapshot, StoredSnapshot)
    assert b.snapshot.sources == a.snapshot.sources
    for source in a.snapshot.sources:  # blank node labels differ from one load to the next
        assert isomorphic(b.snapshot.data_graph(source), a.snapshot.data_graph(source))
    assert b.snapshot.graph_digests() == a.snapshot.graph_digests()
    assert isomorphic(b.snapshot.ontology, a.snapshot.ontology)
    assert isomorphic(b.snapshot.shapes, a.snapshot.shapes)
    assert len(b.snapshot.ontology) > 0 and len(b.snapshot.shapes) > 0


def test_the_sources_are_parsed_in_another_process(mini: Settings, tmp_path: Path) -> None:
    where = tmp_path / "parsed-in"

    def load(settings: Settings) -> Snapshot:
        where.write_text(str(os.getpid()))
        return load_snapshot(settings)

    Publisher(mini, load=load, isolate=True).publish()
    assert int(where.read_text()) != os.getpid()
    Publisher(mini, load=load).publish()
    assert int(where.read_text()) == os.getpid()


def test_data_that_does_not_conform_is_reported_and_the_last_good_stays(mini: Settings) -> None:
    publisher = Publisher(mini, isolate=True)
    publisher.publish()
    good = publisher.require()
    data = mini.resolve(mini.data_dir)
    shutil.copy(FIXTURES / "violating" / "data" / "haninge.ttl", data / "haninge.ttl")
    with pytest.raises(ValidationFailed) as failed:
        publisher.publish()
    report = failed.value.report
    assert not report.conforms
    assert report.violations and all(v.source_files for v in report.violations)
    assert "data/haninge.ttl" in report.format_text(mini.root)
    assert str(failed.value) == report.summary()
    assert publisher.require() is good


def test_syntax_errors_come_back_with_file_line_and_column(mini: Settings) -> None:
    publisher = Publisher(mini, isolate=True)
    publisher.publish()
    good = publisher.require()
    broken = mini.resolve(mini.data_dir) / "sweden.ttl"
    broken.write_text(broken.read_text(encoding="utf-8") + "\n<a> <b> \n", encoding="utf-8")
    with pytest.raises(SyntaxErrors) as errors:
        publisher.publish()
    [problem] = errors.value.problems
    assert str(problem).startswith("data/sweden.ttl:")
    assert (problem.path, problem.root) == (broken, mini.root)
    assert problem.line > 1 and problem.column >= 1
    assert publisher.require() is good


def test_a_child_that_dies_is_an_error_and_the_last_good_stays(mini: Settings) -> None:
    publisher = Publisher(mini, isolate=True)
    publisher.publish()
    good = publisher.require()

    def die(settings: Settings) -> Snapshot:
        os._exit(3)

    publisher._load = die
    with pytest.raises(RuntimeError, match="exit status 3"):
        publisher.publish()
    assert publisher.require() is good
