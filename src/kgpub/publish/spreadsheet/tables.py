"""The workbook as plain tables, read from and written to XLSX (openpyxl) and CSV bytes.

Every sheet has three header rows: the Swedish column name (``*`` marks a required column),
the English name, and the column's key (``rdfs:label@sv``, ``kgpub:owner``) that import
reads; data starts on row 4. Nothing here touches the file system: bytes in, bytes out.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kgpub.errors import KgpubError
from kgpub.publish.spreadsheet.values import Cell

HEADER_ROWS = 3
_REQUIRED_FILL = PatternFill("solid", fgColor="FDE2E2")
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")


class UnreadableWorkbook(KgpubError):
    """The file is not a workbook or CSV folder kgpub can read."""


@dataclass
class Table:
    """One sheet: its title, its header rows and its data rows (row 4 onwards)."""

    key: str
    title: str
    names_sv: list[str] = field(default_factory=list)
    names_en: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    required: list[bool] = field(default_factory=list)
    choices: dict[int, str] = field(default_factory=dict)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)

    def cell(self, row: int, col: int) -> Cell:
        cells = self.rows[row]
        return cells[col] if col < len(cells) else Cell(None)


def column_letter(col: int) -> str:
    """``A`` for column 0."""
    return str(get_column_letter(col + 1))


def cell_name(row: int, col: int) -> str:
    """``C7`` for data row ``row`` (0-based, after the headers) and column ``col``."""
    return f"{get_column_letter(col + 1)}{row + HEADER_ROWS + 1}"


# -- XLSX -------------------------------------------------------------------------------------


def write_xlsx(tables: list[Table], lists: dict[str, list[tuple[str, str]]]) -> bytes:
    """The workbook; ``lists`` fill the drop-downs (value, label), kept on a "Listor" sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    ranges = _write_lists(book, lists) if lists else {}
    for table in tables:
        _write_sheet(book, table, ranges)
    if "Listor" in book.sheetnames:
        book.move_sheet("Listor", offset=len(book.sheetnames))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_lists(book: Any, lists: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    sheet = book.create_sheet("Listor")
    ranges: dict[str, str] = {}
    for i, (name, values) in enumerate(sorted(lists.items())):
        col = 2 * i + 1
        sheet.cell(1, col, name).font = Font(bold=True)
        for r, (value, label) in enumerate(values, start=2):
            sheet.cell(r, col, value)
            sheet.cell(r, col + 1, label)
        letter = get_column_letter(col)
        ranges[name] = f"Listor!${letter}$2:${letter}${max(len(values) + 1, 2)}"
    return ranges


def _write_sheet(book: Any, table: Table, ranges: dict[str, str]) -> None:
    sheet = book.create_sheet(table.title)
    for col, key in enumerate(table.keys, start=1):
        star = " *" if table.required and table.required[col - 1] else ""
        head = sheet.cell(1, col, (table.names_sv[col - 1] if table.names_sv else key) + star)
        head.font = Font(bold=True)
        head.fill = _REQUIRED_FILL if star else _HEADER_FILL
        sheet.cell(2, col, table.names_en[col - 1] if table.names_en else key).font = Font(
            italic=True
        )
        sheet.cell(3, col, key).font = Font(color="888888", size=8)
        sheet.column_dimensions[get_column_letter(col)].width = 24
    for r, cells in enumerate(table.rows):
        for c, cell in enumerate(cells):
            target = sheet.cell(r + HEADER_ROWS + 1, c + 1, cell.value)
            target.number_format = cell.number_format
    for col, name in table.choices.items():
        if name in ranges:
            _add_validation(sheet, col, ranges[name])
    sheet.freeze_panes = "C4"


def _add_validation(sheet: Any, col: int, formula: str) -> None:
    letter = get_column_letter(col + 1)
    dv = DataValidation(type="list", formula1=f"={formula}", allow_blank=True)
    dv.showErrorMessage = False
    sheet.add_data_validation(dv)
    dv.add(f"{letter}{HEADER_ROWS + 1}:{letter}1000")


def read_xlsx(data: bytes, filename: str) -> dict[str, Table]:
    """Every sheet of an XLSX file by title."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise UnreadableWorkbook(f"{filename}: not an Excel workbook (.xlsx): {exc}") from None
    tables: dict[str, Table] = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows())
        table = Table(sheet.title, sheet.title)
        if len(rows) >= HEADER_ROWS:
            table.keys = [str(c.value or "").strip() for c in rows[2]]
        table.rows = [[Cell(c.value, c.number_format) for c in row] for row in rows[HEADER_ROWS:]]
        tables[sheet.title] = table
    return tables


# -- CSV --------------------------------------------------------------------------------------


def write_csv(tables: list[Table]) -> dict[str, bytes]:
    """One UTF-8 CSV (with byte order mark) per sheet, named ``KEY.csv``."""
    files: dict[str, bytes] = {}
    for table in tables:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            [
                n + (" *" if table.required and table.required[i] else "")
                for i, n in enumerate(table.names_sv or table.keys)
            ]
        )
        writer.writerow(table.names_en or table.keys)
        writer.writerow(table.keys)
        for cells in table.rows:
            writer.writerow([_csv_text(c) for c in cells])
        files[f"{table.key}.csv"] = ("\ufeff" + out.getvalue()).encode("utf-8")
    return files


def _csv_text(cell: Cell) -> str:
    if isinstance(cell.value, float):
        decimals = cell.number_format.split(".", 1)[1] if "." in cell.number_format else ""
        return f"{cell.value:.{len(decimals)}f}" if decimals else Cell(cell.value).text()
    return Cell(cell.value).text()


def read_csv(files: dict[str, bytes], dirname: str) -> dict[str, Table]:
    """CSV files by name; UTF-8 (with or without BOM) or Windows-1252, ``,`` or ``;``."""
    tables: dict[str, Table] = {}
    for name, raw in sorted(files.items()):
        if not name.endswith(".csv"):
            continue
        text = _decode(raw)
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        key = name[: -len(".csv")]
        table = Table(key, key)
        if len(rows) >= HEADER_ROWS:
            table.keys = [k.strip() for k in rows[2]]
        table.rows = [[Cell(v if v.strip() else None) for v in row] for row in rows[HEADER_ROWS:]]
        tables[key] = table
    if not tables:
        raise UnreadableWorkbook(f"{dirname}: no CSV files found")
    return tables


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def csv_metadata(tables: list[Table], props: dict[str, dict[str, list[str]]]) -> bytes:
    """W3C CSV on the Web metadata for the CSV folder (``csv-metadata.json``).

    ``props`` gives each table's column keys mapped to (property IRI, datatype) pairs.
    """
    doc: dict[str, Any] = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "sv"}],
        "dialect": {"headerRowCount": HEADER_ROWS, "encoding": "utf-8"},
        "tables": [],
    }
    for table in tables:
        columns = []
        for i, key in enumerate(table.keys):
            prop, datatype = (props.get(table.key, {}).get(key) or ["", ""])[:2]
            column: dict[str, Any] = {
                "name": _csvw_name(key, i),
                "titles": {"sv": table.names_sv[i], "en": table.names_en[i]}
                if table.names_sv
                else key,
                "required": bool(table.required and table.required[i]),
            }
            if prop:
                column["propertyUrl"] = prop
            if datatype:
                column["datatype"] = datatype
            columns.append(column)
        doc["tables"].append(
            {
                "url": f"{table.key}.csv",
                "dc:title": table.title,
                "tableSchema": {"columns": columns},
            }
        )
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _csvw_name(key: str, index: int) -> str:
    safe = "".join(c if c.isalnum() else "_" for c in key).strip("_")
    return f"{safe or 'column'}_{index}" if not safe or safe[0].isdigit() else safe
