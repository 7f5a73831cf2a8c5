"""The core knows no feature by name: no module of facilitator/rooms/ imports a feature package or
the list of installed features. The app (facilitator/app.py), outside the core, installs them."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import facilitator.rooms

FEATURE_PACKAGES = ("facilitator.timers", "facilitator.polls", "facilitator.scribe", "facilitator.features")
CORE_MODULES = sorted(info.name for info in pkgutil.walk_packages(facilitator.rooms.__path__, "facilitator.rooms."))


def imported_names(module_name: str) -> set[str]:
    """Every module an import statement of the module names, at its top or inside a function."""
    source = Path(importlib.import_module(module_name).__file__).read_text()
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def is_feature(name: str) -> bool:
    return any(name == package or name.startswith(package + ".") for package in FEATURE_PACKAGES)


def test_the_core_has_modules_to_check():
    assert "facilitator.rooms.hub" in CORE_MODULES and "facilitator.rooms.pages" in CORE_MODULES


@pytest.mark.parametrize("module_name", CORE_MODULES)
def test_a_core_module_imports_no_feature(module_name):
    assert [name for name in sorted(imported_names(module_name)) if is_feature(name)] == []


def test_the_check_sees_a_feature_import():
    assert is_feature("facilitator.scribe.model") and is_feature("facilitator.features")
    assert not is_feature("facilitator.rooms.feature") and not is_feature("facilitator.polling")
