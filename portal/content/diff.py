"""A "what changed" view between two versions that a parent can read and a printer can show.

Text is compared part by part (a paragraph, a heading or one list item), then word by word.
Changes are marked in words ("Added:", "Removed:") as well as by underline and strike-through,
never by colour alone. Unchanged parts are folded, but headings stay so readers know where a
change sits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape
from typing import NamedTuple

_TOKENS = re.compile(r"\s+|[^\s]+")
_HEADING = re.compile(r"^#{1,6}\s+")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


class Part(NamedTuple):
    """A heading, a paragraph or a list item, as plain readable text."""

    heading: bool
    text: str


@dataclass(frozen=True)
class Diff:
    html: str
    changed: int
    added: int
    removed: int

    @property
    def summary(self) -> str:
        counts = [
            _count(self.changed, "changed"),
            _count(self.added, "added"),
            _count(self.removed, "removed"),
        ]
        return ", ".join(count for count in counts if count) or "No changes to the text"


def readable_diff(old_text: str, new_text: str) -> Diff:
    old_parts, new_parts = _parts(old_text), _parts(new_text)
    matcher = SequenceMatcher(None, old_parts, new_parts, autojunk=False)
    html: list[str] = []
    changed = added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            html.extend(_unchanged(new_parts[j1:j2]))
            continue
        old, new = old_parts[i1:i2], new_parts[j1:j2]
        paired = min(len(old), len(new))
        for before, after in zip(old[:paired], new[:paired], strict=True):
            html.append(_render("diff-changed", after.heading, _word_diff(before.text, after.text)))
        for part in new[paired:]:
            html.append(_render("diff-added", part.heading, _mark("ins", "Added", part.text)))
        for part in old[paired:]:
            html.append(_render("diff-removed", part.heading, _mark("del", "Removed", part.text)))
        changed += paired
        added += len(new) - paired
        removed += len(old) - paired
    return Diff('<div class="diff">\n' + "\n".join(html) + "\n</div>", changed, added, removed)


def words_changed(old_text: str, new_text: str) -> tuple[int, int]:
    """How many words of the old text the new one changes, and how many words the old text has,
    both as readers see them (without Markdown marks). A word replaced, removed or added counts
    once: changing a three-word name to another is three words."""
    old, new = _words(old_text), _words(new_text)
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    changed = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return changed, len(old)


def _words(text: str) -> list[str]:
    return [word for part in _parts(text) for word in part.text.split()]


def _parts(text: str) -> list[Part]:
    parts: list[Part] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if _HEADING.match(block):
            parts.append(Part(True, _plain(_HEADING.sub("", block))))
            continue
        lines: list[str] = []
        for line in block.splitlines():
            if _ITEM.match(line) and lines:
                parts.append(Part(False, _plain(" ".join(lines))))
                lines = []
            lines.append(line.strip())
        if lines:
            parts.append(Part(False, _plain(" ".join(lines))))
    return [part for part in parts if part.text]


def _plain(text: str) -> str:
    """Drop Markdown marks and link targets; keep list bullets as bullets."""
    text = _ITEM.sub("• ", text) if text.lstrip()[:2] in ("- ", "* ", "+ ") else text
    text = _LINK.sub(r"\1", text)
    return _EMPHASIS.sub(r"\1", _STRONG.sub(r"\2", text)).strip()


def _unchanged(parts: list[Part]) -> list[str]:
    """Keep headings for context; fold each run of unchanged parts into one line."""
    html, folded = [], 0
    for part in [*parts, None]:
        if part is not None and not part.heading:
            folded += 1
            continue
        if folded:
            html.append(f'<p class="diff-same">{_count(folded, "unchanged")}</p>')
            folded = 0
        if part is not None:
            html.append(_render("diff-heading", True, escape(part.text)))
    return html


def _word_diff(before: str, after: str) -> str:
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(escape("".join(new[j1:j2])))
            continue
        if i2 > i1:
            out.append(_mark("del", "Removed", "".join(old[i1:i2])))
        if j2 > j1:
            out.append(_mark("ins", "Added", "".join(new[j1:j2])))
    return "".join(out)


def _mark(tag: str, label: str, text: str) -> str:
    return f'<{tag}><span class="diff-label">{label}:</span> {escape(text)}</{tag}>'


def _render(css_class: str, heading: bool, html: str) -> str:
    body = f"<strong>{html}</strong>" if heading else html
    return f'<p class="diff-block {css_class}">{body}</p>'


def _count(number: int, what: str) -> str:
    if not number:
        return ""
    return f"{number} {'part' if number == 1 else 'parts'} {what}"
