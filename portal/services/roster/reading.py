"""Reading a roster file: what kind it is, where its columns are, and its rows, checked.

A file is read and checked as a whole: if any row is wrong the file is refused with every bad
row and its line, so the school fixes its export once rather than finding problems one at a
time. Only the columns the portal keeps are read; the others are named, never stored.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field

from .columns import PUPILS, Column, columns_for, find_columns, kind_of_file
from .rows import Contact, PupilRow, RowError, StaffRow, read_pupils, read_staff


@dataclass
class Roster:
    kind: str | None
    pupils: list[PupilRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header_line: int = 1
    ignored: list[str] = field(default_factory=list)  # columns left out, never stored

    def to_json(self) -> str:
        """The kept fields only, to hold a checked file between preview and import."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Roster:
        data = json.loads(text)
        pupils = [
            PupilRow(**row | {"contacts": tuple(Contact(**c) for c in row["contacts"])})
            for row in data.pop("pupils")
        ]
        staff = [StaffRow(**row | {"classes": tuple(row["classes"])}) for row in data.pop("staff")]
        errors = [RowError(**error) for error in data.pop("errors")]
        return cls(pupils=pupils, staff=staff, errors=errors, **data)


class _Unreadable(Exception):
    def __init__(self, line: int, reason: str):
        self.error = RowError(line, reason)


def read_roster(data: bytes) -> Roster:
    """Read and check a CSV file (UTF-8, with or without a byte order mark)."""
    if refusal := not_text(data):
        return Roster(kind=None, errors=[RowError(1, refusal)])
    try:
        header_line, header, body = _split(_decode(data))
    except _Unreadable as problem:
        return Roster(kind=None, errors=[problem.error])
    kind = kind_of_file(header)
    if kind is None:
        return Roster(kind=None, errors=[RowError(header_line, NOT_A_ROSTER)])
    columns = columns_for(kind)
    found = find_columns(header, columns)
    missing = [
        RowError(header_line, _missing(c)) for c in columns if c.required and c.key not in found
    ]
    if missing:
        return Roster(kind=kind, errors=missing, header_line=header_line)
    if not body:
        return Roster(kind=kind, errors=[RowError(header_line, NO_ROWS)], header_line=header_line)
    records = [(line, _values(cells, found, columns)) for line, cells in body]
    kept = set(found.values())
    ignored = [name.strip() for i, name in enumerate(header) if i not in kept and name.strip()]
    if kind == PUPILS:
        pupils, errors = read_pupils(records)
        return Roster(kind, pupils=pupils, errors=errors, header_line=header_line, ignored=ignored)
    staff, errors = read_staff(records)
    return Roster(kind, staff=staff, errors=errors, header_line=header_line, ignored=ignored)


# What a file that is not CSV begins with: a zip (and so an .xlsx or .docx), an old Excel
# file, a PDF.
BINARY_STARTS = {
    b"PK\x03\x04": "a zip file (a spreadsheet saved as .xlsx is one)",
    b"\xd0\xcf\x11\xe0": "an old Excel or Word file (.xls or .doc)",
    b"%PDF": "a PDF",
}


def not_text(data: bytes) -> str | None:
    """Why a file is plainly not a CSV file at all, or None."""
    what = next((name for start, name in BINARY_STARTS.items() if data.startswith(start)), None)
    if what is None and b"\x00" in data[:8192]:
        what = "not a text file"
    if what is None:
        return None
    return (
        f"This file is {what}, not a CSV file, so nothing in it was read. In your spreadsheet "
        'or MIS choose Save as (or Export), then "CSV UTF-8", and upload that file.'
    )


NOT_A_ROSTER = (
    "We could not tell what this file holds. A pupils file needs a year group column, "
    'such as "Year" or "NC Year". A staff file needs a "Role" column.'
)
NO_ROWS = "The file has a header row but nobody in it."


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _Unreadable(
            line,
            "This file is not saved as UTF-8. In your spreadsheet choose Save as, then "
            '"CSV UTF-8", and upload that file.',
        ) from None


def _split(text: str) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The header row and the other non-blank rows, each with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, line = [], 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise _Unreadable(line, f"This line cannot be read as CSV ({error}).") from None
    if not rows:
        raise _Unreadable(1, "The file is empty.")
    (header_line, header), *body = rows
    return header_line, header, body


def _missing(column: Column) -> str:
    others = ", ".join(f'"{name}"' for name in column.names[1:])
    return f'There is no {column.label} column. Call it "{column.names[0]}" (or {others}).'


def _values(cells: list[str], found: dict[str, int], columns: tuple[Column, ...]) -> dict[str, str]:
    """The kept cells of a row by key, trimmed; absent columns and short rows give ''."""
    values = {column.key: "" for column in columns}
    for key, position in found.items():
        if position < len(cells):  # spaces tidied; a line break is kept, to be reported
            lines = cells[position].strip().splitlines() or [""]
            values[key] = "\n".join(" ".join(line.split()) for line in lines)
    return values
