"""The check page in a real browser: an official chooses a workbook in the form, sends it
(no JavaScript needed) and reads the report by sheet and row, with a working link to the
shape; axe-core finds nothing serious (fixtures and ``check`` come from ``test_browser``).

``UPDATE_DOC_IMAGES=1`` also writes the report's screenshot to ``docs/images/``, where the
guide ``docs/publishing-your-municipality.md`` shows it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import test_browser
from kgpub.config import Settings
from kgpub.publish.sources import load_snapshot
from kgpub.publish.spreadsheet.workbook import export_tables, render

pytestmark = [pytest.mark.browser, pytest.mark.server]

server = test_browser.server
browser = test_browser.browser
page = test_browser.page
check = test_browser.check
DOC_IMAGES = test_browser.ROOT / "docs" / "images"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def shots() -> Path:
    """The screenshot folder, left as it is (test_browser's fixture empties it)."""
    test_browser.SHOTS.mkdir(parents=True, exist_ok=True)
    return test_browser.SHOTS


@pytest.fixture(scope="module")
def broken_workbook() -> bytes:
    """Haparanda's exported workbook with a word for an amount and a year that is none."""
    snapshot = load_snapshot(Settings.load(root=test_browser.ROOT, env={}))
    template, tables = export_tables(snapshot, "haparanda")
    data = render(tables, template, csv=False)
    assert isinstance(data, bytes)
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, row_id, key, value in (
        ("Budgetanslag", "kommunstyrelsen", "kgpub:amount", "mycket"),
        ("Budget", "2024", "kgpub:fiscalYear", "20x4"),
    ):
        ws = book[sheet]
        col = [c.value for c in ws[3]].index(key) + 1
        row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == row_id)
        ws.cell(row, col).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(page: Any, workbook: bytes) -> None:
    """Choose the workbook in the form's file field and send the form."""
    chosen = {"name": "strategi.xlsx", "mimeType": XLSX, "buffer": workbook}
    page.set_input_files("#check-file", files=[chosen])
    with page.expect_navigation():
        page.locator("#check-form button[type=submit]").click()


def test_an_official_uploads_a_workbook_and_reads_the_report(
    page: Any, server: str, shots: Path, broken_workbook: bytes
) -> None:
    page.goto(server + "check?lang=en")
    assert page.locator("h1").inner_text() == "Check a strategy file"
    check(page, shots, "check-form")
    send(page, broken_workbook)
    report = page.locator(".check-report")
    assert "2 problems found" in report.locator(".check-problems").inner_text()
    sheets = report.locator(".check-sheet h3").all_inner_texts()
    assert [s.split(" ·")[0] for s in sheets] == [
        "Sheet Budget (Budgets)",
        "Sheet Budgetanslag (Budget allocations)",
    ]
    allocation = report.locator(".check-sheet").nth(1).locator("tbody tr")
    assert re.match(r"4\s+F4\s+'mycket' is not a number", allocation.inner_text())
    check(page, shots, "check-report")
    page.set_viewport_size({"width": 1000, "height": 900})
    page.screenshot(path=str(shots / "check-page.png"))
    if os.environ.get("UPDATE_DOC_IMAGES"):
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(shots / "check-page.png", DOC_IMAGES / "check-page.png")

    report.locator(".check-sheet").nth(1).locator("a.shape-link").click()
    page.wait_for_url(re.compile(r"/shapes\?lang=en#BudgetAllocationShape$"))
    assert page.locator("#BudgetAllocationShape").is_visible()


def test_the_report_is_in_swedish_on_the_swedish_page(
    page: Any, server: str, broken_workbook: bytes
) -> None:
    page.goto(server + "check?lang=sv")
    send(page, broken_workbook)
    assert "2 problem hittades" in page.locator(".check-problems").inner_text()
    assert "är inget tal" in page.locator(".check-report").inner_text()
