"""Abbreviations a reader may not know, explained wherever they appear."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Problems
from .yamlfiles import LineDict, load_yaml_file

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
        if not isinstance(item, LineDict):
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


# An abbreviation: a word of two or more capital letters (digits allowed, as in KS1), with an
# optional plural "s" (AUPs). Words mixing in small letters (DfE, SENCo) are not caught.
ABBREVIATION = re.compile(r"(?<![\w/.@-])([A-Z][A-Z0-9]*[A-Z][A-Z0-9]*)s?(?![\w@])")
# Everyday words written in capitals that every reader knows; they need no glossary entry.
EVERYDAY = frozenset({"OK", "TV"})
# Text that is not read as words: placeholders (checked with their values in school.yml), web
# addresses, code spans and link targets.
_NOT_WORDS = re.compile(r"\{\{.*?\}\}|(?i:https?)://\S+|`[^`\n]*`|\]\([^)\n]*\)|<[^>\n]*>")


def undefined_abbreviations(text: str, terms: set[str]) -> list[tuple[int, str]]:
    """Each abbreviation in `text` that the glossary does not define, with its line (from 1)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = _NOT_WORDS.sub(lambda match: " " * len(match.group()), line)
        for match in ABBREVIATION.finditer(words):
            term = match.group(1)
            if term not in terms and term not in EVERYDAY:
                found.append((number, term))
    return found


def check_abbreviations(
    paths: list[Path], entries: list[GlossaryEntry], glossary_path: Path, problems: Problems
) -> None:
    """Fail on every abbreviation a policy, table or the profile uses that the glossary lacks."""
    terms = {entry.term for entry in entries}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the loader has already reported a file it could not read
        for line, term in undefined_abbreviations(text, terms):
            problems.add(
                path,
                line,
                f"'{term}' is an abbreviation the glossary does not explain: add it to "
                f"{glossary_path.name} with term, stands_for and meaning, or write it out",
            )
