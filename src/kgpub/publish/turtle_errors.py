"""Turtle syntax errors, as pyoxigraph reports them, turned into messages a person can act
on, with the text repaired so that parsing can go on and find the next problem."""

from __future__ import annotations

import re

_OX_PREFIX = re.compile(
    r"^Parser error (?:at line \d+ (?:column \d+|between columns \d+ and \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): ",
)
_UNDECLARED = re.compile(r"^The prefix (\S*?):? has not been declared$")
_OPENERS = {
    '"': "string literal",
    "'": "string literal",
    "<": "IRI",
    "[": "'[' (blank node)",
    "(": "'(' (collection)",
}


#: What :func:`diagnose` finds: line, column, message, and the text repaired so that
#: parsing can go on (None when nothing is left to check).
Diagnosis = tuple[int, int, str, str | None]


def diagnose(exc: SyntaxError, text: str) -> Diagnosis:
    """(line, column, message, repaired text or None) for a pyoxigraph SyntaxError.

    The repaired text lets parsing continue and find later problems: a missing ``.`` is
    inserted, any other broken statement is blanked out (line numbers are kept).
    """
    lines = text.split("\n")
    line = exc.lineno or 1
    column = exc.offset or 1
    end_line = exc.end_lineno or line
    end_column = exc.end_offset or column
    raw_message = _OX_PREFIX.sub("", str(exc.msg)).strip()

    at_eof = raw_message.startswith("Unexpected end") and (line, column) == (end_line, end_column)
    if raw_message.startswith("A dot is expected") or at_eof:
        found = _missing_separator(lines, line, column, at_eof)
        if found is not None:
            return found
    if raw_message.startswith("Unexpected end"):
        return _unclosed(lines, line, column)
    return (
        line,
        column,
        _plain_message(raw_message, lines, line, column),
        _blank_statement(lines, line),
    )


def _missing_separator(lines: list[str], line: int, column: int, at_eof: bool) -> Diagnosis | None:
    """A statement that does not end where the next token says it should: ``.``, ``;``
    or ``,`` is missing after the token before ``line:column`` (None when that token is
    a ``.`` already)."""
    prev = _previous_token_end(lines, line, column)
    if prev is None or prev[2] == ".":
        return None
    p_line, p_col, token = prev
    if at_eof:
        # Nothing follows, so there is nothing left to check: no repair.
        message = (
            f"unexpected end of file after {token!r}: the statement is not finished (missing '.'?)"
        )
        return p_line, p_col, message, None
    found = _token_at(lines, line, column)
    if line == p_line:
        message = f"expected '.', ';' or ',' before {found!r}"
        return line, column, message, _blank_statement(lines, line)
    if _starts_statement(lines[line - 1]):
        message = (
            f"expected '.' at the end of the statement "
            f"(the next statement starts at line {line} with {found!r})"
        )
        return p_line, p_col, message, _insert(lines, p_line, p_col, " .")
    message = (
        f"expected ';' or '.' after {token!r} (line {line} continues the statement with {found!r})"
    )
    return p_line, p_col, message, _insert(lines, p_line, p_col, " ;")


def _unclosed(lines: list[str], line: int, column: int) -> Diagnosis:
    """The file ends inside the statement (or the string, IRI...) starting here."""
    what = _OPENERS.get(_char_at(lines, line, column))
    if what is not None:
        message = f"this {what} is never closed (reached the end of the file)"
    else:
        message = "unexpected end of file in the statement starting here"
    return line, column, message, _blank_statement(lines, line)


def _plain_message(raw_message: str, lines: list[str], line: int, column: int) -> str:
    """pyoxigraph's message, in kgpub's words where a person needs more than it says."""
    undeclared = _UNDECLARED.match(raw_message)
    if "'/' is not allowed" in raw_message:
        token = _token_before_slash(lines, line, column)
        return (
            f"'/' is not allowed in a prefixed name ({token!r}): declare a prefix for the "
            "longer namespace, write the full IRI in <...>, or escape it as '\\/'"
        )
    if undeclared:
        prefix = undeclared.group(1)
        return f"undefined prefix '{prefix}:' (declare it, e.g. @prefix {prefix}: <...> .)"
    return _lower_first(raw_message)


def _lower_first(message: str) -> str:
    if len(message) > 1 and message[0].isupper() and not message[1].isupper():
        return message[0].lower() + message[1:]
    return message


def _code_part(line: str) -> str:
    """``line`` without its ``#`` comment (IRIs and single-line strings respected)."""
    quote: str | None = None
    in_iri = False
    i = 0
    while i < len(line):
        c = line[i]
        if quote is not None:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif in_iri:
            if c == ">":
                in_iri = False
        elif c in "\"'":
            quote = c
        elif c == "<":
            in_iri = True
        elif c == "#":
            return line[:i]
        i += 1
    return line


def _previous_token_end(lines: list[str], line: int, column: int) -> tuple[int, int, str] | None:
    """Position just after the last significant character before (line, column)."""
    index = min(line, len(lines)) - 1
    code = _code_part(lines[index])[: column - 1] if index >= 0 else ""
    while index >= 0:
        stripped = code.rstrip()
        if stripped:
            token = stripped.split()[-1][-40:]
            return index + 1, len(stripped) + 1, token
        index -= 1
        code = _code_part(lines[index]) if index >= 0 else ""
    return None


def _token_at(lines: list[str], line: int, column: int) -> str:
    if 1 <= line <= len(lines):
        rest = lines[line - 1][column - 1 :].split()
        if rest:
            return rest[0][:40]
    return ""


def _token_before_slash(lines: list[str], line: int, column: int) -> str:
    if not 1 <= line <= len(lines):
        return "/"
    text = lines[line - 1]
    start = column - 1
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = column - 1
    while end < len(text) and not text[end].isspace() and text[end] not in ";,":
        end += 1
    return text[start:end].rstrip(".")[:60]


def _char_at(lines: list[str], line: int, column: int) -> str:
    if 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]):
        return lines[line - 1][column - 1]
    return ""


def _insert(lines: list[str], line: int, column: int, text: str) -> str:
    copy = list(lines)
    target = copy[line - 1]
    copy[line - 1] = target[: column - 1] + text + target[column - 1 :]
    return "\n".join(copy)


def _starts_statement(line: str) -> bool:
    return bool(line) and not line[0].isspace() and line[0] not in "#]),;.\"'}"


def _blank_statement(lines: list[str], line: int) -> str | None:
    """Blank out the statement around ``line`` (subjects start at column 1) or None.

    Returns None when nothing would change or when a prefix declaration would be removed
    (every later use of the prefix would then be reported again: noise, not help).
    """
    index = min(max(line, 1), len(lines)) - 1
    start = index
    while start > 0 and not _starts_statement(lines[start]):
        start -= 1
    end = index + 1
    while end < len(lines) and not _starts_statement(lines[end]):
        end += 1
    block = lines[start:end]
    if not any(s.strip() for s in block):
        return None
    if any(re.match(r"\s*(@prefix|@base|prefix\s|base\s)", s, re.IGNORECASE) for s in block):
        return None
    return "\n".join(lines[:start] + [""] * (end - start) + lines[end:])
