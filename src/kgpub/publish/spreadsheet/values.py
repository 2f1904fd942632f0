"""Cell values to RDF terms and back: numbers as Swedish Excel writes them, years, dates, slugs.

Every parser raises :class:`CellError` with a sentence in Swedish and English; the importer
puts the cell in front of it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import Literal, URIRef

from kgpub.vocab import XSD

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$")
_YEAR = re.compile(r"^-?[0-9]{4}$")
_DATES = (
    (re.compile(r"^[0-9]{4}$"), "gYear"),
    (re.compile(r"^[0-9]{4}-[0-9]{2}$"), "gYearMonth"),
    (re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), "date"),
    (re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})?$"), "dateTime"),
)


class CellError(ValueError):
    """A cell that cannot be read; ``en`` and ``sv`` say why in plain words."""

    def __init__(self, en: str, sv: str) -> None:
        super().__init__(en)
        self.en = en
        self.sv = sv


@dataclass(frozen=True)
class Cell:
    """A cell as read: its value (str, int, float, datetime or None) and Excel's number format."""

    value: Any
    number_format: str = "General"

    @property
    def empty(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    def text(self) -> str:
        """The value as text; integral numbers without ``.0``."""
        v = self.value
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, datetime):
            return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
        if isinstance(v, date):
            return v.isoformat()
        return str(v).strip()


def slugify(text: str) -> str:
    """Lower-case ASCII slug: å, ä → a, ö → o, other letters without their accents."""
    folded = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def check_slug(slug: str) -> str:
    local = slug[2:] if slug.startswith("./") else slug
    if not _SLUG.match(local):
        raise CellError(
            f"the ID {slug!r} is not a slug: use lower-case a-z, digits and hyphens "
            "(å, ä → a, ö → o), for example 'tryggare-invanare'",
            f"ID:t {slug!r} är ingen giltig slug: använd små bokstäver a–z, siffror och "
            "bindestreck (å, ä → a, ö → o), till exempel 'tryggare-invanare'",
        )
    return slug


def parse_decimal(cell: Cell) -> str:
    """The ``xsd:decimal`` lexical form of a number cell or of text like ``1 234,5``."""
    v = cell.value
    if isinstance(v, bool):
        raise _not_a_number(str(v))
    if isinstance(v, int | float):
        return _float_lexical(float(v), _format_decimals(cell.number_format))
    text = re.sub(r"[\s\u00a0\u202f']", "", str(v))
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_sep == "," else ",", "")
    text = text.replace(",", ".")
    try:
        Decimal(text)
    except InvalidOperation:
        raise _not_a_number(str(v)) from None
    if not re.match(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$", text):
        raise _not_a_number(str(v))
    return text


def _format_decimals(number_format: str) -> int | None:
    match = re.match(r"^[#,0]*0\.(0+)", number_format or "")
    return len(match.group(1)) if match else (0 if number_format == "0" else None)


def _float_lexical(v: float, decimals: int | None) -> str:
    if decimals is not None:
        return f"{v:.{decimals}f}"
    if v.is_integer():
        return str(int(v))
    return repr(v)


def _not_a_number(text: str) -> CellError:
    return CellError(
        f"{text!r} is not a number (write for example 252,9 or 252.9)",
        f"{text!r} är inget tal (skriv till exempel 252,9 eller 252.9)",
    )


def parse_integer(cell: Cell) -> str:
    lexical = parse_decimal(cell)
    if not re.match(r"^[+-]?[0-9]+(\.0*)?$", lexical):
        raise CellError(
            f"{cell.text()!r} is not a whole number", f"{cell.text()!r} är inget heltal"
        )
    return str(int(Decimal(lexical)))


def parse_year(cell: Cell) -> str:
    text = cell.text()
    if not _YEAR.match(text):
        raise CellError(
            f"{text!r} is not a year (write four digits, for example 2024)",
            f"{text!r} är inget årtal (skriv fyra siffror, till exempel 2024)",
        )
    return text


def parse_date(cell: Cell) -> Literal:
    """A year, a month (``2023-04``), a date or a date and time, as precise as written."""
    text = cell.text()
    for pattern, datatype in _DATES:
        if pattern.match(text):
            try:
                Literal(text, datatype=URIRef(XSD + datatype)).toPython()
            except ValueError:
                break
            if datatype == "date":
                _check_calendar(text)
            return Literal(text, datatype=URIRef(XSD + datatype))
    raise CellError(
        f"{text!r} is not a date: write a year (2023), a month (2023-04) or a date (2023-04-17)",
        f"{text!r} är inget datum: skriv ett år (2023), en månad (2023-04) eller ett datum "
        "(2023-04-17)",
    )


def _check_calendar(text: str) -> None:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise CellError(
            f"{text!r} is not a date in the calendar", f"{text!r} finns inte i kalendern"
        ) from None


def literal_for(cell: Cell, datatype: str | None) -> Literal:
    """The literal a ``literal`` column's cell stands for."""
    if datatype is None:
        return Literal(cell.text())
    if datatype == XSD + "decimal":
        return Literal(parse_decimal(cell), datatype=URIRef(datatype))
    if datatype == XSD + "integer":
        return Literal(parse_integer(cell), datatype=URIRef(datatype))
    if datatype == XSD + "gYear":
        return Literal(parse_year(cell), datatype=URIRef(datatype))
    if datatype in {XSD + "date", XSD + "gYearMonth", XSD + "dateTime"}:
        return parse_date(cell)
    return Literal(cell.text(), datatype=URIRef(datatype))


def split_values(text: str) -> list[str]:
    """Several values in one cell: one a line (or separated by ``;``)."""
    return [part.strip() for part in re.split(r"[\n;]", text) if part.strip()]


def cell_value(term: Literal) -> Any:
    """What export writes into a cell for a literal: numbers as numbers, the rest as text."""
    datatype = str(term.datatype) if term.datatype else None
    if datatype in {XSD + "integer", XSD + "gYear"} and re.match(r"^-?[0-9]+$", str(term)):
        return int(str(term))
    if datatype == XSD + "decimal":
        value = Decimal(str(term))
        return int(value) if "." not in str(term) else float(value)
    return str(term)


def decimal_format(term: Literal) -> str:
    """Excel's number format that shows a decimal with the digits its lexical form has."""
    text = str(term)
    if "." not in text:
        return "0"
    return "0." + "0" * len(text.split(".", 1)[1])
