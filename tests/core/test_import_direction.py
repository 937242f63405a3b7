"""App dependencies run one way: splp <- directory <- access <- monitoring. A module never imports an app above
its own (at the top or inside a function), except the composition root that assembles them all."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RANK = {"splp": 0, "directory": 1, "access": 2, "monitoring": 3}
# The composition root: settings, URLs and the WSGI application put the apps together.
COMPOSITION_ROOT = {"splp/settings.py", "splp/urls.py", "splp/wsgi.py", "splp/celery.py"}


def upward_imports():
    found = set()
    for app, rank in RANK.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if "/migrations/" in module or module in COMPOSITION_ROOT:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                found |= {(module, name) for name in names if RANK.get(name.split(".")[0], -1) > rank}
    return found


def test_no_app_imports_an_app_built_on_it():
    assert upward_imports() == set()
