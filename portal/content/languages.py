"""The language a policy's text is written in, as a tag such as `en-GB` or `cy`.

The portal records it with every agreement: a parent who read a translation agreed to that
text. A tag is checked for its shape only (a language of two or three letters, then parts
joined by hyphens), and kept short enough for the record.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import Problems

DEFAULT = "en"  # what a school that names no language has always had recorded
LONGEST = 10  # the agreement record's column
TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# Names for the languages most often asked for in schools in England; any other tag is shown
# as it is written.
NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "cy": "Welsh",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "gu": "Gujarati",
    "pa": "Punjabi",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "so": "Somali",
    "ta": "Tamil",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
}


def check_language(value: Any, path: Path, line: int, problems: Problems) -> bool:
    """Whether `value` is a language tag; if not, a problem at its file and line."""
    if isinstance(value, str) and TAG.match(value) and len(value) <= LONGEST:
        return True
    problems.add(
        path,
        line,
        f"language '{value}' is not a language tag: write it as en-GB, cy or pl "
        f"(at most {LONGEST} characters)",
    )
    return False


def language_name(tag: str) -> str:
    """ "English (en-GB)" for a known language; the tag alone for another."""
    name = NAMES.get(tag.split("-")[0].lower())
    return f"{name} ({tag})" if name else tag
