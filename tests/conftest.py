from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import ContentTree

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path: Path) -> ContentTree:
    return ContentTree(tmp_path)


@pytest.fixture
def project() -> Path:
    """The real project folder, with the demo school's policies."""
    return PROJECT
