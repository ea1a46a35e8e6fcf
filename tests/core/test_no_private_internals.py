"""The project reaches Django, Wagtail, allauth and psycopg only through their public interfaces.

Underscore names are private to their package and change without notice: an upgrade would break
us silently. This reads every module of ours (not tests, not migrations) and fails on an import
of an underscore name from those packages, or on an attribute access `x._name` whose object is not
our own (`self`/`cls`) and whose name is not one of the documented exceptions below."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "analytics", "certificates", "classrooms", "config", "core", "courses", "h5p", "home", "quizzes"]
GUARDED = ("django", "wagtail", "allauth", "psycopg")

# `Model._meta` is Django's documented Model _meta API. `_csp_update` is how django-csp (not one
# of the guarded packages) takes a per-response addition; its own decorators set the same.
DOCUMENTED = {"_meta", "_csp_update"}


def our_modules():
    for app in [*APPS, "bench", "scripts"]:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    yield ROOT / "manage.py"


def own_modules():
    """Our own packages: a module may call a private helper of another module of ours."""
    return {*APPS, "bench", "scripts"}


def offences(source: str, where: str) -> list[str]:
    tree = ast.parse(source, filename=where)
    found = []
    own_aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top in GUARDED:
                for alias in node.names:
                    if alias.name.startswith("_") or any(p.startswith("_") for p in node.module.split(".")):
                        found.append(f"{where}:{node.lineno} from {node.module} import {alias.name}")
            elif top in own_modules():
                own_aliases.update((a.asname or a.name) for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in GUARDED and any(p.startswith("_") for p in parts):
                    found.append(f"{where}:{node.lineno} import {alias.name}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        name = node.attr
        if not name.startswith("_") or (name.startswith("__") and name.endswith("__")) or name in DOCUMENTED:
            continue
        base = node.value
        if isinstance(base, ast.Name) and (base.id in {"self", "cls"} or base.id in own_aliases):
            continue
        found.append(f"{where}:{node.lineno} .{name}")
    return found


def test_no_module_of_ours_uses_a_private_name_of_a_framework():
    found = [
        o for path in our_modules() for o in offences(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "from django.middleware.csrf import _get_new_csrf_string\n",
        "from wagtail.models import _copy\n",
        "def f(cursor):\n    return cursor._prepare_cursor\n",
        "def f(request):\n    return request.user._cached_parent_obj\n",
        "import psycopg._queries\n",
    ],
)
def test_the_check_catches_a_private_name(source):
    assert offences(source, "probe.py")


def test_the_check_lets_our_own_private_helpers_through():
    assert offences("from certificates import services\nservices._fonts()\n", "probe.py") == []
