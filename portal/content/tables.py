"""Data tables (classification, communication, sanctions, risk, self-review) from YAML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problems
from .profile import SchoolProfile
from .yamlfiles import LineDict, load_yaml_file

Cell = str | tuple[str, ...]


@dataclass(frozen=True)
class Field:
    """A column a row must fill in, and the values it may take (with the words shown)."""

    name: str
    label: str
    choices: dict[Any, str] | None = None
    is_list: bool = False


@dataclass(frozen=True)
class DataTable:
    """A validated table, ready to show: headers and rows of cells, first cell a row header."""

    name: str
    kind: str
    title: str
    intro: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class TableKind:
    fields: tuple[Field, ...]
    table_fields: tuple[str, ...] = ()
    derived: Callable[[LineDict], tuple[Cell, ...]] = field(default=lambda row: ())
    derived_headers: tuple[str, ...] = ()


PERMISSION = {
    "allowed": "Allowed",
    "certain-times": "Allowed at certain times",
    "with-permission": "Allowed with permission",
    "not-allowed": "Not allowed",
}
SCALE = {1: "1 (low)", 2: "2 (medium)", 3: "3 (high)"}
YES, NO = "Yes", ""


def _risk_rating(row: LineDict) -> tuple[Cell, ...]:
    score = row["impact"] * row["likelihood"]
    rating = "High" if score >= 6 else "Medium" if score >= 3 else "Low"
    return (f"{score} out of 9", rating)


TABLE_KINDS: dict[str, TableKind] = {
    "classification": TableKind(
        (
            Field(
                "level",
                "Level",
                {"restricted": "Restricted", "protected": "Protected", "public": "Public"},
            ),
            Field("definition", "What it means"),
            Field("examples", "Examples", is_list=True),
            Field("access", "Who may see it"),
            Field("labelling", "Labelling"),
            Field("storage", "Storing it"),
            Field("sending", "Sending it"),
            Field("disposal", "Getting rid of it"),
        )
    ),
    "communication": TableKind(
        (
            Field("technology", "Technology"),
            Field("staff", "Staff and other adults", PERMISSION),
            Field("primary", "Pupils in Reception to Year 6", PERMISSION),
            Field("secondary", "Pupils in Years 7 to 13", PERMISSION),
        )
    ),
    "unsuitable-activities": TableKind(
        (
            Field("activity", "Activity"),
            Field(
                "verdict",
                "Verdict",
                {
                    "acceptable": "Acceptable",
                    "certain-times": "Acceptable at certain times",
                    "nominated-users": "Acceptable for named staff only",
                    "unacceptable": "Unacceptable",
                    "illegal": "Unacceptable and illegal",
                },
            ),
        )
    ),
    "risk-assessment": TableKind(
        (
            Field("threat", "Threat"),
            Field("impact", "Impact", SCALE),
            Field("likelihood", "Likelihood", SCALE),
            Field("action", "What we do about it"),
        ),
        derived=_risk_rating,
        derived_headers=("Score (impact x likelihood)", "Risk"),
    ),
    "self-review": TableKind(
        (
            Field("procedure", "Procedure"),
            Field(
                "status",
                "Where we are",
                {
                    "in-place": "In place",
                    "partly": "Partly in place",
                    "not-in-place": "Not in place",
                    "dont-know": "Don't know",
                },
            ),
            Field("actions", "What we will do"),
            Field("responsible", "Who is responsible"),
        )
    ),
    "sanctions": TableKind(
        (Field("incident", "Incident"), Field("actions", "Actions", is_list=True)),
        table_fields=("audience", "actions"),
    ),
}
COMMON_FIELDS = ("kind", "title", "intro", "rows")


def load_tables(folder: Path, profile: SchoolProfile, problems: Problems) -> list[DataTable]:
    tables = []
    for path in sorted(folder.glob("*.yml")):
        table = _load_table(path, profile, problems)
        if table is not None:
            tables.append(table)
    return tables


def _load_table(path: Path, profile: SchoolProfile, problems: Problems) -> DataTable | None:
    data = load_yaml_file(path, problems)
    if not isinstance(data, LineDict):
        if data is not None:
            problems.add(path, 1, "a table file needs kind, title, intro and rows")
        return None
    kind = TABLE_KINDS.get(str(data.get("kind")))
    if kind is None:
        problems.add(
            path,
            data.line_of("kind"),
            f"unknown table kind '{data.get('kind')}'; use one of {', '.join(TABLE_KINDS)}",
        )
        return None
    errors_before = len(problems.errors)
    expected = COMMON_FIELDS + kind.table_fields
    for name in expected:
        if data.get(name) in (None, "", []):
            problems.add(path, data.line, f"the table is missing '{name}'")
    for name in data:
        if name not in expected:
            problems.add(
                path,
                data.line_of(name),
                f"unknown field '{name}'; a {data['kind']} table has {', '.join(expected)}",
            )
    if len(problems.errors) > errors_before:
        return None
    fields, headers = kind.fields, tuple(f.label for f in kind.fields) + kind.derived_headers
    if data["kind"] == "sanctions":
        fields, headers = _sanction_fields(data, path, problems)
    rows = []
    for number, row in enumerate(data["rows"], start=1):
        cells = _row_cells(row, number, fields, path, profile, problems)
        if cells is not None:
            rows.append(cells + kind.derived(row))
    if len(problems.errors) > errors_before:
        return None
    return DataTable(
        name=path.stem,
        kind=data["kind"],
        title=profile.fill(str(data["title"]), path, data.line_of("title"), problems),
        intro=profile.fill(str(data["intro"]), path, data.line_of("intro"), problems),
        headers=headers,
        rows=tuple(rows),
    )


def _sanction_fields(
    data: LineDict, path: Path, problems: Problems
) -> tuple[tuple[Field, ...], tuple[str, ...]]:
    """A sanctions table's columns are its own list of actions; rows tick some of them."""
    if data["audience"] not in ("pupils", "staff"):
        problems.add(path, data.line_of("audience"), "'audience' must be pupils or staff")
    actions: dict[str, str] = {}
    for action in data["actions"]:
        if not isinstance(action, LineDict) or set(action) != {"id", "label"}:
            problems.add(
                path,
                getattr(action, "line", data.line_of("actions")),
                "each action needs exactly 'id' and 'label'",
            )
            continue
        actions[str(action["id"])] = str(action["label"])
    fields = (Field("incident", "Incident"), Field("actions", "Actions", actions, is_list=True))
    return fields, ("Incident", *actions.values())


