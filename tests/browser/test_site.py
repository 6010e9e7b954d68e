"""Every page of the built policy site, in a real browser, at phone and desktop widths."""

import threading
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

from portal.wsgi import site_app
from tests.browser.conftest import DESKTOP, PHONE, axe_violations, too_wide

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site_url(demo_site):
    """The site as the product serves it, with its real security headers."""
    server = make_server("127.0.0.1", 0, site_app(demo_site), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def site_pages(demo_site):
    paths = sorted(p.relative_to(demo_site) for p in demo_site.rglob("index.html"))
    assert len(paths) > 30
    return [
        str(path.parent).replace(".", "", 1) if str(path.parent) == "." else f"{path.parent}/"
        for path in paths
    ]


def one_of_each_kind(paths: list[str]) -> list[str]:
    """The first page of each kind: its section, its depth, and whether it shows changes. Pages
    of a kind share the theme's layout, which is all a wider screen changes; their content is
    checked on every page at phone width."""
    kinds: dict[tuple, str] = {}
    for path in paths:
        parts = path.strip("/").split("/") if path else []
        section = parts[0] if len(parts) > 1 else ""
        kinds.setdefault((section, len(parts), parts[-1:] == ["changes"]), path)
    return list(kinds.values())


# Pages loading at once: each waits for the network to go quiet (half a second with nothing
# requested) before axe-core runs, and those waits overlap instead of adding up. The tabs are
# opened once and each goes on to the next page: a new tab costs Chromium a new renderer
# process, which is more work than loading the page.
TABS = 6
MISSING = "no/such/page"  # the site's own "not found" page, checked like the others


@pytest.mark.long
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_has_a_wcag_a_or_aa_violation_or_a_third_party_request(
    browser, site_url, site_pages, viewport
):
    """Every page on a phone, where it must not scroll sideways either (at 320 and 390 px), and
    one page of each kind on a desktop screen."""
    phone = viewport is PHONE
    pages = [*site_pages, MISSING] if phone else one_of_each_kind(site_pages)
    context = browser.new_context(viewport=viewport)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    refused: list[str] = []  # what the Content-Security-Policy blocked: nothing should be
    context.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    problems = []
    tabs = [context.new_page() for _ in range(TABS)]
    for start in range(0, len(pages), TABS):
        loading = list(zip(pages[start : start + TABS], tabs, strict=False))  # last: fewer
        for path, page in loading:
            response = page.goto(f"{site_url}/{path}", wait_until="commit")
            assert response.status == (404 if path == MISSING else 200), path
        for path, page in loading:
            page.wait_for_load_state("networkidle")
            problems += [f"/{path}: {violation}" for violation in axe_violations(page)]
            if phone:
                problems += too_wide(page, f"/{path}")
    context.close()
    assert problems == []
    assert refused == []
    hosts = {urlparse(url).hostname for url in requested if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}


def test_search_dialog_has_an_accessible_name(browser, site_url):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{site_url}/")
    assert page.get_attribute(".md-search", "aria-label") == "Search"
    page.close()


def test_glossary_terms_explain_themselves_on_hover(browser, site_url):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{site_url}/parents/what-the-aup-means/")
    abbr = page.locator("abbr", has_text="AUP").first
    assert abbr.get_attribute("title") == "Acceptable use policy"
    page.close()


def test_a_policy_prints_without_navigation(browser, site_url):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{site_url}/policies/pupil-aup-7-11/")
    page.emulate_media(media="print")
    assert not page.locator(".md-sidebar--primary").is_visible()
    assert not page.locator(".md-header").is_visible()
    assert page.locator("h1").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.close()
