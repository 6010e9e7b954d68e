"""How hard a text is to read, as a US school grade (Flesch-Kincaid), from plain words.

textstat 0.7.4 is pinned: later releases download a dictionary on first use, and the check must
work offline. It imports `pkg_resources`, which setuptools 80 (the release line without known
vulnerabilities that still has it) marks as deprecated with a warning; that warning is silenced
here and nowhere else.
"""

from __future__ import annotations

import re
import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    import textstat

_MARKS = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|[#*_>`|]")


def plain_words(markdown: str) -> str:
    return _MARKS.sub(lambda m: m.group(1) or " ", markdown)


def reading_grade(markdown: str) -> float:
    text = plain_words(markdown).strip()
    return float(textstat.flesch_kincaid_grade(text)) if text else 0.0
