"""Normalised text and its SHA-256: the fingerprint of what a person read and signed."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_BLANK_RUNS = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """Make text that reads the same hash the same (line endings, trailing spaces, blank runs)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def content_version(data: bytes) -> str:
    """A file's version in its address (`portal.css?v=...`): the first 12 hex digits of its
    SHA-256, so the address changes exactly when the file does."""
    return hashlib.sha256(data).hexdigest()[:12]
