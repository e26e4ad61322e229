"""The apps depend on each other as the README says, and never in a circle.

Every import in every module of every app (function-level imports included, migrations left
out) is read with ``ast`` and mapped to the app it names; the resulting graph must be a part of
the one stated below, which is the README's ("Dependencies point one way").
"""
import ast
import importlib
import pathlib

import pytest
from django.conf import settings

ROOT = pathlib.Path(settings.BASE_DIR)
APPS = ("standards", "audit", "catalog", "search", "profiling", "governance", "lineage", "notifications", "demo")
# app -> the apps it may import; ``meshport`` (settings, Celery app, parsers) is the project's frame.
ALLOWED = {
    "standards": {"meshport"},
    "audit": {"meshport"},
    "catalog": {"standards", "audit", "meshport"},
    "search": {"audit", "catalog", "meshport"},
    "profiling": {"standards", "audit", "catalog", "meshport"},
    "lineage": {"audit", "catalog", "profiling", "meshport"},
    "governance": {"standards", "audit", "catalog", "profiling", "lineage", "meshport"},
    "notifications": {"audit", "catalog", "lineage", "meshport"},
    "demo": {"standards", "audit", "catalog", "search", "profiling", "governance", "lineage", "notifications",
             "meshport"},
}


def imports_of(app: str) -> dict[str, set[str]]:
    """The apps one app imports, each with a module that does it."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != app and top in (*APPS, "meshport"):
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it(app):
    extra = {dep: sorted(where) for dep, where in imports_of(app).items() if dep not in ALLOWED[app]}
    assert extra == {}, f"{app} imports apps the README does not let it: {extra}"


def test_the_stated_graph_has_no_cycle():
    seen, done = set(), set()

    def visit(app, path):
        assert app not in seen - done, f"cycle: {' -> '.join([*path, app])}"
        if app in done:
            return
        seen.add(app)
        for dep in ALLOWED.get(app, ()):
            visit(dep, [*path, app])
        done.add(app)

    for app in APPS:
        visit(app, [])


@pytest.mark.parametrize("app", APPS)
def test_every_module_of_an_app_imports(app):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts or path.name == "__init__.py" and path.parent == ROOT / app:
            continue
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
