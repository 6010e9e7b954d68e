"""The school profile, and filling its values into the text people read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .brand import Brand, load_brand
from .errors import Problems
from .languages import DEFAULT, check_language
from .yamlfiles import LineDict, load_yaml_file

PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")
ROLE_FIELDS = ("title", "name", "email")
# How much of a version's words a minor amendment may change (`school.minor_amendment_limit`).
MINOR_AMENDMENT_LIMIT = 0.05
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*%$")


@dataclass(frozen=True)
class SchoolProfile:
    """The school's name, look, the people in its roles and its local choices."""

    values: dict[str, Any]
    brand: Brand
    minor_amendment_limit: float = MINOR_AMENDMENT_LIMIT  # a share of words, 0 to 1

    @property
    def name(self) -> str:
        return str(self.values["school"]["name"])

    @property
    def language(self) -> str:
        """The language the school's policies are written in, unless a version says another."""
        return str(self.values["school"].get("language") or DEFAULT)

    def lookup(self, dotted: str) -> Any:
        node: Any = self.values
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def fill(self, text: str, path: Path, first_line: int, problems: Problems) -> str:
        """Replace every {{ placeholder }} with its value; report unknown ones by line."""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            value = self.lookup(name)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return str(value)
            line = first_line + text.count("\n", 0, match.start())
            if value is None:
                problems.add(
                    path,
                    line,
                    f"unknown placeholder {{{{ {name} }}}}: "
                    f"add it to policies/school.yml or correct the name",
                )
            else:
                problems.add(
                    path,
                    line,
                    f"placeholder {{{{ {name} }}}} names a whole section "
                    f"of school.yml; name one value, such as {{{{ {name}.name }}}}",
                )
            return match.group(0)

        return PLACEHOLDER.sub(replace, text)


def load_profile(path: Path, problems: Problems) -> SchoolProfile | None:
    if not path.is_file():
        problems.add(path, None, "the school profile is missing: create policies/school.yml")
        return None
    errors_before = len(problems.errors)
    data = load_yaml_file(path, problems)
    if not isinstance(data, LineDict):
        if len(problems.errors) == errors_before:  # an empty file, a list or a single value
            problems.add(path, 1, "the school profile must have sections school, roles and choices")
        return None
    count = len(problems.errors)
    _check_section(data, "school", path, problems, required=("name",))
    school = data.get("school")
    if isinstance(school, LineDict) and "language" in school:
        check_language(school["language"], path, school.line_of("language"), problems)
    for role, details in (data.get("roles") or {}).items():
        if not isinstance(details, LineDict):
            problems.add(
                path, data["roles"].line_of(role), f"role '{role}' needs {', '.join(ROLE_FIELDS)}"
            )
            continue
        for field in ROLE_FIELDS[:2]:
            if not details.get(field):
                problems.add(path, details.line, f"role '{role}' is missing '{field}'")
    if not isinstance(data.get("choices", {}), dict):
        problems.add(path, data.line_of("choices"), "'choices' must be 'name: sentence' lines")
    if len(problems.errors) > count:
        return None
    limit = _minor_amendment_limit(data["school"], path, problems)
    brand = load_brand(data["school"], path, problems)
    if brand is None or limit is None:
        return None
    return SchoolProfile(data, brand, limit)


def _minor_amendment_limit(school: LineDict, path: Path, problems: Problems) -> float | None:
    """The share of words a minor amendment may change, written as a percentage."""
    if "minor_amendment_limit" not in school:
        return MINOR_AMENDMENT_LIMIT
    written = school["minor_amendment_limit"]
    match = _PERCENT.match(written.strip()) if isinstance(written, str) else None
    if match is None or float(match.group(1)) > 100:
        problems.add(
            path,
            school.line_of("minor_amendment_limit"),
            f"school.minor_amendment_limit is {written!r}: write a percentage from 0% to 100%, "
            "such as 5%",
        )
        return None
    return float(match.group(1)) / 100


def _check_section(
    data: LineDict, section: str, path: Path, problems: Problems, required: tuple[str, ...]
) -> None:
    values = data.get(section)
    if not isinstance(values, LineDict):
        problems.add(path, data.line or 1, f"the '{section}' section is missing")
        return
    for field in required:
        if not values.get(field):
            problems.add(path, values.line, f"'{section}' is missing '{field}'")
