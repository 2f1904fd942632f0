"""The machine twins of the pages: tables as CSV and JSON bytes.

A view's tables are plain data (:class:`TableSet`, built in ``site/``); this module only
writes them. CSV is one table in the page's language: a UTF-8 byte order mark first (so
Excel, Swedish Excel included, reads the file as UTF-8 rather than as Windows-1252), then a
header row naming the columns in the page's language, then one row per item; IRIs are
full IRIs, labels in the page's language, numbers in their plain machine form (``252.9``).
JSON is every table of the view, language-neutral: the keys are the columns' fixed English
keys in a stable order, IRIs full IRIs and labels objects by language (``{"sv": …, "en": …}``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kgpub.rendering import l10n
from kgpub.rendering.l10n import pick_label

#: What Excel needs to read a CSV file as UTF-8.
BOM = "\ufeff"


@dataclass(frozen=True)
class Labels:
    """A name in several languages (language tag -> text; "" for an untagged name)."""

    by_lang: Mapping[str, str]

    def pick(self, lang: str) -> str:
        return pick_label(dict(self.by_lang), lang) or ""

    def as_json(self) -> dict[str, str]:
        """The languages kgpub speaks first, in their order, then any others sorted."""
        order = [lang for lang in l10n.LANGUAGES if lang in self.by_lang]
        order += sorted(lang for lang in self.by_lang if lang not in l10n.LANGUAGES)
        return {lang: self.by_lang[lang] for lang in order}


Cell = str | int | Decimal | Labels | None


@dataclass(frozen=True)
class Column:
    """``key``: the JSON key (fixed, English); ``title``: an English msgid, the CSV header
    in the page's language."""

    key: str
    title: str


@dataclass
class Table:
    name: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]] = field(default_factory=list)


@dataclass
class TableSet:
    """A view's tables, with what the view is about (``about``: top-level JSON keys)."""

    about: dict[str, Cell]
    tables: list[Table]

    def table(self, name: str | None) -> Table | None:
        """The table called ``name``, or the first one when no name is given."""
        if name is None:
            return self.tables[0] if self.tables else None
        return next((t for t in self.tables if t.name == name), None)


def _csv_text(value: Cell, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Labels):
        return value.pick(lang)
    return str(value)


def csv_bytes(table: Table, lang: str) -> bytes:
    """One table as CSV (RFC 4180, CRLF line ends) in ``lang``, with a UTF-8 BOM."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    catalog = l10n.translations(lang)
    writer.writerow([catalog.gettext(c.title) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_text(v, lang) for v in row])
    return out.getvalue().encode("utf-8")


def _json_value(value: Cell) -> Any:
    if isinstance(value, Labels):
        return value.as_json()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def json_data(tables: TableSet) -> dict[str, Any]:
    """``about`` first, then each table as a list of objects keyed by column key."""
    data: dict[str, Any] = {key: _json_value(v) for key, v in tables.about.items()}
    for table in tables.tables:
        keys = [c.key for c in table.columns]
        data[table.name] = [
            {k: _json_value(v) for k, v in zip(keys, row, strict=True)} for row in table.rows
        ]
    return data


def json_bytes(tables: TableSet) -> bytes:
    return json.dumps(json_data(tables), ensure_ascii=False, indent=1).encode("utf-8")