def _row_cells(
    row: Any,
    number: int,
    fields: tuple[Field, ...],
    path: Path,
    profile: SchoolProfile,
    problems: Problems,
) -> tuple[Cell, ...] | None:
    if not isinstance(row, LineDict):
        problems.add(path, None, f"row {number} must be a set of 'field: value' lines")
        return None
    errors_before = len(problems.errors)
    names = tuple(f.name for f in fields)
    for name in row:
        hint = " (it is worked out from impact x likelihood)" if name == "score" else ""
        if name not in names:
            problems.add(
                path,
                row.line_of(name),
                f"row {number}: unknown field '{name}'{hint}; expected {', '.join(names)}",
            )
    cells: list[Cell] = []
    for spec in fields:
        value: Any = row.get(spec.name)
        line = row.line_of(spec.name)
        if value in (None, "", []):
            problems.add(path, row.line, f"row {number}: missing '{spec.name}'")
        elif spec.is_list and not isinstance(value, list):
            problems.add(path, line, f"row {number}, '{spec.name}': write a list of items")
        elif spec.is_list and spec.choices is not None:
            cells.extend(_ticks(value, spec.choices, number, path, line, problems))
        elif spec.is_list:
            cells.append(tuple(profile.fill(str(item), path, line, problems) for item in value))
        elif spec.choices is not None:
            if value not in spec.choices:
                allowed = ", ".join(str(choice) for choice in spec.choices)
                problems.add(
                    path,
                    line,
                    f"row {number}, '{spec.name}': '{value}' is not allowed; use one of {allowed}",
                )
            else:
                cells.append(spec.choices[value])
        else:
            cells.append(profile.fill(str(value), path, line, problems))
    if len(problems.errors) > errors_before:
        return None
    return tuple(cells)


def _ticks(
    chosen: list[Any],
    actions: dict[Any, str],
    number: int,
    path: Path,
    line: int,
    problems: Problems,
) -> list[Cell]:
    for value in chosen:
        if value not in actions:
            problems.add(
                path,
                line,
                f"row {number}, 'actions': '{value}' is not one of this "
                f"table's actions ({', '.join(actions)})",
            )
    return [YES if action in chosen else NO for action in actions]
