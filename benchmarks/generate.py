"""Synthetic municipalities for the page benchmark (written under benchmarks/, never data/).

Each synthetic municipality is a copy of a real source (Haninge or Haparanda) with every
IRI under ``id/NAME`` and ``graph/NAME`` renamed, so pages have the real shape and size,
plus a follow-up plan the real sources do not publish yet (goals with targets and
indicators, alignments to national objectives, a committee and a budget with allocations:
about 150 triples), which brings a municipality to about 580 triples on average.
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
    "sweden-counties.ttl",
    "sweden-environmental-objectives.ttl",
    "sweden-gender-equality-goals.ttl",
    "un-agenda-2030.ttl",
)


def synthetic(template: str, name: str, code: int) -> str:
    text = (ROOT / "data" / f"{template}.ttl").read_text(encoding="utf-8")
    text = re.sub(rf"<(id|graph)/{template}([/>])", rf"<\1/{name}\2", text)
    text = re.sub(r'kgpub:municipalityCode "\d+"', f'kgpub:municipalityCode "{code:04d}"', text)
    return text


FOLLOW_UP_PREFIXES = """
@prefix kgpub:   <https://w3id.org/kgpub/ontology#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix schema:  <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .
@prefix seo:     <id/se/environmental-objective/> .
"""
#: (local name, Swedish label, English label, national objective)
FOLLOW_UP_GOALS = (
    ("ren-luft", "Ren luft i tätorten", "Clean air in town", "frisk-luft"),
    ("giftfria-skolor", "Giftfria förskolor och skolor", "Toxin-free schools", "giftfri-miljo"),
)


def follow_up(name: str, code: int) -> str:
    """Turtle for a follow-up plan of municipality ``name`` (valid against the shapes)."""
    m, plan = f"<id/{name}>", f"<id/{name}/follow-up>"
    unit = f"<id/{name}/follow-up/miljonamnden>"
    parts = [
        f"""{plan} a skos:ConceptScheme ; kgpub:owner {m} ;
    rdfs:label "Uppföljningsplan"@sv , "Follow-up plan"@en ;
    skos:hasTopConcept {", ".join(f"<id/{name}/follow-up/{g[0]}>" for g in FOLLOW_UP_GOALS)} .
{unit} a kgpub:Committee , org:OrganizationalUnit ; org:unitOf {m} ;
    rdfs:label "Miljönämnden"@sv , "Environment Committee"@en .
""",
    ]
    for position, goal in enumerate(FOLLOW_UP_GOALS, start=1):
        parts.append(_follow_up_goal(name, plan, position, goal, code))
    parts.append(_follow_up_budget(name, unit, code))
    return FOLLOW_UP_PREFIXES + _with_source("\n".join(parts), name)


def _with_source(turtle: str, name: str) -> str:
    """Every statement of ``turtle`` cites the plan document (the shapes require a
    source), and the document is described."""
    doc = f"<id/{name}/follow-up/document>"
    cited = re.sub(r" \.\n", f" ;\n    dcterms:source {doc} .\n", turtle)
    return cited + (
        f"{doc} a foaf:Document ; dcterms:publisher <id/{name}> ;\n"
        f'    rdfs:label "Uppföljningsplan 2025"@sv , "Follow-up plan 2025"@en .\n'
    )


def _follow_up_goal(
    name: str, plan: str, position: int, goal: tuple[str, str, str, str], code: int
) -> str:
    local, sv, en, objective = goal
    m, g = f"<id/{name}>", f"<id/{name}/follow-up/{local}>"
    text = f"""{g} a kgpub:Goal ; schema:position {position} ;
    skos:prefLabel "{sv}"@sv , "{en}"@en ; skos:inScheme {plan} ; skos:topConceptOf {plan} ;
    kgpub:owner {m} ; skos:closeMatch seo:{objective} .
<id/{name}/follow-up/alignment/{local}> a kgpub:Alignment ;
    rdfs:label "{sv} – nationellt miljömål"@sv ; kgpub:localGoal {g} ;
    kgpub:objective seo:{objective} ; kgpub:mappingRelation skos:closeMatch ;
    kgpub:basis kgpub:InterpretedLink .
"""
    for step, (baseline, target) in enumerate(((40, 70), (10, 50)), start=1):
        t = f"<id/{name}/follow-up/{local}/target-{step}>"
        base = baseline + code % 7
        text += f"""{t} a kgpub:Goal , kgpub:Target ; skos:broader {g} ; skos:inScheme {plan} ;
    kgpub:owner {m} ;
    skos:prefLabel "{sv}: delmål {step}"@sv , "{en}: target {step}"@en ;
    kgpub:targetValue "{target}.0"^^xsd:decimal ; kgpub:unit "procent" ;
    kgpub:baselineValue "{base}.0"^^xsd:decimal ; kgpub:baselineYear "2022"^^xsd:gYear ;
    kgpub:targetYear "{2026 + 2 * step}"^^xsd:gYear .
{t.replace("/target-", "/indicator-")} a kgpub:Indicator ; kgpub:measures {t} ;
    rdfs:label "Andel uppfyllt, {sv.lower()} {step}"@sv , "Share met, {en.lower()} {step}"@en .
"""
    return text


def _follow_up_budget(name: str, unit: str, code: int) -> str:
    b = f"<id/{name}/follow-up/budget/2025>"
    lines = (("miljo", "Miljöarbete", "Environmental work"), ("skola", "Skolmiljö", "Schools"))
    allocations = [f"<id/{name}/follow-up/budget/2025/{key}>" for key, _sv, _en in lines]
    text = f"""{b} a kgpub:Budget ; kgpub:fiscalYear "2025"^^xsd:gYear ; kgpub:owner <id/{name}> ;
    rdfs:label "Uppföljningsbudget 2025"@sv , "Follow-up budget 2025"@en ;
    kgpub:hasAllocation {", ".join(allocations)} .
"""
    for position, (a, (_key, sv, en)) in enumerate(zip(allocations, lines, strict=True), start=1):
        amount = 1_000_000 * (position + code % 5)
        text += f"""{a} a kgpub:BudgetAllocation ;
    rdfs:label "{sv} 2025"@sv , "{en} 2025"@en ; kgpub:fiscalYear "2025"^^xsd:gYear ;
    kgpub:amount "{amount}"^^xsd:decimal ; kgpub:currency "SEK" ; kgpub:recipient {unit} .
"""
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
        text = synthetic(template, name, 5000 + i) + follow_up(name, 5000 + i)
        (data / f"{name}.ttl").write_text(text, encoding="utf-8")
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
