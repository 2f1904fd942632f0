"""The published data states what the two seed pages state: counts, texts and amounts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kgpub/"
KGPUB = Namespace(BASE + "ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SEEDS = ROOT.parent / "shared" / "seeds"


def iri(path: str) -> URIRef:
    return URIRef(BASE + path)


@pytest.fixture(scope="module")
def data() -> Graph:
    g = Graph()
    for path in sorted((ROOT / "data").glob("*.ttl")):
        g.parse(path, format="turtle", publicID=BASE)
    return g


def select_count(g: Graph, query: str) -> int:
    rows = list(g.query(query, initNs={"kgpub": KGPUB, "skos": SKOS, "org": ORG}))
    return int(rows[0][0])


def goals_of(g: Graph, scheme: str) -> list[str]:
    return [
        str(label)
        for goal in g.subjects(SKOS.inScheme, iri(scheme))
        for label in g.objects(goal, SKOS.prefLabel)
        if label.language == "sv"
    ]


def test_haninge_has_nine_goals_with_the_pages_wording(data: Graph) -> None:
    assert sorted(goals_of(data, "id/haninge/goals")) == sorted(
        [
            "Tryggare invånare",
            "En skola med fokus på kunskap och studiero",
            "En meningsfull fritid för invånarna",
            "Ett växande näringsliv med fler i egen försörjning",
            "Ordning och reda i ekonomin",
            "Målinriktat miljöarbete",
            "Attraktiva bostäder och närmiljö",
            "Hög kvalitet i kommunens välfärdstjänster",
            "En attraktiv arbetsgivare",
        ]
    )


def test_haninge_promise_has_three_commitments(data: Graph) -> None:
    promise = iri("id/haninge/promise")
    assert (iri("id/haninge"), KGPUB.promise, promise) in data
    commitments = list(data.objects(promise, KGPUB.hasCommitment))
    assert len(commitments) == 3
    assert Literal("varsamt förvalta skattebetalarnas pengar", lang="sv") in {
        data.value(c, RDFS.label) for c in commitments
    } | {o for c in commitments for o in data.objects(c, RDFS.label)}


def test_haninge_vision_has_six_statements_and_four_priority_areas(data: Graph) -> None:
    assert len(list(data.objects(iri("id/haninge/vision"), KGPUB.hasStatement))) == 6
    areas = list(data.subjects(RDF.type, KGPUB.PriorityArea))
    haninge_areas = [a for a in areas if (a, KGPUB.owner, iri("id/haninge")) in data]
    assert len(haninge_areas) == 4


def test_haninge_goals_rest_on_areas_only_as_a_set(data: Graph) -> None:
    """The page does not say which goal rests on which area, so no goal claims one."""
    assert len(list(data.objects(iri("id/haninge/goals"), KGPUB.restsOn))) == 4
    for goal in data.subjects(SKOS.inScheme, iri("id/haninge/goals")):
        assert data.value(goal, KGPUB.restsOn) is None


def test_haparanda_has_nine_overarching_and_seven_environmental_goals(data: Graph) -> None:
    assert len(goals_of(data, "id/haparanda/goals")) == 9
    assert len(goals_of(data, "id/haparanda/environmental-goals")) == 7
    assert "En tryggt och jämlik kommun" in goals_of(data, "id/haparanda/goals")


@pytest.mark.parametrize(
    ("committee", "amount"),
    [
        ("kommunstyrelsen", "144000000"),
        ("socialnamnden", "308000000"),
        ("barn-och-ungdomsnamnden", "252900000"),
        ("samhallsbyggnadsnamnden", "5200000"),
    ],
)
def test_haparanda_2024_budget_lines_have_the_exact_amounts(
    data: Graph, committee: str, amount: str
) -> None:
    allocation = iri(f"id/haparanda/budget/2024/{committee}")
    value = data.value(allocation, KGPUB.amount)
    assert value is not None and value.datatype == XSD.decimal
    assert value.toPython() == Decimal(amount)
    assert str(data.value(allocation, KGPUB.currency)) == "SEK"
    assert data.value(allocation, KGPUB.recipient) == iri(f"id/haparanda/{committee}")
    assert (iri("id/haparanda/budget/2024"), KGPUB.hasAllocation, allocation) in data


def test_haparanda_budget_has_exactly_four_lines(data: Graph) -> None:
    assert len(list(data.objects(iri("id/haparanda/budget/2024"), KGPUB.hasAllocation))) == 4


def test_strategic_priorities_run_2023_to_2026(data: Graph) -> None:
    priorities = list(data.subjects(RDF.type, KGPUB.StrategicPriority))
    assert len(priorities) == 3
    for priority in priorities:
        period = data.value(priority, DCTERMS.temporal)
        assert data.value(period, DCAT.startDate) == Literal("2023", datatype=XSD.gYear)
        assert data.value(period, DCAT.endDate) == Literal("2026", datatype=XSD.gYear)
        assert data.value(priority, KGPUB.decisionDate) == Literal(
            "2023-04", datatype=XSD.gYearMonth
        )


def test_vision_2035_has_three_areas_with_texts(data: Graph) -> None:
    vision = iri("id/haparanda/vision")
    assert data.value(vision, KGPUB.horizonYear) == Literal("2035", datatype=XSD.gYear)
    areas = list(data.objects(vision, KGPUB.hasArea))
    assert len(areas) == 3
    for area in areas:
        texts = [d for d in data.objects(area, DCTERMS.description) if d.language == "sv"]
        assert len(texts) == 1 and str(texts[0]).startswith("År 2035 är Haparanda")


def test_sixteen_national_objectives_and_the_generational_goal(data: Graph) -> None:
    scheme = iri("id/se/environmental-objectives")
    members = set(data.subjects(SKOS.inScheme, scheme))
    assert len(members) == 17
    assert iri("id/se/generational-goal") in members
    assert iri("id/se/environmental-objective/frisk-luft") in members


def test_each_local_environmental_goal_is_aligned_with_its_national_objective(
    data: Graph,
) -> None:
    for goal in data.subjects(SKOS.inScheme, iri("id/haparanda/environmental-goals")):
        (target,) = list(data.objects(goal, SKOS.closeMatch))
        assert (target, SKOS.inScheme, iri("id/se/environmental-objectives")) in data
        assert data.value(target, SKOS.prefLabel) is not None
        local = {str(x) for x in data.objects(goal, SKOS.prefLabel) if x.language == "sv"}
        national = {str(x) for x in data.objects(target, SKOS.prefLabel) if x.language == "sv"}
        assert local == national
        alignments = list(data.subjects(KGPUB.localGoal, goal))
        assert len(alignments) == 1
        assert data.value(alignments[0], KGPUB.objective) == target
        assert data.value(alignments[0], KGPUB.basis) in {
            KGPUB.StatedBySource,
            KGPUB.InterpretedLink,
        }


def test_gender_equality_goal_has_six_sub_goals(data: Graph) -> None:
    sub_goals = list(data.subjects(SKOS.broader, iri("id/se/gender-equality-goal")))
    assert len(sub_goals) == 6
    assert (iri("id/haparanda"), KGPUB.worksTowards, iri("id/se/gender-equality-goals")) in data


def test_regional_role_has_four_responsibilities(data: Graph) -> None:
    role = iri("id/se/regional-environmental-role")
    assert data.value(role, KGPUB.heldBy) == iri("id/se/lansstyrelsen")
    assert len(list(data.objects(role, KGPUB.hasResponsibility))) == 4


def test_swedish_text_is_verbatim_from_the_seed_pages(data: Graph) -> None:
    """Every Swedish vision, area, promise and goal text occurs word for word in a seed."""
    if not SEEDS.is_dir():
        pytest.skip("the seed pages (../shared/seeds) are not beside this checkout")
    seeds = " ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    seeds = " ".join(seeds.split())
    checked = 0
    for cls in (KGPUB.VisionStatement, KGPUB.PromiseCommitment, KGPUB.Goal, KGPUB.VisionArea):
        for subject in data.subjects(RDF.type, cls):
            for label in data.objects(subject, RDFS.label):
                if label.language == "sv" and cls != KGPUB.Goal:
                    assert str(label) in seeds, label
                    checked += 1
            for text in data.objects(subject, DCTERMS.description):
                if text.language == "sv":
                    assert str(text) in seeds, text
                    checked += 1
    for goal in data.subjects(RDF.type, KGPUB.Goal):
        for label in data.objects(goal, SKOS.prefLabel):
            if label.language == "sv":
                assert str(label).lower() in seeds.lower(), label
                checked += 1
        for definition in data.objects(goal, SKOS.definition):
            if definition.language == "sv":
                assert str(definition).lower() in seeds.lower(), definition
                checked += 1
    for allocation in data.subjects(RDF.type, KGPUB.BudgetAllocation):
        stated = data.value(allocation, KGPUB.amountAsStated)
        assert f"har {stated}." in seeds
        checked += 1
    assert checked >= 19 + 9 + 16 + 17 + 7 + 7


def test_no_promises_or_budget_invented_for_haninge(data: Graph) -> None:
    assert (
        select_count(
            data,
            "SELECT (COUNT(*) AS ?n) WHERE { ?b a kgpub:Budget ; kgpub:owner ?o . "
            "FILTER(?o = <https://w3id.org/kgpub/id/haninge>) }",
        )
        == 0
    )
    assert (
        select_count(
            data,
            "SELECT (COUNT(*) AS ?n) WHERE { ?o kgpub:promise ?p }",
        )
        == 1
    )
