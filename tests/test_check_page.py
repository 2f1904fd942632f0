"""The check page: an official uploads the strategy workbook, its CSV folder or a Turtle file
and reads the report, grouped by sheet and row, in Swedish or English, with links to the
shapes; programs get the same report as JSON. Nothing is kept, the upload is size-limited
and anything unreadable is a 4xx with a plain message."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from kgpub.publish.spreadsheet.workbook import export_tables, render
from kgpub.web.check import checker

ROOT = Path(__file__).resolve().parents[1]
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def workbook(app: Flask) -> bytes:
    """Haparanda's published data as the filled workbook (``kgpub export --xlsx``)."""
    with app.test_request_context():
        snapshot = checker().snapshot
    template, tables = export_tables(snapshot, "haparanda")
    data = render(tables, template, csv=False)
    assert isinstance(data, bytes)
    return data


def cell_of(book: Any, sheet: str, row_id: str | None, key: str) -> Any:
    """The cell in column ``key`` (row 3 holds the keys) of the row ``row_id`` (else row 4)."""
    ws = book[sheet]
    col = [c.value for c in ws[3]].index(key) + 1
    row = next(r for r in range(4, ws.max_row + 1) if row_id in (None, ws.cell(r, 1).value))
    return ws.cell(row, col)


def edited(workbook: bytes, sheet: str, row_id: str | None, key: str, value: Any) -> bytes:
    """The workbook with ``value`` in column ``key`` of the row ``row_id`` (else the first)."""
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    cell_of(book, sheet, row_id, key).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(
    client: FlaskClient, files: list[tuple[bytes, str]], path: str = "/check", **headers: str
) -> Any:
    data = {"file": [(io.BytesIO(raw), name) for raw, name in files]}
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


def broken(workbook: bytes) -> bytes:
    """Two cells that cannot be read: a word as an amount, a year that is not a year."""
    once = edited(workbook, "Budgetanslag", "kommunstyrelsen", "kgpub:amount", "mycket")
    return edited(once, "Budget", "2024", "kgpub:fiscalYear", "20x4")


