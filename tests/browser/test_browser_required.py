"""Without Chromium the browser tests fail, unless ESAFETY_SKIP_BROWSER=1 says to skip them."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SKIP_BROWSER, require_chromium


def test_a_missing_browser_fails_the_run(tmp_path, monkeypatch):
    monkeypatch.delenv(SKIP_BROWSER, raising=False)
    with pytest.raises(pytest.fail.Exception, match="make system-deps"):
        require_chromium(tmp_path / "chromium")


def test_the_documented_variable_skips_instead(tmp_path, monkeypatch, project):
    monkeypatch.setenv(SKIP_BROWSER, "1")
    with pytest.raises(pytest.skip.Exception, match="skipped on purpose"):
        require_chromium(tmp_path / "chromium")
    assert f"{SKIP_BROWSER}=1" in (project / "README.md").read_text()


def test_make_test_installs_the_browser_as_root(project):
    makefile = (project / "Makefile").read_text()
    recipe = makefile[makefile.index("\ntest: install") :].split("\n\n")[0]
    assert '[ "$$(id -u)" = 0 ] && [ ! -x /usr/bin/chromium ]' in recipe
    assert "$(MAKE) system-deps" in recipe
