"""How hard a text is to read, as a US school grade (Flesch-Kincaid), from plain words.

textstat 0.7.4 is pinned: later releases download a dictionary on first use, and the check must
work offline.
"""

from __future__ import annotations

import re

import textstat

_MARKS = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|[#*_>`|]")


def plain_words(markdown: str) -> str:
    return _MARKS.sub(lambda m: m.group(1) or " ", markdown)


def reading_grade(markdown: str) -> float:
    text = plain_words(markdown).strip()
    return float(textstat.flesch_kincaid_grade(text)) if text else 0.0
