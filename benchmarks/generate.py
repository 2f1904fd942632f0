"""Synthetic municipalities for the page benchmark (written under benchmarks/, never data/).

Each synthetic municipality is a copy of a real source (Haninge or Haparanda) with every
IRI under ``id/NAME`` and ``graph/NAME`` renamed, so pages have the real shape and size.
The real sources are copied as they are (the national files cite Haparanda's source), so
``count`` municipalities are the two real ones plus ``count - 2`` synthetic ones.

    python benchmarks/generate.py 290 benchmarks/out/290
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ("haninge", "haparanda")
NATIONAL = (
    "sweden-environmental-objectives.ttl",
    "sweden-gender-equality-goals.ttl",
    "un-agenda-2030.ttl",
)


def synthetic(template: str, name: str, code: int) -> str:
    text = (ROOT / "data" / f"{template}.ttl").read_text(encoding="utf-8")
    text = re.sub(rf"<(id|graph)/{template}([/>])", rf"<\1/{name}\2", text)
    text = re.sub(r'kgpub:municipalityCode "\d+"', f'kgpub:municipalityCode "{code:04d}"', text)
    return text


def generate(count: int, out: Path) -> Path:
    """Write ``count`` municipalities and a kgpub.toml into ``out``; returns the toml path."""
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for name in (*NATIONAL, *(f"{t}.ttl" for t in TEMPLATES)):
        shutil.copy(ROOT / "data" / name, data / name)
    for i in range(max(count - len(TEMPLATES), 0)):
        template = TEMPLATES[i % len(TEMPLATES)]
        name = f"kommun-{i:04d}"
        (data / f"{name}.ttl").write_text(synthetic(template, name, 5000 + i), encoding="utf-8")
    toml = out / "kgpub.toml"
    toml.write_text(
        f'ontology = ["{ROOT / "ontology" / "kgpub.ttl"}"]\n'
        f'shapes = ["{ROOT / "shapes" / "kgpub-shapes.ttl"}"]\n'
        f'data_dir = "data"\n',
        encoding="utf-8",
    )
    return toml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(generate(args.count, args.out))


if __name__ == "__main__":
    main()
