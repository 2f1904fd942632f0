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
    haninge_areas = [a for a in areas if (a, KGPUB.definedIn, iri("id/haninge/platform")) in data]
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
    seen = 0
    for goal in data.subjects(SKOS.inScheme, iri("id/haparanda/environmental-goals")):
        seen += 1
        (target,) = list(data.objects(goal, SKOS.broadMatch))
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
    assert seen == 7  # the page's seven local environmental goals: none may go unchecked


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


# --- the data review of the linking issue -------------------------------------------------

SCHEMA = Namespace("https://schema.org/")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
NUTS = Namespace("http://data.europa.eu/nuts/code/")
SKOS_MAPPINGS = (
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)


def seed_text() -> str:
    if not SEEDS.is_dir():
        pytest.skip("the seed pages (../shared/seeds) are not beside this checkout")
    return " ".join(" ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")).split())


def text_in(g: Graph, subject: URIRef, prop: URIRef, lang: str) -> list[str]:
    return [str(o) for o in g.objects(subject, prop) if getattr(o, "language", None) == lang]


@pytest.mark.parametrize(
    ("slug", "english"),
    [
        (
            "en-jamn-fordelning-av-makt-och-inflytande",
            "Gender-equal division of power and influence",
        ),
        ("ekonomisk-jamstalldhet", "Economic gender equality"),
        ("jamstalld-utbildning", "Gender-equal education"),
    ],
)
def test_gender_equality_sub_goals_say_gender_in_english(
    data: Graph, slug: str, english: str
) -> None:
    goal = iri(f"id/se/gender-equality-goal/{slug}")
    assert text_in(data, goal, SKOS.prefLabel, "en") == [english]
    assert text_in(data, goal, RDFS.label, "en") == [english]


def test_every_jamstalld_goal_is_gender_equal_in_english(data: Graph) -> None:
    """Swedish "jämställd" is gender equality; "jämlik" (plain equality) is another word."""
    seen = 0
    for goal in data.subjects(RDF.type, KGPUB.Goal):
        swedish = " ".join(text_in(data, goal, SKOS.prefLabel, "sv")).lower()
        if "jämställd" in swedish or "makt och inflytande" in swedish:
            seen += 1
            (english,) = text_in(data, goal, SKOS.prefLabel, "en")
            assert "gender" in english.lower(), (goal, english)
    assert seen == 5  # the policy goal, four sub-goals (one names power and influence)


def test_haninge_priority_areas_belong_to_the_ruling_majoritys_platform(data: Graph) -> None:
    """The page: "fyra prioriterade områden i det politiska styrets plattform"."""
    platform = iri("id/haninge/platform")
    areas = set(data.subjects(KGPUB.definedIn, platform))
    assert len(areas) == 4
    for area in areas:  # the page names no organisation that decided them
        assert data.value(area, KGPUB.owner) is None, area
    majority = data.value(platform, DCTERMS.creator)
    assert text_in(data, majority, RDFS.label, "sv") == ["Det politiska styret"]


def test_no_skos_mapping_points_at_a_concept_scheme(data: Graph) -> None:
    schemes = set(data.subjects(RDF.type, SKOS.ConceptScheme))
    assert iri("id/un/agenda-2030") in schemes
    for prop in SKOS_MAPPINGS:
        for subject, target in data.subject_objects(prop):
            assert target not in schemes, (subject, prop, target)
            assert subject not in schemes, (subject, prop, target)


def test_the_agenda_goal_is_in_line_with_the_whole_agenda(data: Graph) -> None:
    goal = iri("id/haparanda/goal/hallbar-utveckling-i-linje-med-agenda-2030")
    agenda = iri("id/un/agenda-2030")
    assert (goal, KGPUB.inLineWith, agenda) in data
    (alignment,) = list(data.subjects(KGPUB.localGoal, goal))
    assert data.value(alignment, KGPUB.objective) == agenda
    assert data.value(alignment, KGPUB.mappingRelation) == KGPUB.inLineWith
    assert data.value(alignment, KGPUB.basis) == KGPUB.StatedBySource


def test_local_environmental_goals_are_narrower_interpretations_by_name(data: Graph) -> None:
    """The page says the local goals "förtydligar" the national ones, but pairs none of them:
    the pairing by name is kgpub's interpretation, the local goal the narrower one."""
    goals = list(data.subjects(SKOS.inScheme, iri("id/haparanda/environmental-goals")))
    assert len(goals) == 7
    for goal in goals:
        assert list(data.objects(goal, SKOS.closeMatch)) == []
        (national,) = list(data.objects(goal, SKOS.broadMatch))
        assert text_in(data, goal, SKOS.prefLabel, "sv") == text_in(
            data, national, SKOS.prefLabel, "sv"
        )
        (alignment,) = list(data.subjects(KGPUB.localGoal, goal))
        assert data.value(alignment, KGPUB.mappingRelation) == SKOS.broadMatch
        assert data.value(alignment, KGPUB.basis) == KGPUB.InterpretedLink
        assert "same name" in " ".join(text_in(data, alignment, RDFS.comment, "en"))
        assert "samma namn" in " ".join(text_in(data, alignment, RDFS.comment, "sv"))


