"""The layout, kept true: which parts may import which, how big a piece of code may grow,
and the README's map of the code naming exactly the parts there are."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "kgpub"
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_import_contracts_in_pyproject_are_kept() -> None:
    # the contracts themselves are in pyproject.toml ([tool.importlinter]): web/ alone speaks
    # HTTP, the store knows nothing above it, and the parts are layered without cycles
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_no_module_reads_the_environment_but_config() -> None:
    readers = [
        path.relative_to(PACKAGE).as_posix()
        for path in modules()
        if re.search(r"\bos\.environ\b|\bos\.getenv\b", path.read_text())
    ]
    assert readers == ["config.py"]


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({length})")
    return found


def test_no_function_is_longer_than_a_screen() -> None:
    long = [f for path in modules() for f in _long_functions(path)]
    assert long == []


def test_no_module_is_longer_than_the_limit() -> None:
    sizes = {p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines()) for p in modules()}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def _readme_layout() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^## How the code is laid out\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, "README.md has a section 'How the code is laid out'"
    return match.group(1)


def test_the_readme_map_names_every_part_and_top_module() -> None:
    layout = _readme_layout()
    parts = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    missing = [name for name in [f"{p}/" for p in parts] + top if f"`{name}`" not in layout]
    assert missing == []


def test_the_readme_map_names_nothing_that_is_not_there() -> None:
    named = re.findall(r"`([a-z_]+(?:/|\.py))`", _readme_layout())
    assert named, "the map names the folders and modules in backticks"
    absent = [n for n in named if not (PACKAGE / n.rstrip("/")).exists()]
    assert absent == []


@pytest.mark.parametrize("part", ["publish", "site", "sparql", "store", "rendering"])
def test_no_part_outside_web_imports_flask(part: str) -> None:
    # belt and braces beside the contract: a plain text check a newcomer can read
    offenders = [
        p.relative_to(PACKAGE).as_posix()
        for p in (PACKAGE / part).rglob("*.py")
        if re.search(r"^\s*(from|import) flask\b", p.read_text(), re.M)
    ]
    assert offenders == []
