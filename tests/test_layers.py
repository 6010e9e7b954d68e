"""The layers import only downwards (see portal/content/README.md and docs/architecture.md):
files -> content -> (site | services) -> runtime -> web, with models under services; the
runtime (portal/runtime.py) is what a running portal holds, without Flask; operations (backups)
sit beside web, over services, and only the command imports them. Every import in
portal/ is read, at module level and inside functions alike, so a shortcut taken in a hurry
fails here with its file and line rather than in review. Each layer is then imported for real,
in a fresh interpreter, so a framework reached through another package (or the package's own
__init__) is caught too."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# What each layer may import from the rest of the package (itself always allowed). Modules at
# the top of the package (db, years, settings, ...) are layers of their own.
ALLOWED = {
    "content": set(),
    "years": set(),
    "db": set(),
    "models": {"content", "db", "years"},  # content.calendar: the time every record is stamped
    "ledger_guard": {"db"},
    "migrate": {"db"},
    "services": {"content", "models", "db", "years", "ledger_guard", "migrate"},
    "site": {"content", "settings"},
    "runtime": {"content", "services", "db"},
    "web": {"content", "services", "models", "db", "years", "settings", "startup", "runtime"},
    # Run by the `esafety` command (cli, which is not checked), never by the web app: no layer
    # lists operations, so none may import it.
    "operations": {"services", "models", "db", "years", "migrate"},
}
# Third-party frameworks a layer must not reach for: content is read by the site build and
# the portal alike, so it stays free of both.
FRAMEWORKS = {
    "content": {"flask", "flask_login", "flask_wtf", "mkdocs", "material", "sqlalchemy"},
    "services": {"flask", "flask_login", "flask_wtf", "mkdocs", "material", "werkzeug"},
    "runtime": {"flask", "flask_login", "flask_wtf", "mkdocs", "material", "werkzeug"},
    "models": {"flask", "flask_login", "mkdocs"},
    "operations": {"flask", "flask_login", "flask_wtf", "mkdocs", "material", "werkzeug"},
}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "portal" and len(parts) > 1 else None


def imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, resolved to an absolute name, with its line."""
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    if path.name == "__init__.py":
        package += ".__init__"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: -node.level]
                module = ".".join([*base, *([node.module] if node.module else [])])
                names = [] if node.module else [f"{module}.{alias.name}" for alias in node.names]
                found += [(node.lineno, name) for name in names or [module]]
            else:
                found.append((node.lineno, node.module or ""))
    return found


def breaks(root: Path = PORTAL) -> list[str]:
    """Each import against the layers under `root` (the package), as `file:line: what`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        source = layer_of(".".join(path.relative_to(root.parent).with_suffix("").parts))
        if source not in ALLOWED:
            continue
        for line, module in imports(path, root):
            target = layer_of(module)
            where = f"{path.relative_to(root.parent)}:{line}"
            if target is not None and target != source and target not in ALLOWED[source]:
                found.append(f"{where}: {source} imports {module}")
            if module.split(".")[0] in FRAMEWORKS.get(source, ()):
                found.append(f"{where}: {source} imports the framework {module}")
    return found


def test_every_layer_imports_only_what_it_may():
    assert breaks() == []


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("content/x.py", "from ..services import agreements", "content imports portal.services"),
        ("services/x.py", "from ..web.app import build_app", "services imports portal.web.app"),
        ("services/x.py", "def f():\n    from flask import g", "the framework flask"),
        ("content/x.py", "import sqlalchemy", "the framework sqlalchemy"),
        ("site/x.py", "from portal.services import demo", "site imports portal.services"),
        ("web/x.py", "from ..operations import backup", "web imports portal.operations"),
        ("services/x.py", "from ..operations import restore", "imports portal.operations"),
        ("operations/x.py", "from ..web import app", "operations imports portal.web"),
        ("runtime.py", "from .web.runtime import runtime", "runtime imports portal.web.runtime"),
        ("runtime.py", "from flask import Flask", "runtime imports the framework flask"),
    ],
)
def test_an_import_against_the_layers_is_named_with_its_line(source, text, expected, tmp_path):
    """The check itself, on a package holding one module with one wrong import."""
    module = tmp_path / "portal" / source
    module.parent.mkdir(parents=True)
    module.write_text(f'"""A module."""\n\n{text}\n', encoding="utf-8")
    (problem,) = breaks(tmp_path / "portal")
    assert problem.startswith(f"portal/{source}:{3 + text.count(chr(10))}: ")  # its last line
    assert expected in problem


# --- What importing a layer loads -----------------------------------------------------------

_LOAD = """
import importlib, json, sys
from pathlib import Path
root, layer = Path(sys.argv[1]), sys.argv[2]
sys.path.insert(0, str(root.parent))
names = sorted(
    ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__")
    for path in (root / layer).rglob("*.py")
) if (root / layer).is_dir() else [f"{root.name}.{layer}"]
loaded_by = {}
for name in names:
    before = set(sys.modules)
    importlib.import_module(name)
    for module in set(sys.modules) - before:
        loaded_by.setdefault(module, name)
print(json.dumps(loaded_by))
"""


def reachable(layer: str) -> set[str]:
    """The layers `layer` may load, directly or through another it may load."""
    found, todo = {layer}, [layer]
    while todo:
        for other in ALLOWED.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return found


def loads_against_the_layers(layer: str, root: Path = PORTAL) -> list[str]:
    """What importing every module of `layer` loads that it may not, as `module loads what`."""
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(root), layer],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded_by: dict[str, str] = json.loads(result.stdout)
    may = reachable(layer)
    found = []
    for module, importer in sorted(loaded_by.items()):
        parts = module.split(".")
        target = parts[1] if parts[0] == root.name and len(parts) > 1 else None
        if target is not None and target not in may:
            found.append(f"{importer} loads {module}")
        if parts[0] in FRAMEWORKS.get(layer, ()):
            found.append(f"{importer} loads the framework {module}")
    return found


@pytest.mark.parametrize(
    "layer", ["content", "models", "services", "site", "runtime", "operations", "web"]
)
def test_importing_a_layer_loads_nothing_it_may_not(layer):
    assert loads_against_the_layers(layer) == []


def test_a_framework_loaded_through_another_module_is_named_with_the_module(tmp_path):
    """The check itself: content imports nothing wrong directly, but what it imports does."""
    package = tmp_path / "portal"
    (package / "content").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "content" / "__init__.py").write_text("")
    (package / "content" / "pages.py").write_text("import json\nfrom portal import helpers\n")
    (package / "helpers.py").write_text("from portal.services import mail\n")
    (package / "services").mkdir()
    (package / "services" / "__init__.py").write_text("")
    (package / "services" / "mail.py").write_text("import sqlalchemy\n")
    assert breaks(package) == []  # read one file at a time, each import looks harmless
    found = loads_against_the_layers("content", package)
    assert "portal.content.pages loads portal.services.mail" in found
    assert "portal.content.pages loads the framework sqlalchemy" in found
