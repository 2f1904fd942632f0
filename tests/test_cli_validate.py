"""`kgpub validate`: exit 0 when the data conforms, 1 on violations, 2 when it cannot be read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kgpub.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def config(name: str) -> str:
    return str(FIXTURES / name / "kgpub.toml")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KGPUB_* variables of the caller, and a current directory without a kgpub.toml."""
    for name in list(os.environ):
        if name.startswith("KGPUB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_conforming_data_exits_0_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate", "--config", config("mini")])

    out, err = capsys.readouterr()
    assert status == 0
    assert out == "All 2 data files conform to the shapes (17 triples)\n"
    assert err == ""


def test_violations_exit_1_and_name_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate", "--config", config("violating")])

    out, err = capsys.readouterr()
    assert status == 1
    assert out.startswith(
        "data/haninge.ttl:12: <https://w3id.org/kgpub/id/haninge/goal/tryggare-invanare>\n"
        "  kgpub:owner: A goal must have exactly one owner organisation (found 0).\n"
    )
    assert out.endswith("\n3 violations, 1 warning in 1 file\n")
    assert err == ""


def test_syntax_errors_exit_2_and_list_every_problem_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["validate", "--config", config("broken")])

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.splitlines() == [
        "data/x.ttl:4:32: expected '.' at the end of the statement "
        "(the next statement starts at line 6 with '<id/haninge/goal/trygghet>')",
        "data/y.ttl:4:5: undefined prefix 'skos:' (declare it, e.g. @prefix skos: <...> .)",
        "2 syntax errors in 2 files; nothing was validated",
    ]


def test_json_format_reports_results_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate", "--config", config("violating"), "--format", "json"])

    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert report["conforms"] is False
    assert report["summary"] == "3 violations, 1 warning in 1 file"
    assert {(v["source_files"][0], v["line"], v["path"]) for v in report["violations"]} == {
        ("data/haninge.ttl", 12, "kgpub:owner"),
        ("data/haninge.ttl", 17, "kgpub:targetYear"),
        ("data/haninge.ttl", 17, "dcterms:description"),
        ("data/haninge.ttl", 21, "rdfs:label"),
    }


def test_json_format_reports_syntax_errors_as_json_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["validate", "--config", config("broken"), "--format", "json"])

    report = json.loads(capsys.readouterr().out)
    assert status == 2
    assert report["syntax_errors"][1] == {
        "path": "data/y.ttl",
        "line": 4,
        "column": 5,
        "message": "undefined prefix 'skos:' (declare it, e.g. @prefix skos: <...> .)",
    }


def test_paths_on_the_command_line_are_validated_instead_of_the_data_dir(
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = FIXTURES / "broken" / "data" / "good.ttl"

    status = main(["validate", "--config", config("broken"), str(good)])

    assert status == 0
    assert capsys.readouterr().out == "All 1 data file conform to the shapes (1 triple)\n"


def test_a_missing_path_exits_2_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate", "--config", config("mini"), "nowhere.ttl"])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("kgpub validate: ")
    assert err.rstrip().endswith("nowhere.ttl: no such file or directory")
    assert "Traceback" not in err


def test_a_settings_error_exits_2_and_names_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "kgpub.toml").write_text('data_directory = "data"\n', encoding="utf-8")

    status = main(["validate"])

    err = capsys.readouterr().err
    assert status == 2
    assert "unknown setting 'data_directory'" in err
    assert "Traceback" not in err


def test_environment_variables_reach_the_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGPUB_CONFIG", config("violating"))
    monkeypatch.setenv("KGPUB_BASE_IRI", "http://example.org/kg/")

    status = main(["validate", "--format", "json"])

    first = json.loads(capsys.readouterr().out)["violations"][0]
    assert status == 1
    assert first["focus_node"] == "http://example.org/kg/id/haninge/goal/tryggare-invanare"
    assert (first["path"], first["line"]) == ("kgpub:owner", 12)


def test_without_a_subcommand_usage_is_shown_and_exit_is_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 2
    assert "validate" in capsys.readouterr().err


def test_unknown_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--colour"]) == 2
    assert "unrecognized arguments: --colour" in capsys.readouterr().err
