"""The tables behind the views, as plain data: what the CSV and JSON twins of the alignment
matrix, the comparison, the municipality list, a municipality's overview and search hold.

Each builder takes what the HTML page is built from (and a map of labels) and returns a
:class:`~kgpub.rendering.tables.TableSet`; ``rendering/tables.py`` writes the bytes. Column
titles are English msgids (``N_``): the CSV header is written in the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from kgpub.rendering.l10n import N_
from kgpub.rendering.tables import Cell, Column, Labels, Table, TableSet
from kgpub.site.alignment import AlignmentMatrix, Comparison, NationalObjectives
from kgpub.site.directory import Directory, Group, Paging
from kgpub.site.municipality import Budget, MunicipalityView, TreeNode
from kgpub.site.search import SearchResults

LabelMap = Mapping[str, Mapping[str, str]]


def _labels(labels: LabelMap, iri: str | None) -> Labels | None:
    return Labels(dict(labels.get(iri, {}))) if iri else None


# --- the alignment of one municipality --------------------------------------------------

LINK_COLUMNS = (
    Column("goal", N_("Goal (IRI)")),
    Column("goal_label", N_("Goal")),
    Column("goal_set", N_("Goal set (IRI)")),
    Column("depth", N_("Level below the top")),
    Column("relation", N_("Relation (IRI)")),
    Column("objective", N_("Objective (IRI)")),
    Column("objective_label", N_("Objective")),
    Column("objective_scheme", N_("Objective scheme (IRI)")),
    Column("basis", N_("Basis (IRI)")),
    Column("basis_label", N_("Basis")),
    Column("alignment", N_("Alignment record (IRI)")),
)


def alignment_tables(
    matrix: AlignmentMatrix, national: NationalObjectives, labels: LabelMap
) -> TableSet:
    """One row per link between a goal of the municipality and an objective (a marked cell
    of the matrix), goals in the matrix's order."""
    rows: list[list[Cell]] = []
    for row in matrix.rows:
        for objective, match in row.cells.items():
            rows.append(
                [
                    row.goal,
                    _labels(labels, row.goal),
                    row.scheme,
                    row.depth,
                    match.relation,
                    objective,
                    _labels(labels, objective),
                    national.scheme_of(objective),
                    match.basis,
                    _labels(labels, match.basis),
                    match.alignment,
                ]
            )
    about: dict[str, Cell] = {
        "municipality": matrix.municipality,
        "municipality_label": _labels(labels, matrix.municipality),
    }
    return TableSet(about, [Table("links", LINK_COLUMNS, rows)])


# --- a municipality's overview ---------------------------------------------------------

GOAL_COLUMNS = (
    Column("goal_set", N_("Goal set (IRI)")),
    Column("goal_set_label", N_("Goal set")),
    Column("goal", N_("Goal (IRI)")),
    Column("goal_label", N_("Goal")),
    Column("kind", N_("Kind")),
    Column("depth", N_("Level below the top")),
    Column("parent", N_("Part of (IRI)")),
)
BUDGET_COLUMNS = (
    Column("budget", N_("Budget (IRI)")),
    Column("budget_label", N_("Budget")),
    Column("year", N_("Year")),
    Column("allocation", N_("Allocation (IRI)")),
    Column("recipient", N_("Recipient (IRI)")),
    Column("recipient_label", N_("Recipient")),
    Column("amount", N_("Amount")),
    Column("currency", N_("Currency")),
    Column("share", N_("Share")),
    Column("stated_amount", N_("Stated number")),
    Column("unit_mult", N_("Unit multiplier (power of ten)")),
    Column("decimals", N_("Decimals")),
    Column("as_stated", N_("As the source states it")),
)


def _goal_rows(
    scheme: str, nodes: list[TreeNode], depth: int, parent: str | None, labels: LabelMap
) -> list[list[Cell]]:
    """The goal tree flattened depth first: each node after its parent."""
    rows: list[list[Cell]] = []
    for n in nodes:
        rows.append(
            [
                scheme,
                _labels(labels, scheme),
                n.iri,
                _labels(labels, n.iri),
                n.kind,
                depth,
                parent,
            ]
        )
        rows.extend(_goal_rows(scheme, n.children, depth + 1, n.iri, labels))
    return rows


def _budget_rows(budget: Budget, labels: LabelMap) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for line in budget.lines:
        scaled = line.scaled
        rows.append(
            [
                budget.iri,
                _labels(labels, budget.iri),
                budget.year,
                line.iri,
                line.recipient,
                _labels(labels, line.recipient),
                line.amount,
                line.currency,
                Decimal(str(round(line.share, 4))),
                scaled.number if scaled else None,
                scaled.unit_mult if scaled else None,
                scaled.decimals if scaled else None,
                line.stated,
            ]
        )
    return rows


