"""The demo app is the top of the dependency order: it may import every app, and no app imports it."""
import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_other_app_imports_demo():
    root = Path(settings.BASE_DIR)
    offenders = []
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if config.name == "demo" or not folder.is_relative_to(root):
            continue
        for path in folder.rglob("*.py"):
            if any(m == "demo" or m.startswith("demo.") for m in imported_modules(path)):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_demo_is_the_last_project_app():
    assert settings.INSTALLED_APPS[-1] == "demo"
