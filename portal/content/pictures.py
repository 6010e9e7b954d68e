"""Lesson pictures: hand-written SVG files in `curriculum/images/`, checked so that each one is
small, describes itself and can do nothing but be looked at.

The portal serves these files from its own address, so a script or an outside reference in one
would run, or be fetched, in a pupil's browser: none is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import Problems

MAX_BYTES = 6 * 1024
"""A picture is simple flat shapes: 6 KB is plenty, and pages stay quick on a school's wifi."""

RULES: tuple[tuple[re.Pattern[str], bool, str], ...] = (
    (
        re.compile(r"<svg\b[^>]*\sviewBox\s*=", re.IGNORECASE),
        True,
        "needs a viewBox on <svg> so it scales to any screen",
    ),
    (re.compile(r"<title>\s*[^<\s]", re.IGNORECASE), True, "needs a <title> saying what it shows"),
    (
        re.compile(r"<script\b|\son[a-z]+\s*=|javascript:|<foreignObject\b", re.IGNORECASE),
        False,
        "must not contain scripts, event handlers or embedded HTML",
    ),
    (
        re.compile(
            r"""(?:href|src)\s*=\s*["']?\s*(?!#)[^"'\s>]|url\(\s*["']?\s*(?!#)""", re.IGNORECASE
        ),
        False,
        "must not refer to other files or addresses (only to its own #ids)",
    ),
    (
        re.compile(r"<image\b|data:image/", re.IGNORECASE),
        False,
        "must not embed a photo or other raster image: draw it with shapes",
    ),
    (
        re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE),
        False,
        "must not declare a DOCTYPE or entities",
    ),
)
"""(pattern, whether it must be present, what the rule asks)."""


def check_pictures(folder: Path, problems: Problems) -> None:
    """Check every file in `folder` (curriculum/images)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix != ".svg" or not path.is_file():
            problems.add(path, None, "pictures are SVG files (name.svg)")
            continue
        check_picture(path, problems)


def check_picture(path: Path, problems: Problems) -> None:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        problems.add(
            path, None, f"the picture is {len(data)} bytes; keep it under {MAX_BYTES} (6 KB)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.add(path, None, "this picture is not saved as UTF-8 text")
        return
    for pattern, wanted, rule in RULES:
        found = pattern.search(text)
        if wanted and found is None:
            problems.add(path, None, f"the picture {rule}")
        elif not wanted and found is not None:
            line = text.count("\n", 0, found.start()) + 1
            problems.add(path, line, f"the picture {rule}")