def code_cell(workbook: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    return str(cell_of(book, "Kommun", None, "kgpub:municipalityCode").coordinate)


def miscoded(workbook: bytes) -> bytes:
    """Readable, but against the shapes: a municipality code of three digits."""
    return edited(workbook, "Kommun", None, "kgpub:municipalityCode", "583")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- the form ----------------------------------------------------------------------------------


def test_the_form_is_a_plain_multipart_post_inside_the_site_frame(client: FlaskClient) -> None:
    page = client.get("/check?lang=en", headers=HTML).get_data(as_text=True)
    assert '<header class="top">' in page and "<footer>" in page
    assert 'method="post" enctype="multipart/form-data"' in page
    assert 'type="file" name="file"' in page
    assert "<script" not in page.split("<main>")[1].split("</main>")[0]  # works without JS
    assert "At most 5 MB" in page


def test_the_home_page_links_the_check_page(client: FlaskClient) -> None:
    assert 'href="/check?lang=sv"' in client.get("/?lang=sv").get_data(as_text=True)


# -- workbooks ---------------------------------------------------------------------------------


def test_a_valid_exported_workbook_has_no_problems(client: FlaskClient, workbook: bytes) -> None:
    resp = upload(client, [(workbook, "haparanda.xlsx")], "/check?lang=en", **HTML)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert "No problems found" in text_of(resp.get_data(as_text=True))
    body = upload(client, [(workbook, "haparanda.xlsx")], **JSON).get_json()
    assert body["ok"] is True and body["problems"] == []
    assert body["municipality"] == "haparanda" and body["triples"] > 500


def test_problems_are_shown_by_sheet_and_row_at_their_cells_in_english(
    client: FlaskClient, workbook: bytes
) -> None:
    resp = upload(client, [(broken(workbook), "strategi.xlsx")], "/check?lang=en", **HTML)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    text = text_of(page)
    assert "2 problems found" in text
    # sheets in the workbook's order, each with its English name and a link to its shape
    assert text.index("Sheet Budget (Budgets)") < text.index("Sheet Budgetanslag")
    assert 'href="/shapes?lang=en#BudgetShape"' in page
    assert 'href="/shapes?lang=en#BudgetAllocationShape"' in page
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    amount = cell_of(book, "Budgetanslag", "kommunstyrelsen", "kgpub:amount")
    assert re.search(rf"<td>{amount.coordinate}</td>\s*<td>[^<]*mycket[^<]* is not a number", page)
    assert "is not a year" in text


def test_a_value_against_the_shapes_is_shown_at_its_cell(
    client: FlaskClient, workbook: bytes
) -> None:
    page = upload(client, [(miscoded(workbook), "strategi.xlsx")], "/check?lang=en", **HTML)
    html = page.get_data(as_text=True)
    assert "1 problem found" in text_of(html)
    code = code_cell(workbook)
    assert re.search(
        rf"<th scope=\"row\"[^>]*>4</th>\s*<td>{code}</td>\s*<td>[^<]*four digits", html
    )
    assert 'href="/shapes?lang=en#MunicipalityShape"' in html


def test_problems_are_in_swedish_on_the_swedish_page(client: FlaskClient, workbook: bytes) -> None:
    page = upload(client, [(broken(workbook), "strategi.xlsx")], "/check?lang=sv", **HTML)
    text = text_of(page.get_data(as_text=True))
    assert "2 problem hittades" in text and "Blad Budgetanslag" in text
    assert "är inget tal" in text and "is not a number" not in text
    page = upload(client, [(miscoded(workbook), "strategi.xlsx")], "/check?lang=sv", **HTML)
    assert "fyra siffror" in page.get_data(as_text=True)


def test_the_json_twin_names_sheet_cell_row_and_both_languages(
    client: FlaskClient, workbook: bytes
) -> None:
    for path, headers in (("/check", JSON), ("/check.json", {})):
        resp = upload(client, [(miscoded(workbook), "strategi.xlsx")], path, **headers)
        assert resp.status_code == 200 and resp.mimetype == "application/json"
        body = resp.get_json()
        assert body["ok"] is False and body["kind"] == "xlsx"
        [problem] = body["problems"]
        where = ("Kommun", code_cell(workbook), 4)
        assert (problem["sheet"], problem["cell"], problem["row"]) == where
        assert "fyra siffror" in problem["message_sv"] and "four digits" in problem["message_en"]
        assert problem["shape"] == "MunicipalityShape"


def test_the_csv_folder_as_a_zip_or_as_csv_files_reads_like_the_workbook(
    app: Flask, client: FlaskClient
) -> None:
    with app.test_request_context():
        snapshot = checker().snapshot
    template, tables = export_tables(snapshot, "haparanda")
    files = render(tables, template, csv=True)
    assert isinstance(files, dict)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name, raw in files.items():
            archive.writestr(f"haparanda/{name}", raw)
    body = upload(client, [(packed.getvalue(), "haparanda.zip")], **JSON).get_json()
    assert body["ok"] is True and body["kind"] == "csv"
    csvs = [(raw, name) for name, raw in files.items() if name.endswith(".csv")]
    body = upload(client, csvs, **JSON).get_json()
    assert body["ok"] is True and body["municipality"] == "haparanda"


# -- Turtle ------------------------------------------------------------------------------------


def test_turtle_is_validated_with_the_shapes_and_the_published_data(client: FlaskClient) -> None:
    good = (ROOT / "data" / "haparanda.ttl").read_bytes()
    assert upload(client, [(good, "haparanda.ttl")], **JSON).get_json()["ok"] is True
    bad = good.replace(b'kgpub:municipalityCode "2583"', b'kgpub:municipalityCode "25x3"')
    body = upload(client, [(bad, "haparanda.ttl")], **JSON).get_json()
    [problem] = body["problems"]
    assert problem["line"] == _subject_line(bad, b"<id/haparanda>")
    assert "four digits" in problem["message_en"] and "fyra siffror" in problem["message_sv"]
    assert problem["shape"] == "MunicipalityShape"
    page = upload(client, [(bad, "haparanda.ttl")], "/check?lang=en", **HTML)
    text = text_of(page.get_data(as_text=True))
    assert "1 problem found" in text and "Line" in text


def test_a_turtle_syntax_error_is_shown_at_its_line_and_column(client: FlaskClient) -> None:
    body = upload(client, [(b"<a> <b> .\n", "x.ttl")], **JSON).get_json()
    [problem] = body["problems"]
    assert (problem["line"], problem["column"]) == (1, 9)


def _subject_line(raw: bytes, subject: bytes) -> int:
    lines = raw.split(b"\n")
    return next(i for i, line in enumerate(lines, 1) if line.startswith(subject))


# -- refusals ----------------------------------------------------------------------------------


def test_an_upload_over_the_limit_is_413_with_a_page(
    make_app: Callable[..., Flask], workbook: bytes
) -> None:
    small = make_app(check_max_bytes=4096).test_client()
    resp = upload(small, [(workbook, "haparanda.xlsx")], "/check?lang=en", **HTML)
    assert resp.status_code == 413
    assert "larger than the limit of 4 096 bytes" in text_of(resp.get_data(as_text=True))
    assert '<header class="top">' in resp.get_data(as_text=True)
    body = upload(small, [(workbook, "haparanda.xlsx")], **JSON)
    assert body.status_code == 413 and body.get_json()["ok"] is False
    # a body far over the limit is refused before it is read
    huge = upload(small, [(b"x" * 200_000, "big.ttl")], **HTML)
    assert huge.status_code == 413


@pytest.mark.parametrize(
    ("raw", "name", "words"),
    [
        (b"PK\x03\x04 not really", "strategi.xlsx", "not an Excel workbook"),
        (b"just text", "notes.txt", "choose an Excel workbook"),
        (b"not a zip", "folder.zip", "not a readable ZIP"),
        (b"\xff\xfe", "x.ttl", None),
    ],
    ids=["broken xlsx", "other file", "broken zip", "not utf-8 turtle"],
)
def test_bad_input_is_a_4xx_with_a_plain_message(
    client: FlaskClient, raw: bytes, name: str, words: str | None
) -> None:
    resp = upload(client, [(raw, name)], **JSON)
    if words is None:  # a Turtle file that is not UTF-8 is a report, not a refusal
        assert resp.status_code == 200 and "UTF-8" in resp.get_json()["problems"][0]["message_en"]
        return
    assert resp.status_code == 400 and words in resp.get_json()["error"]
    page = upload(client, [(raw, name)], "/check?lang=en", **HTML)
    assert page.status_code == 400 and words in page.get_data(as_text=True)
    assert "could not be checked" in page.get_data(as_text=True)


def test_a_post_without_a_file_is_400(client: FlaskClient) -> None:
    assert client.post("/check", data={}, headers=JSON).status_code == 400
    assert client.post("/check", data="x", content_type="text/plain").status_code == 400


def test_the_checker_is_built_once_per_published_snapshot(app: Flask) -> None:
    with app.test_request_context():
        assert checker() is checker()


def test_nothing_uploaded_is_kept_or_published(app: Flask, client: FlaskClient) -> None:
    with app.test_request_context():
        digest = app.extensions["kgpub_publisher"].require().digest
    renamed = (
        (ROOT / "data" / "haparanda.ttl")
        .read_bytes()
        .replace(b'"Haparanda Municipality"@en', b'"Haparanda Test Town"@en')
    )
    assert upload(client, [(renamed, "haparanda.ttl")], **JSON).get_json()["ok"] is True
    assert app.extensions["kgpub_publisher"].require().digest == digest
    assert "Haparanda Test Town" not in client.get("/doc/haparanda?lang=en").get_data(as_text=True)
