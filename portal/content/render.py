"""Markdown to HTML for the portal, with the same extensions as the site, so a policy version
or a lesson reads the same in both places."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as etree
from functools import lru_cache
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

EXTENSIONS = ("tables", "attr_list", "abbr", "admonition", "sane_lists")


@lru_cache(maxsize=4096)
def render_markdown(text: str, site_url: str | None = None, page: str = "index.md") -> str:
    """Rendered once per text and address: a lesson or policy is rendered on its first showing
    and then read from memory; the text itself is the key, so an edited file renders afresh.
    `site_url` given, links to the site's Markdown pages (`/tables/x/index.md`, as a policy
    writes them for MkDocs) become the addresses the site serves them at; `page` is where the
    text sits on the site (relative links start from there)."""
    extensions: list[str | Extension] = list(EXTENSIONS)
    if site_url is not None:
        extensions.append(SiteLinks(site_url, page))
    return markdown.markdown(text, extensions=extensions, output_format="html")


def site_address(href: str, site_url: str, page: str = "index.md") -> str:
    """The address the site serves a linked Markdown page at, as MkDocs builds it (directory
    addresses): `/tables/x/index.md` -> `<site>/tables/x/`, `/incidents.md#a` ->
    `<site>/incidents/#a`. Any other link is left as it is."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.endswith(".md"):
        return href
    if parts.path.startswith("/"):
        path = parts.path.lstrip("/")
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), parts.path))
    if path.startswith("../"):
        return href  # outside the site: nothing to point at
    if path == "index.md" or path.endswith("/index.md"):
        path = path[: -len("index.md")]
    else:
        path = path[: -len(".md")] + "/"
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{site_url.rstrip('/')}/{path}{fragment}"


class SiteLinks(Extension):
    def __init__(self, site_url: str, page: str) -> None:
        super().__init__()
        self.site_url, self.page = site_url, page

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # Markdown names it so
        md.treeprocessors.register(_SiteLinkProcessor(md, self), "esafety_site_links", 0)


class _SiteLinkProcessor(Treeprocessor):
    def __init__(self, md: markdown.Markdown, links: SiteLinks) -> None:
        super().__init__(md)
        self.links = links

    def run(self, root: etree.Element) -> None:
        for link in root.iter("a"):
            href = link.get("href")
            if href:
                link.set("href", site_address(href, self.links.site_url, self.links.page))
