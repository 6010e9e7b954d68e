"""Adds the generated policy, table and glossary pages to the site.

All the work is in `portal.content`; this file only hands MkDocs what it returns, so a move to
another site engine touches this package alone.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

from portal.content.calendar import school_today
from portal.content import Content, ContentErrors, load_content, load_lessons
from portal.content.brand import Brand, site_css
from portal.content.glossary import abbreviation_lines
from portal.content.hashing import content_version
from portal.content.pages import section_children, site_pages
from portal.settings import setting

from .headers import write_headers

log = logging.getLogger("mkdocs.plugins.esafety")
BRAND_CSS = "stylesheets/school.css"  # generated from the school profile's colours


class EsafetyConfig(Config):
    enabled = c.Type(bool, default=True)
    """Turn the plugin off to build only the hand-written pages."""

    policies_dir = c.Type(str, default="policies")
    """The folder of policies, relative to mkdocs.yml."""

    portal_url = c.Type(str, default="")
    """Where the portal is served; policies people must accept link there to be signed. Empty
    (the usual): the portal's PUBLIC_URL setting (ESAFETY_PUBLIC_URL) when the site is built,
    so the site and the portal's emails name the same address."""

    curriculum_dir = c.Type(str, default="curriculum")
    """The folder of lessons and quizzes, relative to mkdocs.yml; checked on every build."""


class EsafetyPlugin(BasePlugin[EsafetyConfig]):
    def __init__(self) -> None:
        self.content: Content | None = None
        self.abbreviations = ""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if not self.config.enabled:
            return config
        project = Path(config.config_file_path).parent
        folder = project / self.config.policies_dir
        lessons = project / self.config.curriculum_dir
        try:
            self.content = load_content(folder)
            if lessons.is_dir():
                load_lessons(lessons)
        except ContentErrors as errors:
            raise PluginError(f"content has errors:\n{errors}") from errors
        self.abbreviations = abbreviation_lines(list(self.content.glossary))
        config.watch.extend([str(folder), str(lessons)])
        _use_brand(config, self.content.profile.brand)
        _version_own_files(config, self.content.profile.brand)
        # For the theme's own pages (the 404 page): whose site, and where to sign in.
        config.extra.setdefault("school_name", self.content.profile.name)
        config.extra["portal_url"] = self.portal_url
        return config

    @property
    def portal_url(self) -> str:
        return (self.config.portal_url or setting("PUBLIC_URL")).rstrip("/")

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        if self.content is None:
            return files
        # Pages state every version's dates and the reader's browser shows what is in force on
        # the reader's day; the build day only decides what a browser without scripts shows.
        pages = site_pages(self.content, school_today(), self.portal_url)
        for src_uri, markdown in pages.items():
            if files.get_file_from_path(src_uri) is not None:
                raise PluginError(
                    f"docs/{src_uri} would hide a generated page: rename or remove it"
                )
            files.append(File.generated(config, src_uri, content=markdown))
        log.debug("generated %d policy pages", len(pages))
        brand = self.content.profile.brand
        files.append(File.generated(config, BRAND_CSS, content=site_css(brand)))
        if brand.badge is not None:
            files.append(
                File.generated(config, _badge_uri(brand.badge), abs_src_path=str(brand.badge))
            )
        return files

    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        """List each policy (and table) under its section, when mkdocs.yml makes one for it."""
        if self.content is None:
            return nav
        for index_uri, child_uris in section_children(self.content).items():
            section = _section_of(nav.items, index_uri)
            if section is None:
                continue
            index = nav.pages.index(cast(Page, section.children[0]))
            children = [_page_of(files, uri) for uri in child_uris]
            for child in children:
                child.parent = section
            section.children.extend(children)
            nav.pages[index + 1 : index + 1] = children
        for previous, page in zip(nav.pages, nav.pages[1:], strict=False):
            previous.next_page, page.previous_page = page, previous
        return nav

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Security headers that allow exactly the inline scripts the theme wrote."""
        write_headers(Path(config.site_dir))

    def on_page_markdown(self, markdown: str, page: Page, **kwargs: object) -> str:
        """Explain every glossary abbreviation wherever it appears."""
        return f"{markdown}\n\n{self.abbreviations}\n" if self.abbreviations else markdown


def _use_brand(config: MkDocsConfig, brand: Brand) -> None:
    """The school's name, badge and colours (as generated CSS over Material's palette)."""
    config.site_name = f"{brand.short_name} e-safety policies"
    config.copyright = brand.name
    config.extra_css.append(BRAND_CSS)
    if brand.badge is not None:
        config.theme["logo"] = config.theme["favicon"] = _badge_uri(brand.badge)


def _version_own_files(config: MkDocsConfig, brand: Brand) -> None:
    """Give the site's own style sheets, script and badge addresses that name their content
    (`esafety.css?v=3f2a...`), as the theme's files have in their names: a browser keeps them
    for a year and, on a second visit, asks for none of them; a rebuilt file gets a new one."""
    docs = Path(config.docs_dir)
    generated = {BRAND_CSS: site_css(brand).encode("utf-8")}
    if brand.badge is not None:
        generated[_badge_uri(brand.badge)] = brand.badge.read_bytes()

    def versioned(uri: str) -> str:
        data = generated.get(uri)
        if data is None:
            path = docs / uri
            if "?" in uri or not path.is_file():
                return uri
            data = path.read_bytes()
        return f"{uri}?v={content_version(data)}"

    config.extra_css[:] = [versioned(uri) for uri in config.extra_css]
    for number, script in enumerate(config.extra_javascript):
        if isinstance(script, str):
            config.extra_javascript[number] = versioned(script)
        else:
            script.path = versioned(script.path)
    for key in ("logo", "favicon"):
        if config.theme.get(key) in generated:
            config.theme[key] = versioned(config.theme[key])


def _badge_uri(badge: Path) -> str:
    return f"assets/school-badge{badge.suffix.lower()}"


def _page_of(files: Files, uri: str) -> Page:
    """The page of a file the policy pages list: it is one of the site's own."""
    file = files.get_file_from_path(uri)
    assert file is not None, uri
    assert file.page is not None, uri
    return file.page


def _section_of(items: list, index_uri: str) -> Section | None:
    """The nav section whose first entry is the page `index_uri`."""
    for item in items:
        if isinstance(item, Section):
            first = item.children[0] if item.children else None
            if isinstance(first, Page) and first.file.src_uri == index_uri:
                return item
            found = _section_of(item.children, index_uri)
            if found is not None:
                return found
    return None
