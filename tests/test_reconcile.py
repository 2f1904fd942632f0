"""The Reconciliation Service API 0.2 at /reconcile: every answer validates against the
W3C Entity Reconciliation CG's JSON Schemas (whose own valid and invalid examples prove the
validator first), matching and scoring, properties, suggest, preview, data extension, CORS,
JSONP and clear 400s for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from kgpub.config import Settings
from kgpub.publish.publisher import Publisher
from kgpub.web import create_app

ROOT = Path(__file__).resolve().parents[1]
STANDARD = ROOT.parent / "shared" / "standards" / "reconciliation-0.2"
BASE = "https://w3id.org/kgpub/"
K = BASE + "ontology#"
HANINGE = BASE + "id/haninge"
HANINGE_GOAL = BASE + "id/haninge/goal/malinriktat-miljoarbete"
LOCAL_AIR = BASE + "id/haparanda/environmental-goal/frisk-luft"
NATIONAL_AIR = BASE + "id/se/environmental-objective/frisk-luft"
AGENDA_GOAL = BASE + "id/haparanda/goal/hallbar-utveckling-i-linje-med-agenda-2030"
BOARD_BUDGET = BASE + "id/haparanda/budget/2024/kommunstyrelsen"
SOCIAL = BASE + "id/haparanda/socialnamnden"

#: Which schema each examples/ folder is checked with (the other folders have no schema).
SCHEMA_OF = {
    "manifest": "manifest.json",
    "reconciliation-query-batch": "reconciliation-query-batch.json",
    "reconciliation-result-batch": "reconciliation-result-batch.json",
    "suggest-entities-response": "suggest-entities-response.json",
    "suggest-types-response": "suggest-types-response.json",
    "suggest-properties-response": "suggest-properties-response.json",
    "data-extension-query": "data-extension-query.json",
    "data-extension-response": "data-extension-response.json",
    "data-extension-property-proposal": "data-extension-property-proposal.json",
}
WITHOUT_SCHEMA = {
    "data-extension-metadata",
    "flyout-response",
    "preview-metadata",
    "preview-response",
    "reconciliation-candidate",
    "security-scheme",
    "suggest-metadata",
}

needs_standard = pytest.mark.skipif(
    not STANDARD.is_dir(),
    reason="../shared/standards/reconciliation-0.2 is not beside this checkout",
)


# -- the validator ----------------------------------------------------------------------


def _registry() -> Registry:
    """Every schema under its $id (openapi.json is the Swagger 2.0 schema the manifest's
    authentication refers to), so references resolve without a network."""
    resources = []
    for path in sorted((STANDARD / "schemas").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"].rstrip("#"), DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources)


def validator(schema_file: str) -> Draft202012Validator:
    schema = json.loads((STANDARD / "schemas" / schema_file).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=_registry())


def assert_valid(schema_file: str, document: Any) -> None:
    errors = [e.message for e in validator(schema_file).iter_errors(document)]
    assert errors == [], f"{schema_file}: {errors}"


def _examples(kind: str) -> list[tuple[str, Path]]:
    if not STANDARD.is_dir():
        return []
    return [
        (folder, path)
        for folder in SCHEMA_OF
        for path in sorted((STANDARD / "examples" / folder / kind).glob("*.json"))
    ]


@needs_standard
def test_every_example_folder_is_checked_or_has_no_schema() -> None:
    folders = {p.name for p in (STANDARD / "examples").iterdir() if p.is_dir()}
    assert folders == set(SCHEMA_OF) | WITHOUT_SCHEMA
    assert len(_examples("valid")) >= 20 and len(_examples("invalid")) >= 15


@needs_standard
@pytest.mark.parametrize(("folder", "path"), _examples("valid"), ids=lambda v: str(v))
def test_valid_examples_pass_the_validator(folder: str, path: Path) -> None:
    assert_valid(SCHEMA_OF[folder], json.loads(path.read_text(encoding="utf-8")))


@needs_standard
@pytest.mark.parametrize(("folder", "path"), _examples("invalid"), ids=lambda v: str(v))
def test_invalid_examples_fail_the_validator(folder: str, path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert not validator(SCHEMA_OF[folder]).is_valid(document)


# -- the app ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    settings = Settings.load(root=ROOT, env={})
    publisher = Publisher(settings)
    publisher.publish()
    yield create_app(settings, publisher, sparql=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def reconcile(client: FlaskClient, queries: dict[str, Any], post: bool = True) -> Any:
    data = {"queries": json.dumps(queries)}
    resp = (
        client.post("/reconcile", data=data)
        if post
        else client.get("/reconcile", query_string=data)
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    if STANDARD.is_dir():
        assert_valid("reconciliation-query-batch.json", queries)
        assert_valid("reconciliation-result-batch.json", body)
    return body


def one(client: FlaskClient, query: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = reconcile(client, {"q0": query})["q0"]["result"]
    return result


# -- manifest ---------------------------------------------------------------------------


def test_manifest(client: FlaskClient) -> None:
    resp = client.get("/reconcile")
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    manifest = resp.get_json()
    if STANDARD.is_dir():
        assert_valid("manifest.json", manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == BASE
    assert manifest["schemaSpace"] == K
    assert {"id": K + "Municipality", "name": "kommun"} in manifest["defaultTypes"]
    view = manifest["view"]["url"].replace("{{id}}", HANINGE)
    assert client.get(view).headers["Location"] == "http://localhost/doc/haninge.html"
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert manifest["extend"]["propose_properties"]["service_path"] == "/properties"


def test_names_follow_the_language(client: FlaskClient) -> None:
    manifest = client.get("/reconcile?lang=en").get_json()
    assert {"id": K + "Municipality", "name": "municipality"} in manifest["defaultTypes"]


# -- reconciliation ---------------------------------------------------------------------


def test_accents_are_ignored_and_an_exact_unique_name_matches(client: FlaskClient) -> None:
    for post in (True, False):
        body = reconcile(client, {"q0": {"query": "Malinriktat miljoarbete"}}, post=post)
        best = body["q0"]["result"][0]
        assert best["id"] == HANINGE_GOAL
        assert best["name"] == "Målinriktat miljöarbete"
        assert (best["score"], best["match"]) == (100.0, True)
        assert best["type"] == [{"id": K + "Goal", "name": "mål"}]
        assert best["description"] == "Mål, Haninge kommun"


def test_a_partial_name_scores_lower_and_does_not_match(client: FlaskClient) -> None:
    (best,) = one(client, {"query": "malinriktat"})
    assert best["id"] == HANINGE_GOAL
    assert 0 < best["score"] < 100 and best["match"] is False


def test_two_exact_names_are_no_match_until_a_property_decides(client: FlaskClient) -> None:
    both = one(client, {"query": "Frisk luft"})
    assert {c["id"] for c in both[:2]} == {LOCAL_AIR, NATIONAL_AIR}
    assert not any(c["match"] for c in both)
    owner = [{"pid": K + "owner", "v": "Haparanda stad"}]
    decided = one(client, {"query": "Frisk luft", "properties": owner})
    assert [(c["id"], c["match"]) for c in decided] == [(LOCAL_AIR, True), (NATIONAL_AIR, False)]
    assert decided[0]["score"] > decided[1]["score"]
    by_code = [{"pid": K + "owner", "v": {"id": BASE + "id/se/riksdagen"}}]
    assert one(client, {"query": "frisk luft", "properties": by_code})[0]["id"] == NATIONAL_AIR


def test_types_narrow_the_candidates_and_include_subclasses(client: FlaskClient) -> None:
    found = one(client, {"query": "haninge", "type": K + "Municipality"})
    assert [c["id"] for c in found] == [HANINGE]
    units = one(
        client, {"query": "kommunstyrelsen", "type": "http://www.w3.org/ns/org#OrganizationalUnit"}
    )
    assert [c["id"] for c in units] == [BASE + "id/haparanda/kommunstyrelsen"]
    assert units[0]["match"] is True  # the budget allocation of the same name is not a unit
    either = one(
        client, {"query": "kommunstyrelsen", "type": [K + "BudgetAllocation", K + "Vision"]}
    )
    assert [c["id"] for c in either] == [BOARD_BUDGET]


def test_the_scb_code_finds_a_municipality_even_without_its_leading_zero(
    client: FlaskClient,
) -> None:
    for value in ("0136", 136, "136"):
        found = one(client, {"properties": [{"pid": K + "municipalityCode", "v": value}]})
        assert [(c["id"], c["score"], c["match"]) for c in found] == [(HANINGE, 100.0, True)]
    assert one(client, {"query": "0136"})[0]["id"] == HANINGE
    wrong = one(
        client,
        {"query": "Haninge kommun", "properties": [{"pid": K + "municipalityCode", "v": "2583"}]},
    )
    assert wrong[0]["id"] == HANINGE and wrong[0]["match"] is False and wrong[0]["score"] == 50.0


def test_limit_and_order(client: FlaskClient) -> None:
    found = one(client, {"query": "hållbar", "limit": 3})
    assert len(found) == 3
    scores = [c["score"] for c in found]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 100 for s in scores)
    assert one(client, {"query": "hållbar", "limit": 0}) == []
    assert one(client, {"query": "zzzxq"}) == []


def test_a_batch_answers_every_key(client: FlaskClient) -> None:
    batch = {f"q{i}": {"query": name} for i, name in enumerate(["Haninge", "Haparanda", "x y z"])}
    body = reconcile(client, batch)
    assert set(body) == set(batch)
    assert body["q1"]["result"][0]["id"] == BASE + "id/haparanda"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"queries": "{not json"}, "not valid JSON"),
        ({"queries": "[]"}, "JSON object"),
        ({"queries": '{"q0": "Haninge"}'}, "must be a JSON object"),
        ({"queries": '{"q0": {"query": "x", "type": "http://example.org/Nope"}}'}, "unknown type"),
        ({"queries": '{"q0": {"query": "x", "limit": "ten"}}'}, "limit must be a number"),
        ({"queries": '{"q0": {"query": "x", "limit": true}}'}, "limit must be a number"),
        ({"queries": '{"q0": {"query": "x", "props": []}}'}, "unknown member 'props'"),
        ({"queries": '{"q0": {"limit": 1}}'}, "neither a query string nor properties"),
        ({"queries": '{"q0": {"query": 5}}'}, "must be a string"),
        ({"queries": '{"q0": {"query": "x", "properties": [{"pid": "p", "v": 1}]}}'}, "cannot be"),
        ({"queries": '{"q0": {"query": "x", "properties": [{"v": 1}]}}'}, "'pid' and a 'v'"),
        ({"extend": "{"}, "not valid JSON"),
        ({"extend": '{"ids": "x", "properties": []}'}, "'ids' must be a list"),
        ({"extend": f'{{"ids": [], "properties": [{{"id": "{K}nope"}}]}}'}, "unknown property"),
        ({"extend": '{"ids": [], "properties": ["x"]}'}, "'properties' must be a list"),
    ],
)
def test_bad_input_is_a_clear_400(
    client: FlaskClient, params: dict[str, str], fragment: str
) -> None:
    for resp in (
        client.get("/reconcile", query_string=params),
        client.post("/reconcile", data=params),
    ):
        assert resp.status_code == 400
        assert resp.mimetype == "application/json"
        assert fragment in resp.get_json()["error"]
        assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_other_bad_parameters_are_400s(client: FlaskClient) -> None:
    assert client.get("/reconcile/suggest/entity?prefix=h&cursor=x").status_code == 400
    assert client.get("/reconcile/suggest/entity?prefix=h&type=nope").status_code == 400
    assert client.get("/reconcile/properties?type=nope").status_code == 400
    assert client.get("/reconcile/properties?limit=many").status_code == 400
    assert client.get("/reconcile/preview").status_code == 400
    assert client.get("/reconcile/view").status_code == 400
    assert client.get("/reconcile/suggest/people?prefix=h").status_code == 404


# -- JSONP and CORS ---------------------------------------------------------------------


def test_jsonp_wraps_json_in_a_safe_callback(client: FlaskClient) -> None:
    resp = client.get("/reconcile", query_string={"callback": "jQuery_123.cb"})
    assert resp.status_code == 200
    assert resp.mimetype == "application/javascript"
    text = resp.get_data(as_text=True)
    assert text.startswith("/**/jQuery_123.cb(") and text.endswith(");")
    inner = json.loads(text[len("/**/jQuery_123.cb(") : -2])
    assert inner["versions"] == ["0.2"]
    queries = json.dumps({"q0": {"query": "haninge"}})
    resp = client.get("/reconcile", query_string={"queries": queries, "callback": "cb"})
    assert resp.get_data(as_text=True).startswith("/**/cb({")


@pytest.mark.parametrize("callback", ["alert(1)", "a b", "<script>", "", "1abc", "å", "a" * 80])
def test_an_unsafe_callback_is_refused(client: FlaskClient, callback: str) -> None:
    resp = client.get("/reconcile", query_string={"callback": callback})
    assert resp.status_code == 400
    assert resp.mimetype == "application/json"
    assert "callback" in resp.get_json()["error"]


def test_cors_preflight(client: FlaskClient) -> None:
    resp = client.options(
        "/reconcile",
        headers={"Origin": "http://127.0.0.1:3333", "Access-Control-Request-Method": "POST"},
    )
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]


# -- suggest and property proposals ------------------------------------------------------


def test_suggest_entities(client: FlaskClient) -> None:
    body = client.get("/reconcile/suggest/entity?prefix=malinr").get_json()
    if STANDARD.is_dir():
        assert_valid("suggest-entities-response.json", body)
    assert body["result"][0]["id"] == HANINGE_GOAL
    assert body["result"][0]["notable"] == [{"id": K + "Goal", "name": "mål"}]
    typed = client.get(
        "/reconcile/suggest/entity", query_string={"prefix": "ha", "type": K + "Municipality"}
    )
    assert {r["id"] for r in typed.get_json()["result"]} == {HANINGE, BASE + "id/haparanda"}
    first = client.get("/reconcile/suggest/entity?prefix=h").get_json()["result"]
    later = client.get("/reconcile/suggest/entity?prefix=h&cursor=2").get_json()["result"]
    assert later[0] == first[2]


def test_suggest_types_and_properties(client: FlaskClient) -> None:
    types = client.get("/reconcile/suggest/type?prefix=kommun").get_json()
    props = client.get("/reconcile/suggest/property?prefix=scb").get_json()
    everything = client.get("/reconcile/suggest/type").get_json()
    if STANDARD.is_dir():
        assert_valid("suggest-types-response.json", types)
        assert_valid("suggest-types-response.json", everything)
        assert_valid("suggest-properties-response.json", props)
    assert {"id": K + "Municipality", "name": "kommun"} in types["result"]
    assert props["result"] == [{"id": K + "municipalityCode", "name": "kommunkod (SCB)"}]
    assert len(everything["result"]) == 10  # a page; cursor= pages on
    assert client.get("/reconcile/suggest/type?cursor=10").get_json()["result"]


def test_properties_proposed_for_a_type(client: FlaskClient) -> None:
    body = client.get("/reconcile/properties", query_string={"type": K + "Municipality"}).get_json()
    if STANDARD.is_dir():
        assert_valid("data-extension-property-proposal.json", body)
    assert body["type"] == K + "Municipality"
    assert {p["id"] for p in body["properties"]} == {
        K + "municipalityCode",
        K + "objective",
        "https://schema.org/sameAs",
    }
    budget = client.get("/reconcile/properties", query_string={"type": K + "BudgetAllocation"})
    assert {p["id"] for p in budget.get_json()["properties"]} == {
        K + "owner",
        K + "fiscalYear",
        K + "amount",
    }
    assert len(client.get("/reconcile/properties?limit=2").get_json()["properties"]) == 2


# -- data extension ---------------------------------------------------------------------


def extend(client: FlaskClient, ids: list[str], pids: list[str]) -> Any:
    query = {"ids": ids, "properties": [{"id": p} for p in pids]}
    resp = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    if STANDARD.is_dir():
        assert_valid("data-extension-query.json", query)
        assert_valid("data-extension-response.json", body)
    return body


def test_extension_of_municipalities(client: FlaskClient) -> None:
    pids = [K + "municipalityCode", "https://schema.org/sameAs", K + "objective"]
    body = extend(client, [HANINGE, BASE + "id/haparanda"], pids)
    assert [m["id"] for m in body["meta"]] == pids
    haninge, haparanda = body["rows"][HANINGE], body["rows"][BASE + "id/haparanda"]
    assert haninge[K + "municipalityCode"] == [{"str": "0136"}]
    assert haninge["https://schema.org/sameAs"] == [{"str": "Q113692"}]
    assert haparanda["https://schema.org/sameAs"] == [{"str": "Q510310"}]  # verified item
    assert haparanda[K + "objective"] == [
        {"id": BASE + "id/se/gender-equality-goals", "name": "Mål för jämställdhet"}
    ]


def test_extension_of_goals_budgets_and_committees(client: FlaskClient) -> None:
    pids = [K + "owner", K + "objective", K + "fiscalYear", K + "amount"]
    rows = extend(client, [LOCAL_AIR, AGENDA_GOAL, BOARD_BUDGET, SOCIAL, "urn:x:unknown"], pids)[
        "rows"
    ]
    assert rows[LOCAL_AIR][K + "owner"] == [{"id": BASE + "id/haparanda", "name": "Haparanda stad"}]
    assert rows[LOCAL_AIR][K + "objective"] == [{"id": NATIONAL_AIR, "name": "Frisk luft"}]
    assert [v["id"] for v in rows[AGENDA_GOAL][K + "objective"]] == [BASE + "id/un/agenda-2030"]
    assert rows[BOARD_BUDGET][K + "fiscalYear"] == [{"int": 2024}]
    assert rows[BOARD_BUDGET][K + "amount"] == [{"int": 144000000}]
    assert rows[BOARD_BUDGET][K + "owner"][0]["id"] == BASE + "id/haparanda"
    assert rows[SOCIAL][K + "amount"] == [{"int": 308000000}]  # what the committee receives
    assert rows["urn:x:unknown"] == {p: [] for p in pids}


# -- preview and view -------------------------------------------------------------------


def test_preview_is_a_small_escaped_card(client: FlaskClient) -> None:
    resp = client.get("/reconcile/preview", query_string={"id": HANINGE_GOAL})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "Målinriktat miljöarbete" in html and "Haninge kommun" in html
    assert 'href="http://localhost/doc/haninge/goal/malinriktat-miljoarbete.html"' in html
    assert "<script" not in html.lower()
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    attack = client.get("/reconcile/preview", query_string={"id": "<script>alert(1)</script>"})
    assert attack.status_code == 404
    assert attack.mimetype == "application/json"  # data, never a page


def test_view_redirects_to_the_html_page(client: FlaskClient) -> None:
    resp = client.get("/reconcile/view", query_string={"id": HANINGE_GOAL})
    assert resp.status_code == 303
    assert (
        resp.headers["Location"] == "http://localhost/doc/haninge/goal/malinriktat-miljoarbete.html"
    )
    assert client.get("/reconcile/view?id=http://example.org/x").status_code == 404


# -- the site search index it shares ------------------------------------------------------


def test_site_search_does_not_list_documents_or_budget_lines_but_finds_codes(
    client: FlaskClient,
) -> None:
    assert client.get("/search.json?q=arsredovisning").get_json()["total"] == 0
    assert one(client, {"query": "arsredovisning", "type": "http://xmlns.com/foaf/0.1/Document"})
    data = client.get("/search.json?q=0136").get_json()
    assert [h["iri"] for g in data["groups"] for h in g["hits"]] == [HANINGE]
