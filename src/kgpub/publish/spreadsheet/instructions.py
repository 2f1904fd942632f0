"""The instructions sheet: how to fill in the workbook, in Swedish and English."""

from __future__ import annotations

from kgpub.publish.spreadsheet.specs import INSTRUCTIONS_SHEET
from kgpub.publish.spreadsheet.tables import Table
from kgpub.publish.spreadsheet.values import Cell

_LINES: tuple[tuple[str, str], ...] = (
    ("Så fyller du i arbetsboken", "How to fill in the workbook"),
    (
        "Varje blad är en sorts uppgift: kommunen, källor, organ, vision, löfte, prioriteringar, "
        "perioder, målsamlingar, mål, budget, budgetanslag och målkopplingar.",
        "Each sheet holds one kind of information: the municipality, sources, bodies, vision, "
        "promise, priorities, periods, goal sets, goals, budget, allocations and alignments.",
    ),
    (
        "Rad 1 är kolumnens namn på svenska, rad 2 på engelska, rad 3 är kolumnens nyckel: "
        "ändra inte rad 3. Fyll i från rad 4.",
        "Row 1 names the column in Swedish, row 2 in English, row 3 is the column's key: do not "
        "change row 3. Fill in from row 4.",
    ),
    (
        "Kolumner markerade med * och röd bakgrund måste fyllas i (för de typer som anges).",
        "Columns marked * with a red background are required (for the types named).",
    ),
    (
        "ID (slug): små bokstäver a–z, siffror och bindestreck; å, ä → a, ö → o. Tomt ID görs av "
        "det svenska namnet. Ett ID med / gäller under kommunens adress (environmental-goal/x).",
        "ID (slug): lower-case a-z, digits and hyphens; å, ä → a, ö → o. An empty ID is made from "
        "the Swedish name. An ID with / is a path under the municipality (environmental-goal/x).",
    ),
    (
        "Hänvisa till en annan rad med dess ID. Flera värden: ett per rad i cellen (Alt+Enter) "
        "eller åtskilda med semikolon.",
        "Refer to another row by its ID. Several values: one a line in the cell (Alt+Enter) or "
        "separated by semicolons.",
    ),
    (
        "Nationella mål, relationer, grunder, län, enheter och filformat väljs i listorna (bladet "
        "Listor).",
        "National objectives, relations, bases, counties, units and file formats are chosen from "
        "the drop-downs (sheet Listor).",
    ),
    (
        "Proveniens: en rad om kommunens egen datamängd (tomt ID = kommunens ID), vilken källa "
        "den hämtats ur och när den sammanställdes. Övrigt är en sista utväg för det som ingen "
        "kolumn rymmer.",
        "Proveniens: one row about the municipality's own data set (an empty ID is the "
        "municipality's), the source it was taken from and when it was put together. Övrigt is a "
        "last resort for what no column holds.",
    ),
    (
        "Mål under mål: ange det överordnade målets ID i kolumnen för övergripande mål; ett "
        "målvärde (kgpub:Target) behöver enhet, målvärde och målår; en indikator anger vad "
        "den mäter.",
        "Goals under goals: give the parent goal's ID in the broader-goal column; a target "
        "(kgpub:Target) needs a unit, a target value and a target year; an indicator says what it "
        "measures.",
    ),
    (
        "Belopp: i kronor (252900000) och som källan skriver det (252,9 miljoner kronor), med "
        "källans tal (252,9), skala (6 = miljoner) och antal decimaler (1).",
        "Amounts: in kronor (252900000) and as the source writes it (252,9 miljoner kronor), with "
        "the source's number (252.9), scale (6 = millions) and decimals (1).",
    ),
    (
        "Kontrollera: kgpub import ARBETSBOK.xlsx. Varje fel anges med blad och cell.",
        "Check: kgpub import WORKBOOK.xlsx. Every problem names its sheet and cell.",
    ),
)


def instructions_table() -> Table:
    key, sv, _en = INSTRUCTIONS_SHEET
    table = Table(key, sv, names_sv=["Svenska"], names_en=["English"], keys=["text"])
    table.keys = ["sv", "en"]
    table.names_sv = ["Svenska", "Engelska"]
    table.names_en = ["Swedish", "English"]
    table.rows = [[Cell(s), Cell(e)] for s, e in _LINES]
    return table
