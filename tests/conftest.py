"""General fixtures shared by all test modules (keep this file small)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kgpub.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root (where ``kgpub.toml``, ``data/`` and ``ontology/`` live)."""
    return PROJECT_ROOT


@pytest.fixture
def settings(project_root: Path) -> Settings:
    """Settings for the repository itself, ignoring any ``KGPUB_*`` variables of the caller."""
    return Settings.load(root=project_root, env={})


@pytest.fixture
def fixture_settings() -> Callable[..., Settings]:
    """Settings of a small project under ``tests/fixtures/NAME`` (it has a ``kgpub.toml``).

    Usage: ``fixture_settings("mini")`` or ``fixture_settings("mini", base_iri="...")``.
    """

    def make(name: str, **overrides: Any) -> Settings:
        return Settings.load(config_file=FIXTURES / name / "kgpub.toml", env={}, **overrides)

    return make


@pytest.fixture(scope="module")
def make_app(project_root: Path) -> Iterator[Callable[..., Flask]]:
    """The one app factory over the repository's data (validated and published as
    ``kgpub serve`` does), with settings overridden: ``make_app(query_workers=1)``.

    Each app's SPARQL query workers are stopped when the test module ends.
    """
    from kgpub.web.app import create_app
    from kgpub.web.sparql import EXTENSION

    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app(Settings.load(root=project_root, env={}, **overrides))
        made.append(app)
        return app

    yield make
    for app in made:
        if EXTENSION in app.extensions:
            app.extensions[EXTENSION].pool.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last: Playwright leaves its driver's threads and asyncio state in
    the pytest process, and a test forking a query pool after that can hang."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
