"""Abbreviations a reader may not know, explained wherever they appear."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Problems
from .yamlfiles import load_yaml_file

GLOSSARY_FIELDS = ("term", "stands_for", "meaning")
TERM = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    stands_for: str
    meaning: str


def load_glossary(path: Path, problems: Problems) -> list[GlossaryEntry]:
    if not path.is_file():
        return []
    data = load_yaml_file(path, problems)
    if not isinstance(data, list):
        if data is not None:
            problems.add(
                path, 1, "the glossary is a list of entries with term, stands_for, meaning"
            )
        return []
    entries, seen = [], set()
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.add(path, None, f"entry {number} needs {', '.join(GLOSSARY_FIELDS)}")
            continue
        missing = [name for name in GLOSSARY_FIELDS if not item.get(name)]
        unknown = [name for name in item if name not in GLOSSARY_FIELDS]
        if missing or unknown:
            problems.add(
                path,
                item.line,
                f"entry {number}: "
                + "; ".join(
                    [f"missing '{n}'" for n in missing] + [f"unknown field '{n}'" for n in unknown]
                ),
            )
            continue
        term = str(item["term"])
        if not TERM.match(term) or term in seen:
            problems.add(
                path,
                item.line_of("term"),
                f"entry {number}: '{term}' must be one word, written once",
            )
            continue
        seen.add(term)
        entries.append(GlossaryEntry(term, str(item["stands_for"]), str(item["meaning"])))
    return sorted(entries, key=lambda entry: entry.term)


def abbreviation_lines(entries: list[GlossaryEntry]) -> str:
    """Markdown abbreviation definitions (Python-Markdown's `abbr`), shown as tooltips."""
    return "\n".join(f"*[{entry.term}]: {entry.stands_for}" for entry in entries)
