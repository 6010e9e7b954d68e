"""Markdown to HTML for the portal, with the same extensions as the site, so a policy version
or a lesson reads the same in both places."""

from __future__ import annotations

import markdown

EXTENSIONS = ("tables", "attr_list", "abbr", "admonition", "sane_lists")


def render_markdown(text: str) -> str:
    return markdown.markdown(text, extensions=list(EXTENSIONS), output_format="html")
