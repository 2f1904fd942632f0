"""Settings come from field defaults, then kgpub.toml, then KGPUB_* variables, then overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kgpub.config import Settings
from kgpub.errors import ConfigError


def write_toml(directory: Path, text: str) -> Path:
    path = directory / "kgpub.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_config_file_the_defaults_apply(tmp_path: Path) -> None:
    settings = Settings.load(root=tmp_path, env={})

    assert settings.root == tmp_path
    assert settings.base_iri == "https://w3id.org/kgpub/"
    assert settings.ontology == (Path("ontology/kgpub.ttl"),)
    assert settings.shapes == (Path("shapes/kgpub-shapes.ttl"),)
    assert settings.data_dir == Path("data")
    assert settings.store == "memory"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 2)
    assert settings.service_allowlist == ()
    assert settings.config_file is None


def test_the_toml_file_in_the_root_is_read_and_paths_resolve_against_the_root(
    tmp_path: Path,
) -> None:
    write_toml(
        tmp_path,
        'base_iri = "http://example.org/kg/"\n'
        'data_dir = "sources"\n'
        'shapes = ["shapes/a.ttl", "shapes/b.ttl"]\n'
        "port = 8080\n"
        "query_timeout = 5\n"
        'service_allowlist = ["https://query.wikidata.org/sparql"]\n',
    )

    settings = Settings.load(root=tmp_path, env={})

    assert settings.base_iri == "http://example.org/kg/"
    assert settings.resolve(settings.data_dir) == tmp_path / "sources"
    assert settings.shapes == (Path("shapes/a.ttl"), Path("shapes/b.ttl"))
    assert settings.port == 8080
    assert settings.query_timeout == 5.0
    assert settings.service_allowlist == ("https://query.wikidata.org/sparql",)
    assert settings.config_file == tmp_path / "kgpub.toml"


def test_an_explicit_config_file_makes_its_directory_the_root(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config = write_toml(project, 'publisher_name = "Haninge kommun"\n')

    settings = Settings.load(config_file=config, env={})

    assert settings.root == project
    assert settings.publisher_name == "Haninge kommun"


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    write_toml(tmp_path, 'store = "memory"\nport = 8080\n')
    env = {
        "KGPUB_PORT": "9000",
        "KGPUB_SHAPES": "shapes/a.ttl, shapes/b.ttl",
        "KGPUB_STORE": "disk",
        "KGPUB_STORE_PATH": "var/store",
        "KGPUB_PUBLISHER_EMAIL": "data@example.org",
        "KGPUB_REMOTE_TIMEOUT": "2.5",
        "UNRELATED": "ignored",
    }

    settings = Settings.load(root=tmp_path, env=env)

    assert settings.port == 9000
    assert settings.shapes == (Path("shapes/a.ttl"), Path("shapes/b.ttl"))
    assert settings.store == "disk"
    assert settings.resolve(settings.store_path or Path()) == tmp_path / "var" / "store"
    assert settings.publisher_email == "data@example.org"
    assert settings.remote_timeout == 2.5


def test_explicit_overrides_beat_the_environment(tmp_path: Path) -> None:
    settings = Settings.load(root=tmp_path, env={"KGPUB_PORT": "9000"}, port=7000)

    assert settings.port == 7000


def test_the_root_can_come_from_the_environment(tmp_path: Path) -> None:
    write_toml(tmp_path, "workers = 4\n")

    settings = Settings.load(env={"KGPUB_ROOT": str(tmp_path)})

    assert settings.root == tmp_path
    assert settings.workers == 4


def test_an_unknown_key_in_the_file_is_an_error_naming_the_key(tmp_path: Path) -> None:
    write_toml(tmp_path, 'base_iri = "https://w3id.org/kgpub/"\ndatadir = "data"\n')

    with pytest.raises(ConfigError) as caught:
        Settings.load(root=tmp_path, env={})

    assert "unknown setting 'datadir'" in str(caught.value)
    assert "kgpub.toml" in str(caught.value)


def test_a_bad_value_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="environment variable KGPUB_PORT: expected an integer"):
        Settings.load(root=tmp_path, env={"KGPUB_PORT": "eighty"})


def test_a_value_of_the_wrong_type_in_the_file_names_the_key(tmp_path: Path) -> None:
    write_toml(tmp_path, 'workers = "many"\n')

    with pytest.raises(ConfigError, match="setting 'workers': expected an integer"):
        Settings.load(root=tmp_path, env={})


def test_invalid_toml_is_reported_as_a_config_error(tmp_path: Path) -> None:
    write_toml(tmp_path, "port = = 1\n")

    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(root=tmp_path, env={})


def test_a_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(config_file=tmp_path / "nope.toml", env={})


@pytest.mark.parametrize("base", ["https://w3id.org/kgpub", "w3id.org/kgpub/", "not an iri/"])
def test_the_base_iri_must_be_absolute_and_end_with_a_slash(tmp_path: Path, base: str) -> None:
    with pytest.raises(ConfigError, match="base_iri"):
        Settings.load(root=tmp_path, env={"KGPUB_BASE_IRI": base})


def test_a_hash_base_iri_is_accepted(tmp_path: Path) -> None:
    assert Settings.load(root=tmp_path, env={}, base_iri="http://example.org/kg#").base_iri == (
        "http://example.org/kg#"
    )


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"store": "sqlite"}, "setting 'store' must be one of memory, disk, remote"),
        ({"store": "disk"}, "'store_path' is required"),
        ({"store": "remote"}, "'remote_query_endpoint' is required"),
        ({"port": 70000}, "'port' must be between 0 and 65535"),
        ({"workers": 0}, "'workers' must be at least 1"),
        ({"query_timeout": 0}, "'query_timeout' must be positive"),
        ({"shacl_inference": "magic"}, "'shacl_inference' must be one of"),
        ({"colour": "blue"}, "unknown setting 'colour'"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(
    tmp_path: Path, overrides: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.load(root=tmp_path, env={}, **overrides)

    assert complaint in str(caught.value)


def test_data_files_are_the_sorted_turtle_files_below_the_data_dir(tmp_path: Path) -> None:
    for name in ["b.ttl", "a.ttl", "sub/c.ttl", "notes.txt", ".hidden/d.ttl"]:
        path = tmp_path / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")

    settings = Settings.load(root=tmp_path, env={})

    assert settings.data_files() == [
        tmp_path / "data" / "a.ttl",
        tmp_path / "data" / "b.ttl",
        tmp_path / "data" / "sub" / "c.ttl",
    ]


def test_resolve_keeps_absolute_paths(tmp_path: Path) -> None:
    settings = Settings.load(root=tmp_path, env={})

    assert settings.resolve("data/x.ttl") == tmp_path / "data" / "x.ttl"
    assert settings.resolve(Path("/srv/x.ttl")) == Path("/srv/x.ttl")


def test_settings_built_for_the_repository(settings: Settings, project_root: Path) -> None:
    assert settings.root == project_root
    assert settings.resolve(settings.data_dir).is_relative_to(project_root)
