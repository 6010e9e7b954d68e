"""The policy site, served by the product, carries headers as strict as the portal's."""

from __future__ import annotations

import re

from werkzeug.test import Client

from portal import create_app
from portal.site.headers import NGINX_FILE, POLICY_FILE, script_hashes
from portal.web.runtime import runtime
from portal.wsgi import combine


def site_headers(server: Client, path: str = "/", **kwargs):
    response = server.get(path, **kwargs)
    response.close()
    return response.headers


def test_the_site_allows_only_the_inline_scripts_the_theme_wrote(app, demo_site):
    policy = site_headers(Client(combine(demo_site, app)))["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src
    pages = [path.read_text() for path in demo_site.rglob("*.html")]
    hashes = script_hashes(pages)
    assert hashes  # the theme does write a few
    for digest in hashes:
        assert digest in script_src
    assert "object-src 'none'" in policy
    assert "base-uri 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_an_injected_inline_script_would_not_be_allowed(demo_site):
    allowed = (demo_site / POLICY_FILE).read_text()
    [injected] = script_hashes(["<script>alert(document.cookie)</script>"])
    assert injected not in allowed


def test_the_nginx_snippet_carries_the_same_policy(demo_site):
    policy = (demo_site / POLICY_FILE).read_text().strip()
    snippet = (demo_site / NGINX_FILE).read_text()
    assert f'add_header Content-Security-Policy "{policy}" always;' in snippet
    assert "Strict-Transport-Security" in snippet


def test_site_pages_get_hsts_over_https_as_the_portal_does(app, demo_site):
    server = Client(combine(demo_site, app))
    assert "Strict-Transport-Security" in site_headers(server, base_url="https://localhost")
    assert "Strict-Transport-Security" not in site_headers(server, base_url="http://localhost")


def test_behind_nginx_the_site_knows_a_visit_came_over_https(app, demo_site):
    proxied = create_app({**app.config, "PROXY_HOPS": 1})
    try:
        server = Client(combine(demo_site, proxied))
        headers = site_headers(server, headers={"X-Forwarded-Proto": "https"})
        assert headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        runtime(proxied).engine.dispose()
