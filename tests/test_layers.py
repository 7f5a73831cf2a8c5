"""The layers of the code, as DESIGN.md draws them, checked on every module's imports.

    base      config, db (and its migrations), keycheck, limits, logs: settings and storage,
              knowing nothing of rooms
    core      facilitator.rooms: rooms, the log, the hub, the edges; names no feature
    features  the packages facilitator/features.py installs; each reads another only
              through that feature's model module (its slice's types and accessor)
    above     facilitator.record and facilitator.export: the session record and its exports,
              which read every feature;
              facilitator.screen: what the screen shows, a feature of the room that reads the others
    root      features.py, app.py, cli.py, ops.py, __main__.py: they assemble everything

A module may import its own layer and the layers below it, never one above; a feature may
import another feature's model module and nothing else of it. The imports are read with
`ast`, so nothing is executed: imports inside functions count as much as the others.
"""

import ast
import importlib
from collections.abc import Iterable
from pathlib import Path

import facilitator

PACKAGE = Path(facilitator.__file__).parent
CORE = "facilitator.rooms"
ABOVE_FEATURES = ("facilitator.record", "facilitator.export", "facilitator.screen")
ROOT = ("facilitator.features", "facilitator.app", "facilitator.cli", "facilitator.ops", "facilitator.__main__")
BASE = (
    "facilitator.config",
    "facilitator.db",
    "facilitator.headers",
    "facilitator.keycheck",
    "facilitator.limits",
    "facilitator.logs",
)
MIGRATIONS = "facilitator.migrations"  # the schema's history, in the base beside db

# The only modules of a feature that another feature may import: the slice's types and its
# accessor (agenda_of, floor_of, polls_of, questions_of, notebook_of, breakouts_of).
ACCESSOR_MODULES = frozenset(
    {
        "facilitator.timers.model",
        "facilitator.timers.floor.model",
        "facilitator.polls.model",
        "facilitator.polls.questions.model",
        "facilitator.scribe.model",
        "facilitator.rooms.breakouts.model",
        "facilitator.followup.model",
        "facilitator.review.model",
    }
)

RANKS = {"base": 0, "core": 1, "feature": 2, "above": 3, "root": 4}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The modules `name` imports; `from package import module` counts as the module."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {module for module in found if module == "facilitator" or module.startswith("facilitator.")}


def feature_packages() -> list[str]:
    """The packages whose `feature` module facilitator/features.py installs, the room's own rules
    and the layer above the features (the screen, installed like a feature) aside."""
    tree = ast.parse((PACKAGE / "features.py").read_text())
    packages = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and any(a.name == "feature" for a in node.names):
            packages.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".feature"):
            packages.add(node.module.removesuffix(".feature"))
    return sorted(packages - {CORE, *ABOVE_FEATURES})


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def owner(module: str, features: list[str]) -> tuple[str, str]:
    """(layer, the feature package for a feature's module, else the layer's own name)."""
    owning = [package for package in features if within(module, package)]
    # A feature first: rooms.breakouts lives under the core (a breakout group is a small room
    # inside the exchange) but is a feature like any other, which the core never imports.
    if owning:  # the innermost package: timers.floor is a feature of its own, beside timers
        return "feature", max(owning, key=len)
    if within(module, CORE):
        return "core", CORE
    if any(within(module, package) for package in ABOVE_FEATURES):
        return "above", module
    if module in ROOT or module == "facilitator":
        return "root", module
    if module in BASE or within(module, MIGRATIONS):
        return "base", module
    raise AssertionError(f"{module} belongs to no layer: add it to one in tests/test_layers.py and DESIGN.md")


def violations(graph: dict[str, set[str]], features: list[str]) -> list[str]:
    found = []
    for importer, imported in sorted((a, b) for a, targets in graph.items() for b in targets):
        (layer, home), (their_layer, their_home) = owner(importer, features), owner(imported, features)
        if RANKS[their_layer] > RANKS[layer]:
            found.append(f"{importer} ({layer}) imports {imported} ({their_layer}), a layer above it")
        elif layer == their_layer == "feature" and home != their_home and imported not in ACCESSOR_MODULES:
            found.append(
                f"{importer} imports {imported}: another feature is read only through its model "
                f"module ({their_home}.model)"
            )
    return found


def the_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_the_features_are_found_in_the_list_of_features():
    assert feature_packages() == [
        "facilitator.followup",
        "facilitator.polls",
        "facilitator.polls.questions",
        "facilitator.review",
        "facilitator.rooms.breakouts",
        "facilitator.scribe",
        "facilitator.timers",
        "facilitator.timers.floor",
    ]
    assert all(any(within(module, package) for package in feature_packages()) for module in ACCESSOR_MODULES)
    assert ACCESSOR_MODULES <= set(all_modules())


def test_every_import_respects_the_layers():
    assert violations(the_graph(), feature_packages()) == []


def test_each_rule_catches_what_it_forbids():
    features = [
        "facilitator.polls",
        "facilitator.rooms.breakouts",
        "facilitator.scribe",
        "facilitator.timers",
        "facilitator.timers.floor",
    ]
    graph = {
        "facilitator.rooms.hub": {"facilitator.polls.model", "facilitator.features", "facilitator.rooms.model"},
        "facilitator.rooms.render": {"facilitator.rooms.breakouts.views"},
        "facilitator.rooms.breakouts.views": {"facilitator.rooms.model", "facilitator.polls.views"},
        "facilitator.polls.rules": {
            "facilitator.timers.model",
            "facilitator.timers.views",
            "facilitator.rooms.model",
            "facilitator.record.timeline",
        },
        "facilitator.timers.floor.views": {"facilitator.timers.model", "facilitator.timers.views"},
        "facilitator.record.timeline": {"facilitator.polls.views", "facilitator.scribe.rules"},
        "facilitator.db": {"facilitator.rooms.model"},
        "facilitator.scribe.views": {"facilitator.export.report"},
    }
    assert violations(graph, features) == [
        "facilitator.db (base) imports facilitator.rooms.model (core), a layer above it",
        "facilitator.polls.rules (feature) imports facilitator.record.timeline (above), a layer above it",
        "facilitator.polls.rules imports facilitator.timers.views: another feature is read only through its "
        "model module (facilitator.timers.model)",
        "facilitator.rooms.breakouts.views imports facilitator.polls.views: another feature is read only through "
        "its model module (facilitator.polls.model)",
        "facilitator.rooms.hub (core) imports facilitator.features (root), a layer above it",
        "facilitator.rooms.hub (core) imports facilitator.polls.model (feature), a layer above it",
        "facilitator.rooms.render (core) imports facilitator.rooms.breakouts.views (feature), a layer above it",
        "facilitator.scribe.views (feature) imports facilitator.export.report (above), a layer above it",
        "facilitator.timers.floor.views imports facilitator.timers.views: another feature is read only through "
        "its model module (facilitator.timers.model)",
    ]


def test_each_feature_is_named_after_its_package():
    """One vocabulary: the name that keys a feature's slice, state API part and topic is its package's."""
    for package in [*feature_packages(), "facilitator.screen"]:
        feature = importlib.import_module(f"{package}.feature").feature
        assert feature.name == package.rpartition(".")[2], package
