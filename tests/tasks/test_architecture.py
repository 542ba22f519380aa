"""The layout rules of the app code (issue 20): small modules, no folder holding
most of the app, and no module reaching into another's private names. The import
directions are import-linter's contracts in pyproject.toml (`make lint`)."""

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("tasks", "security", "departments", "jiading_ads")
MAX_MODULE_LINES = 800


def app_modules():
    """Every Python file of the apps, migrations left out (Django writes them)."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def line_count(path):
    return len(path.read_text(encoding="utf-8").splitlines())


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def private_uses(path):
    """(line, what) for each private name of another app module this file uses:
    `from x import _y`, or `x._y` on a module it imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    modules = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if base.split(".")[0] not in APPS or base == own:
                continue
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append((node.lineno, f"from {base} import {alias.name}"))
                else:
                    modules[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in APPS and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr != "_meta"  # Django's documented Model._meta API
        ):
            found.append((node.lineno, f"{modules[node.value.id]}.{node.attr}"))
    return found


def test_no_module_is_over_800_lines():
    too_long = {str(p.relative_to(ROOT)): n for p in app_modules() if (n := line_count(p)) > MAX_MODULE_LINES}
    assert too_long == {}


def test_no_folder_holds_more_than_a_third_of_the_app_in_its_own_files():
    by_folder = Counter()
    for path in app_modules():
        by_folder[str(path.parent.relative_to(ROOT))] += line_count(path)
    total = sum(by_folder.values())
    assert {folder: n for folder, n in by_folder.items() if n * 3 > total} == {}


def test_no_module_uses_another_modules_private_names():
    uses = {str(p.relative_to(ROOT)): found for p in app_modules() if (found := private_uses(p))}
    assert uses == {}