def municipality_tables(view: MunicipalityView, labels: LabelMap) -> TableSet:
    """The overview's goal trees (with their hierarchy) and budget lines."""
    goals = [
        row for scheme, roots in view.schemes for row in _goal_rows(scheme, roots, 0, None, labels)
    ]
    budget = [row for b in view.budgets for row in _budget_rows(b, labels)]
    about: dict[str, Cell] = {
        "municipality": view.iri,
        "municipality_label": _labels(labels, view.iri),
    }
    return TableSet(
        about, [Table("goals", GOAL_COLUMNS, goals), Table("budget", BUDGET_COLUMNS, budget)]
    )


# --- the municipality list ---------------------------------------------------------------

MUNICIPALITY_COLUMNS = (
    Column("letter", N_("Initial letter")),
    Column("municipality", N_("Municipality (IRI)")),
    Column("municipality_label", N_("Municipality")),
)
LETTER_COLUMNS = (Column("letter", N_("Initial letter")), Column("count", N_("Municipalities")))


def directory_tables(
    found: Directory,
    groups: list[Group],
    letter: str | None,
    paging: Paging | None,
    labels: LabelMap,
) -> TableSet:
    """The municipalities the page lists (every one, or one page of one letter), and the
    initial letters with how many municipalities each has."""
    listed = [[g.letter, iri, _labels(labels, iri)] for g in groups for iri in g.iris]
    letters: list[list[Cell]] = [[g.letter, len(g.iris)] for g in found.groups]
    about: dict[str, Cell] = {
        "letter": letter,
        "page": paging.page if paging else 1,
        "pages": paging.pages if paging else 1,
        "total": paging.total if paging else found.count,
    }
    return TableSet(
        about,
        [
            Table("municipalities", MUNICIPALITY_COLUMNS, list(listed)),
            Table("letters", LETTER_COLUMNS, list(letters)),
        ],
    )


# --- the comparison ---------------------------------------------------------------------

COMPARED_COLUMNS = (
    Column("municipality", N_("Municipality (IRI)")),
    Column("municipality_label", N_("Municipality")),
    Column("vision", N_("Vision (IRI)")),
    Column("vision_label", N_("Vision")),
    Column("goals", N_("Number of goals")),
)
ADDRESSED_COLUMNS = (
    Column("objective", N_("Objective (IRI)")),
    Column("objective_label", N_("Objective")),
    Column("municipality", N_("Municipality (IRI)")),
    Column("goal", N_("Goal (IRI)")),
    Column("goal_label", N_("Goal")),
)
TOTAL_COLUMNS = (
    Column("municipality", N_("Municipality (IRI)")),
    Column("year", N_("Year")),
    Column("currency", N_("Currency")),
    Column("total", N_("Sum of the allocations listed")),
)


def comparison_tables(comparison: Comparison | None, labels: LabelMap) -> TableSet:
    """The municipalities side by side, the objectives their goals link to (one row per
    goal), and the sums of the budget allocations listed."""
    columns = comparison.columns if comparison else []
    compared: list[list[Cell]] = [
        [
            c.view.iri,
            _labels(labels, c.view.iri),
            c.view.vision,
            _labels(labels, c.view.vision),
            c.view.goal_count(),
        ]
        for c in columns
    ]
    addressed: list[list[Cell]] = [
        [o, _labels(labels, o), c.view.iri, g, _labels(labels, g)]
        for o in (comparison.objectives if comparison else [])
        for c in columns
        for g in c.addressed.get(o, [])
    ]
    totals: list[list[Cell]] = [
        [c.view.iri, year, currency, total]
        for c in columns
        for year, currency, total in c.budget_totals
    ]
    return TableSet(
        {"municipalities": len(columns)},
        [
            Table("municipalities", COMPARED_COLUMNS, list(compared)),
            Table("objectives", ADDRESSED_COLUMNS, list(addressed)),
            Table("budget_totals", TOTAL_COLUMNS, list(totals)),
        ],
    )


# --- search -----------------------------------------------------------------------------

HIT_COLUMNS = (
    Column("group", N_("Group")),
    Column("iri", N_("Resource (IRI)")),
    Column("label", N_("Name")),
    Column("type", N_("Type (IRI)")),
    Column("owner", N_("Belongs to (IRI)")),
    Column("owner_label", N_("Belongs to")),
    Column("matched", N_("Matched text")),
)


def search_tables(results: SearchResults) -> TableSet:
    """The hits the results page shows, group by group, best first."""
    rows: list[list[Cell]] = [
        [
            g.key,
            h.iri,
            Labels(dict(h.labels)),
            h.type_iri,
            h.owner_iri,
            Labels(dict(h.owner_labels)) if h.owner_iri else None,
            h.matched,
        ]
        for g in results.groups
        for h in g.hits
    ]
    counts: list[list[Cell]] = [[g.key, g.count] for g in results.groups]
    return TableSet(
        {"query": results.query, "total": results.total},
        [
            Table("hits", HIT_COLUMNS, list(rows)),
            Table("groups", (Column("group", N_("Group")), Column("count", N_("Matches"))), counts),
        ],
    )
