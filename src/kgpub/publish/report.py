"""What a SHACL validation reports: violations in plain words, with file and line."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kgpub.errors import display_path

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass
class Violation:
    """One SHACL result, ready to show to a person.

    Attributes:
        severity: ``"Violation"``, ``"Warning"`` or ``"Info"``.
        focus_node: The IRI of the node that fails (without ``<>``), or for a blank node a
            description such as ``[] (kgpub:target of <https://...>)``.
        path: The property path in compact form (``kgpub:owner``, ``^org:hasSubOrganization``)
            or None for node-level constraints.
        value: The offending value as written in Turtle (``"abc"@sv``, ``<https://...>``).
        message: A sentence: the shape's ``sh:message`` (English preferred) or one made up
            from the constraint; count constraints get ``(found N)``.
        shape: The shape that was violated (compact form or a description).
        source_files: Files (relative to the project root) that describe the focus node.
        line: First line in ``source_files[0]`` where the focus node appears, if found.
        constraint: The SHACL constraint component, compact (``sh:MinCountConstraintComponent``).
        focus_kind: ``"iri"``, ``"blank"`` or ``"literal"``.
    """

    severity: str
    focus_node: str
    path: str | None
    value: str | None
    message: str
    shape: str
    source_files: list[str] = field(default_factory=list)
    line: int | None = None
    constraint: str | None = None
    focus_kind: str = "iri"

    def location(self) -> str | None:
        """``data/x.ttl:42`` (or ``data/x.ttl`` when the line is unknown), None if no file."""
        if not self.source_files:
            return None
        return self.source_files[0] + (f":{self.line}" if self.line is not None else "")

    def focus_display(self) -> str:
        return f"<{self.focus_node}>" if self.focus_kind == "iri" else self.focus_node

    def sort_key(self) -> tuple[int, str, int, int, str, str, str]:
        """File, line, then severity (violations first), focus node, path, message."""
        has_file = 0 if self.source_files else 1
        first = self.source_files[0] if self.source_files else ""
        rank = SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 0
        return (
            has_file,
            first,
            self.line or 0,
            rank,
            self.focus_node,
            self.path or "",
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ValidationReport:
    """The outcome of validating data against the shapes.

    ``conforms`` is False only when there is a result of severity Violation; warnings and
    infos are reported but do not fail.
    """

    conforms: bool
    violations: list[Violation]
    data_files: list[str] = field(default_factory=list)
    triples: int = 0

    def count(self, severity: str) -> int:
        return sum(1 for v in self.violations if v.severity == severity)

    def files_involved(self) -> list[str]:
        return sorted({v.source_files[0] for v in self.violations if v.source_files})

    def summary(self) -> str:
        """One line: ``2 violations, 1 warning in 1 file`` or ``All 3 data files conform...``."""
        n_files = len(self.files_involved())
        in_files = f" in {plural(n_files, 'file')}" if n_files else ""
        parts = [
            plural(self.count("Violation"), "violation"),
            plural(self.count("Warning"), "warning"),
        ]
        infos = self.count("Info")
        if infos:
            parts.append(plural(infos, "info", "infos"))
        if not self.conforms:
            return ", ".join(parts) + in_files
        ok = (
            f"All {plural(len(self.data_files), 'data file')} conform to the shapes "
            f"({plural(self.triples, 'triple')})"
        )
        if self.violations:
            return ok + ", with " + ", ".join(parts[1:]) + in_files
        return ok

    def format_text(self, root: Path | None = None) -> str:
        """Human-readable report: one block per result, sorted by file and line, then the summary.

        ::

            data/haninge.ttl:42: <https://w3id.org/kgpub/id/haninge/goal/x>
              kgpub:owner: A goal must have exactly one owner organisation (found 0).

            1 violation, 0 warnings in 1 file

        ``root`` makes any absolute file paths relative (paths are normally relative already).
        """
        blocks: list[str] = []
        for v in sorted(self.violations, key=Violation.sort_key):
            files = [_relative(f, root) for f in v.source_files]
            location = files[0] + (f":{v.line}" if v.line is not None else "") if files else None
            label = "" if v.severity == "Violation" else v.severity.lower() + ": "
            header = f"{label}{v.focus_display()}"
            if location:
                header = f"{location}: {header}"
            lines = [header, f"  {v.path}: {v.message}" if v.path else f"  {v.message}"]
            if v.value is not None and v.value != v.focus_display():
                lines.append(f"    value: {v.value}")
            if len(files) > 1:
                lines.append(f"    also described in: {', '.join(files[1:])}")
            blocks.append("\n".join(lines))
        blocks.append(self.summary())
        return "\n\n".join(blocks) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``summary``, counts and every result)."""
        return {
            "conforms": self.conforms,
            "summary": self.summary(),
            "violations_count": self.count("Violation"),
            "warnings_count": self.count("Warning"),
            "infos_count": self.count("Info"),
            "data_files": list(self.data_files),
            "triples": self.triples,
            "violations": [v.to_dict() for v in sorted(self.violations, key=Violation.sort_key)],
        }


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 value``, ``2 values`` (``many`` when adding an s is wrong)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _relative(path: str, root: Path | None) -> str:
    p = Path(path)
    return display_path(p, root) if p.is_absolute() and root is not None else path
