"""Markdown to HTML for the portal, with the same extensions as the site, so a policy version
or a lesson reads the same in both places."""

from __future__ import annotations

from functools import lru_cache

import markdown

EXTENSIONS = ("tables", "attr_list", "abbr", "admonition", "sane_lists")


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Rendered once per text: a lesson or policy is rendered on its first showing and then
    read from memory. The text itself is the key, so an edited file renders afresh."""
    return markdown.markdown(text, extensions=list(EXTENSIONS), output_format="html")
