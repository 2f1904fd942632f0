"""Municipal strategy kept in spreadsheets: the template follows the shapes, export then import
gives back the published graph, every mistake is reported at its cell, Swedish Excel's CSV
reads the same as XLSX, and the CSV folder carries CSV on the Web metadata."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, XSD

from kgpub.cli import main
from kgpub.config import Settings
from kgpub.publish.sources import Snapshot, load_snapshot
from kgpub.publish.spreadsheet.template import build_template
from kgpub.publish.spreadsheet.workbook import (
    CheckReport,
    check_workbook,
    export_tables,
    import_workbook,
    render,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings.load(root=ROOT)


@pytest.fixture(scope="module")
def snapshot(settings: Settings) -> Snapshot:
    return load_snapshot(settings)


def exported(snapshot: Snapshot, municipality: str, *, as_csv: bool = False) -> Any:
    template, tables = export_tables(snapshot, municipality)
    return render(tables, template, csv=as_csv)


def published(settings: Settings, municipality: str) -> Graph:
    path = ROOT / "data" / f"{municipality}.ttl"
    return Graph().parse(path, format="turtle", publicID=settings.base_iri)


def parsed(report: CheckReport, settings: Settings) -> Graph:
    assert report.problems == []
    assert report.turtle is not None
    return Graph().parse(data=report.turtle, format="turtle", publicID=settings.base_iri)


# -- round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("municipality", ["haninge", "haparanda"])
@pytest.mark.parametrize("as_csv", [False, True], ids=["xlsx", "csv"])
def test_export_then_import_gives_the_published_graph(
    snapshot: Snapshot, settings: Settings, municipality: str, as_csv: bool
) -> None:
    data = exported(snapshot, municipality, as_csv=as_csv)
    report = import_workbook(snapshot, data, f"{municipality}.xlsx")
    assert isomorphic(parsed(report, settings), published(settings, municipality))


@pytest.mark.parametrize("municipality", ["haninge", "haparanda"])
def test_export_writes_no_rows_to_the_other_statements_sheet(
    snapshot: Snapshot, municipality: str
) -> None:
    _template, tables = export_tables(snapshot, municipality)
    extra = next(t for t in tables if t.title == "Övrigt")
    assert extra.rows == []
    book = openpyxl.load_workbook(io.BytesIO(exported(snapshot, municipality)))
    assert book["Övrigt"].max_row == 3  # the three header rows only


def _rows(snapshot: Snapshot, municipality: str, title: str) -> dict[str, dict[str, Any]]:
    """The exported rows of one sheet by ID, each as its cells by column key."""
    _template, tables = export_tables(snapshot, municipality)
    table = next(t for t in tables if t.title == title)
    return {
        str(cells[0].value): {k: c.value for k, c in zip(table.keys, cells, strict=True)}
        for cells in table.rows
    }


def test_the_seed_data_travels_in_real_columns(snapshot: Snapshot) -> None:
    provenance = _rows(snapshot, "haparanda", "Proveniens")["haparanda"]
    assert provenance["prov:wasDerivedFrom"] == "source/mal-budget-och-uppfoljning"
    assert provenance["prov:generatedAtTime"].startswith("2026-11-23T00:00:00")
    assert provenance["rdfs:label@sv"] == "Haparanda stad: mål, budget och uppföljning"
    contact = _rows(snapshot, "haparanda", "Kontakt")["contact"]
    assert contact["vcard:hasAddress/vcard:street-address"] == "Torget 9"
    assert contact["vcard:hasAddress/vcard:locality"] == "Haparanda"
    assert contact["vcard:hasAddress/vcard:postal-code"] is None
    visio = _rows(snapshot, "haparanda", "Källor")["visio-2035"]
    assert visio["dcterms:title"] == "Visio 2035"
    assert visio["dcterms:title@sv"] is None
    assert visio["dcterms:format"] == "filetype:PDF"
    page = _rows(snapshot, "haninge", "Källor")["source/vision-invanarlofte-och-mal"]
    assert page["dcterms:modified"] == "2024-04-04"


def _imported_after(snapshot: Snapshot, municipality: str, *edits: Edit) -> Graph:
    book = openpyxl.load_workbook(io.BytesIO(exported(snapshot, municipality)))
    for edit in edits:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    return parsed(import_workbook(snapshot, out.getvalue(), "s.xlsx"), snapshot.settings)


def test_an_empty_provenance_id_stands_for_the_municipalitys_graph(
    snapshot: Snapshot, settings: Settings
) -> None:
    graph = _imported_after(snapshot, "haparanda", _set("Proveniens", "haparanda", "id", None))
    assert isomorphic(graph, published(settings, "haparanda"))


def test_the_address_columns_describe_one_address(snapshot: Snapshot) -> None:
    postcode = _set("Kontakt", "contact", "vcard:hasAddress/vcard:postal-code", "953 85")
    graph = _imported_after(snapshot, "haparanda", postcode)
    vcard = "http://www.w3.org/2006/vcard/ns#"
    contact = URIRef(snapshot.settings.base_iri + "id/haparanda/contact")
    addresses = list(graph.objects(contact, URIRef(vcard + "hasAddress")))
    assert len(addresses) == 1
    parts = {str(p).removeprefix(vcard): str(o) for p, o in graph.predicate_objects(addresses[0])}
    assert parts == {
        str(RDF.type): vcard + "Address",
        "street-address": "Torget 9",
        "postal-code": "953 85",
        "locality": "Haparanda",
    }


def test_a_file_format_from_the_drop_down_is_described(snapshot: Snapshot) -> None:
    page = "source/vision-invanarlofte-och-mal"
    graph = _imported_after(
        snapshot, "haninge", _set("Källor", page, "dcterms:format", "filetype:HTML\nfiletype:ZIP")
    )
    filetype = "http://publications.europa.eu/resource/authority/file-type/"
    html, zip_ = URIRef(filetype + "HTML"), URIRef(filetype + "ZIP")
    assert (html, RDF.type, DCTERMS.MediaTypeOrExtent) in graph
    assert set(graph.objects(html, RDFS.label)) == {
        Literal("HTML", lang="sv"),
        Literal("HTML", lang="en"),
    }
    assert (None, DCTERMS["format"], zip_) in graph  # not offered, yet taken as given
    assert (zip_, None, None) not in graph


def test_import_writes_the_same_bytes_for_the_same_workbook(snapshot: Snapshot) -> None:
    data = exported(snapshot, "haparanda")
    first = import_workbook(snapshot, data, "h.xlsx").turtle
    assert first is not None and "@base" not in first
    assert "<id/haparanda>" in first  # relative IRIs, like the files in data/
    assert import_workbook(snapshot, data, "h.xlsx").turtle == first


# -- the template follows the shapes -----------------------------------------------------------


def test_a_property_the_shapes_require_becomes_a_required_column(snapshot: Snapshot) -> None:
    base = snapshot.settings.base_iri
    before = build_template(snapshot.shapes, snapshot.ontology, base).sheet("goals")
    assert before.column("kgpub:responsibleUnit") is None

    shapes = Graph()
    shapes += snapshot.shapes
    added = URIRef(base + "shapes#Goal-responsibleUnit")
    shapes.add((URIRef(base + "shapes#GoalShape"), SH.property, added))
    shapes.add((added, SH.path, URIRef(base + "ontology#responsibleUnit")))
    shapes.add((added, SH.minCount, Literal(1)))
    shapes.add((added, SH.datatype, XSD.string))
    after = build_template(shapes, snapshot.ontology, base).sheet("goals")
    column = after.column("kgpub:responsibleUnit")
    assert column is not None and column.required
    assert "kgpub:Goal" in column.required_for


def test_the_template_marks_required_columns_and_offers_drop_downs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "strategy.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    goals = book["Mål"]
    headers = {c.value: c for c in goals[3]}
    name = headers["rdfs:label@sv"]
    assert str(goals.cell(1, name.column).value).endswith("*")  # required by the shapes
    assert goals.cell(2, name.column).value == "name (sv)"  # English below the Swedish
    relation = book["Målkopplingar"]
    formulas = [dv.formula1 for dv in relation.data_validations.dataValidation]
    assert formulas, "the alignment sheet has drop-downs"
    lists = book["Listor"]
    listed = {c.value for col in lists.iter_cols() for c in col}
    assert {"skos:broadMatch", "kgpub:InterpretedLink", "seo:frisk-luft"} <= listed


# -- every mistake at its cell -------------------------------------------------------------------

Edit = Callable[[Any], str]


def _set(sheet: str, row_id: str | None, key: str, value: Any) -> Edit:
    """Put ``value`` in column ``key`` of the row whose ID is ``row_id`` (or the first row)."""

    def edit(book: Any) -> str:
        ws = book[sheet]
        keys = [c.value for c in ws[3]]
        col = keys.index(key) + 1
        row = next(
            r for r in range(4, ws.max_row + 1) if row_id is None or ws.cell(r, 1).value == row_id
        )
        ws.cell(row, col).value = value
        return f"{sheet}!{ws.cell(row, col).coordinate}"

    return edit


MISTAKES: list[tuple[str, Edit, str]] = [
    (
        "a word in an amount",
        _set("Budgetanslag", "kommunstyrelsen", "kgpub:amount", "mycket"),
        "is not a number",
    ),
    (
        "an unknown objective",
        _set("Målkopplingar", "frisk-luft", "kgpub:objective", "seo:ren-luft"),
        "not one of the values",
    ),
    (
        "a parent that does not exist",
        _set("Mål", "hallbar-ekonomi", "skos:broader", "finns-inte"),
        "does not name a row",
    ),
    (
        "a goal that is its own parent",
        _set("Mål", "hallbar-ekonomi", "skos:broader", "hallbar-ekonomi"),
        "circle",
    ),
    (
        "a slug used twice",
        _set("Mål", "hallbar-infrastruktur", "id", "hallbar-ekonomi"),
        "used twice",
    ),
    (
        "a year that is not a year",
        _set("Budget", "2024", "kgpub:fiscalYear", "20x4"),
        "is not a year",
    ),
    (
        "a date that is not a date",
        _set("Prioriteringslistor", "strategic-priorities", "kgpub:decisionDate", "april 2023"),
        "is not a date",
    ),
    (
        "a slug with capitals and spaces",
        _set("Målkopplingar", "giftfri-miljo", "id", "Giftfri Miljö"),
        "is not a slug",
    ),
    (
        "a source that is no row",
        _set("Mål", "hallbar-ekonomi", "dcterms:source", "webbsidan"),
        "does not name a row",
    ),
    (
        "a goal without its Swedish name",
        _set("Mål", "hallbar-ekonomi", "rdfs:label@sv", None),
        "Swedish name is missing",
    ),
    (
        "a currency that is no ISO code",
        _set("Budgetanslag", "socialnamnden", "kgpub:currency", "kr"),
        "ISO 4217",
    ),
    (
        "a municipality code without its leading digit",
        _set("Kommun", None, "kgpub:municipalityCode", "583"),
        "four digits",
    ),
    (
        "a period that ends before it starts",
        _set("Perioder", "period-2023-2026", "dcat:endDate", "2020"),
        "ends before it starts",
    ),
    (
        "a goal without an owner",
        _set("Mål", "hallbar-infrastruktur", "kgpub:owner", None),
        "exactly one owner",
    ),
]


@pytest.fixture(scope="module")
def haparanda_workbook(snapshot: Snapshot) -> bytes:
    data = exported(snapshot, "haparanda")
    assert isinstance(data, bytes)
    return data


@pytest.mark.parametrize(("mistake", "edit", "words"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_reported_once_at_its_cell(
    snapshot: Snapshot, haparanda_workbook: bytes, mistake: str, edit: Edit, words: str
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(haparanda_workbook))
    where = edit(book)
    out = io.BytesIO()
    book.save(out)
    report = import_workbook(snapshot, out.getvalue(), "strategi.xlsx")
    assert [str(p).split(": ", 1)[0] for p in report.problems] == [f"strategi.xlsx:{where}"]
    assert words in report.problems[0].en
    assert report.problems[0].sv and report.turtle is None


def test_check_workbook_groups_problems_by_sheet_and_row(
    settings: Settings, haparanda_workbook: bytes
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(haparanda_workbook))
    _set("Budgetanslag", "kommunstyrelsen", "kgpub:amount", "mycket")(book)
    _set("Budgetanslag", "socialnamnden", "kgpub:amount", "lite")(book)
    out = io.BytesIO()
    book.save(out)
    report = check_workbook(out.getvalue(), "strategi.xlsx", settings)
    assert not report.ok
    assert sorted(report.by_sheet()["Budgetanslag"]) == [4, 5]


# -- Swedish Excel's CSV ----------------------------------------------------------------------


def _as_swedish_excel(files: dict[str, bytes]) -> dict[str, bytes]:
    """What Swedish Excel saves: ``;`` between cells, Windows-1252, decimal commas."""
    out: dict[str, bytes] = {}
    for name, raw in files.items():
        if not name.endswith(".csv"):
            continue
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        keys = rows[2]
        for row in rows[3:]:
            for i, key in enumerate(keys):
                if key in {"kgpub:amount", "kgpub:statedAmount"} and row[i]:
                    whole, _, frac = row[i].partition(".")
                    grouped = f"{int(whole):,}".replace(",", " ")
                    row[i] = grouped + ("," + frac if frac else "")
        text = io.StringIO()
        csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(rows)
        out[name] = text.getvalue().encode("cp1252", errors="replace")
    return out


def test_csv_from_swedish_excel_imports_the_same_as_xlsx(
    snapshot: Snapshot, haparanda_workbook: bytes
) -> None:
    files = exported(snapshot, "haparanda", as_csv=True)
    swedish = _as_swedish_excel(files)
    assert b"252,9" in swedish["allocations.csv"] and b";" in swedish["allocations.csv"]
    from_csv = import_workbook(snapshot, swedish, "strategi").turtle
    from_xlsx = import_workbook(snapshot, haparanda_workbook, "strategi").turtle
    assert from_csv is not None and from_csv == from_xlsx


def test_the_csv_folder_has_csv_on_the_web_metadata(snapshot: Snapshot) -> None:
    files = exported(snapshot, "haninge", as_csv=True)
    meta = json.loads(files["csv-metadata.json"])
    assert "http://www.w3.org/ns/csvw" in meta["@context"]
    urls = {t["url"] for t in meta["tables"]}
    assert urls == {name for name in files if name.endswith(".csv")}
    goals = next(t for t in meta["tables"] if t["url"] == "goals.csv")
    header = next(csv.reader(io.StringIO(files["goals.csv"].decode("utf-8-sig"))))
    assert len(goals["tableSchema"]["columns"]) == len(header)
    assert meta["dialect"]["headerRowCount"] == 3


# -- the commands ------------------------------------------------------------------------------


def test_import_writes_nothing_when_anything_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, haparanda_workbook: bytes
) -> None:
    monkeypatch.chdir(ROOT)
    book = openpyxl.load_workbook(io.BytesIO(haparanda_workbook))
    _set("Budget", "2024", "kgpub:fiscalYear", "20x4")(book)
    workbook = tmp_path / "strategi.xlsx"
    book.save(workbook)
    out = tmp_path / "haparanda.ttl"
    assert main(["import", str(workbook), "--out", str(out)]) == 1
    assert not out.exists()
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    assert main(["import", str(tmp_path / "broken.xlsx"), "--out", str(out)]) == 2
    assert not out.exists()


def test_new_scaffolds_a_workbook_with_the_municipality_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "nacka.xlsx"
    assert (
        main(["new", "nacka", "--name", "Nacka kommun", "--code", "0182", "--out", str(out)]) == 0
    )
    assert "kgpub import" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out)["Kommun"]
    row = {ws.cell(3, c).value: ws.cell(4, c).value for c in range(1, ws.max_column + 1)}
    assert row["id"] == "nacka"
    assert row["rdfs:label@sv"] == "Nacka kommun"
    assert row["kgpub:municipalityCode"] == "0182"