def test_each_strategic_priority_supports_the_vision_area_of_the_same_title(data: Graph) -> None:
    def title(node: URIRef) -> str:
        (label,) = text_in(data, node, RDFS.label, "sv")
        return label.replace("- ", " ")  # the page writes "samverkan- genom" once

    priorities = list(data.subjects(RDF.type, KGPUB.StrategicPriority))
    assert len(priorities) == 3
    areas = set(data.objects(iri("id/haparanda/vision"), KGPUB.hasArea))
    for priority in priorities:
        (area,) = list(data.objects(priority, KGPUB.supportsArea))
        assert area in areas
        assert title(area) == title(priority)


def test_visio_2035_claims_no_language_and_nothing_the_source_does_not_say(data: Graph) -> None:
    visio = iri("id/haparanda/document/visio-2035")
    for prop in (RDFS.label, DCTERMS.title):
        for value in data.objects(visio, prop):
            assert value.language is None, (prop, value)
    assert str(data.value(visio, DCTERMS.title)) == "Visio 2035"
    comments = " ".join(str(o) for _, o in data.subject_objects(RDFS.comment)).lower()
    for claim in ("finska", "finnish", "17 globala", "17 sustainable"):
        assert claim not in comments, claim


def test_haparandas_priority_heading_and_decision_sentence_are_published(data: Graph) -> None:
    heading = Literal("Kommunfullmäktiges prioriteringar – tre huvudinriktningar", lang="sv")
    (listing,) = list(data.subjects(RDFS.label, heading))
    members = set(data.objects(listing, SCHEMA.itemListElement))
    assert members == set(data.subjects(RDF.type, KGPUB.StrategicPriority))
    assert data.value(listing, SCHEMA.numberOfItems).toPython() == 3
    (description,) = text_in(data, listing, DCTERMS.description, "sv")
    sentence = (
        "Strategiska prioriteringar ska styra kommunen som organisation. Det är "
        "kommunfullmäktige som fattar beslut om vilka strategiska prioriteringar som ska gälla."
    )
    assert description.startswith(sentence)
    seeds = seed_text()
    assert str(heading) in seeds and description in seeds


@pytest.mark.parametrize(
    ("committee", "stated", "shown"),
    [
        ("kommunstyrelsen", "144.0", "144.0 MSEK"),
        ("socialnamnden", "308.0", "308.0 MSEK"),
        ("barn-och-ungdomsnamnden", "252.9", "252.9 MSEK"),
        ("samhallsbyggnadsnamnden", "5.2", "5.2 MSEK"),
    ],
)
def test_budget_amounts_keep_the_sources_scale_and_precision(
    data: Graph, committee: str, stated: str, shown: str
) -> None:
    allocation = iri(f"id/haparanda/budget/2024/{committee}")
    value = data.value(allocation, KGPUB.statedAmount)
    multiplier = data.value(allocation, SDMX_ATTRIBUTE.unitMult)
    decimals = data.value(allocation, SDMX_ATTRIBUTE.decimals)
    assert value is not None and multiplier is not None and decimals is not None
    assert value.datatype == XSD.decimal and value.toPython() == Decimal(stated)
    assert multiplier.toPython() == 6  # "miljoner": 10^6
    assert decimals.toPython() == 1  # "252,9": one decimal
    prefix = {6: "M"}[multiplier.toPython()]
    assert f"{value.toPython():.{decimals.toPython()}f} {prefix}SEK" == shown
    amount = data.value(allocation, KGPUB.amount).toPython()
    assert amount == value.toPython() * 10 ** multiplier.toPython()
    words = str(data.value(allocation, KGPUB.amountAsStated))
    assert words == f"{stated.replace('.', ',')} miljoner kronor"


@pytest.mark.parametrize(
    ("municipality", "code", "wikidata", "county", "county_code", "nuts"),
    [
        ("haninge", "0136", "Q113692", "stockholms-lan", "01", "SE110"),
        ("haparanda", "2583", "Q510310", "norrbottens-lan", "25", "SE332"),
    ],
)
def test_municipalities_carry_the_identifiers_agencies_join_on(
    data: Graph,
    municipality: str,
    code: str,
    wikidata: str,
    county: str,
    county_code: str,
    nuts: str,
) -> None:
    m = iri(f"id/{municipality}")
    c = iri(f"id/se/county/{county}")
    assert str(data.value(m, KGPUB.municipalityCode)) == code
    assert (m, SCHEMA.sameAs, WIKIDATA[wikidata]) in data
    assert (m, KGPUB.county, c) in data
    assert (c, RDF.type, KGPUB.County) in data
    assert str(data.value(c, KGPUB.countyCode)) == county_code
    assert code.startswith(county_code)  # SCB: a municipality code begins with its county's
    assert (c, SCHEMA.sameAs, NUTS[nuts]) in data
    assert (m, DCTERMS.spatial, NUTS[nuts]) not in data  # the region is the county's
    for node in (m, c):  # each says where its identifiers come from
        assert "identifier" in " ".join(text_in(data, node, RDFS.comment, "en"))
