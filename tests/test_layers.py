"""The package's layers, checked on its source: who imports whom, and where SQL is written.

The SDK: ``core`` imports nothing else of the package; ``resources`` imports only ``core``. The
local server, from the top: web (HTTP) -> api (handlers) -> run (scheduler, executors) -> state (the
only SQL) -> model (specs, state names, rendering). A layer may import those below it, never one
above it, nor the modules that wire the server together; the server never imports the client.
Imports are read with ``ast`` (relative ones resolved, those inside functions included); SQL is a
string literal (not a docstring) of more than one word that starts with an SQL keyword (a lone
``DELETE`` is an HTTP method, a lone ``Delete`` an XML element).
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

import batchcompute

TOP = "batchcompute"
PACKAGE = TOP + ".local"
ROOT = Path(batchcompute.__file__).resolve().parent
SQL = re.compile(
    r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE
)
LAYERS = ("web", "api", "run", "state", "model")
WIRING = ("server", "testing", "pytest_plugin", "__main__")
#: Hands out a batchcompute.Client for tests and scripts: the one module that must import it.
CLIENT_HELPER = PACKAGE + ".testing"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([TOP, *parts])


def _sources() -> Dict[str, Tuple[Path, ast.Module]]:
    return {_module_name(path): (path, ast.parse(path.read_text(), str(path))) for path in sorted(ROOT.rglob("*.py"))}


SOURCES = _sources()


def _imports(module: str, tree: ast.Module) -> Set[str]:
    """Every module ``module`` imports, and for ``from X import name`` also ``X.name``."""
    is_package = SOURCES[module][0].name == "__init__.py"
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            found.add(source)
            found.update("%s.%s" % (source, alias.name) for alias in node.names)
    return found


def _docstrings(tree: ast.Module) -> Set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _sql_texts(tree: ast.Module) -> Iterator[Tuple[int, str]]:
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and SQL.match(node.value)
            and len(node.value.split()) > 1
        ):
            yield node.lineno, node.value


def _within(module: str, layer: str, package: str = PACKAGE) -> bool:
    prefix = "%s.%s" % (package, layer)
    return module == prefix or module.startswith(prefix + ".")


def _layer(layer: str) -> List[str]:
    return [module for module in SOURCES if _within(module, layer)]


def _importing(modules: List[str], target: str) -> List[str]:
    return sorted(
        "%s imports %s" % (module, name)
        for module in modules
        for name in _imports(module, SOURCES[module][1])
        if name == target or name.startswith(target + ".")
    )


def _is_client(name: str) -> bool:
    """Whether an imported name is the client package or something it defines (a re-export)."""
    if name == "batchcompute.client" or name.startswith("batchcompute.client."):
        return True
    parent, _, attr = name.rpartition(".")
    if parent != "batchcompute":
        return False
    value = getattr(importlib.import_module(parent), attr, None)
    return (getattr(value, "__module__", None) or "").startswith("batchcompute.client")


def test_the_layers_are_there():
    for layer in LAYERS:
        assert _layer(layer), "no module in %s.%s" % (PACKAGE, layer)
    assert _importing(_layer("web"), PACKAGE + ".api")  # the check works


def _imports_outside(package: str, allowed: Tuple[str, ...]) -> List[str]:
    """What the modules of ``TOP.package`` import of the package outside ``package`` and ``allowed``."""
    inside = ("%s.%s" % (TOP, name) for name in (package,) + allowed)
    prefixes = tuple(inside)
    return sorted(
        "%s imports %s" % (module, name)
        for module, (_, tree) in SOURCES.items()
        if _within(module, package, TOP)
        for name in _imports(module, tree)
        if (name == TOP or name.startswith(TOP + "."))
        and not any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)
    )


def test_core_imports_nothing_else_of_the_package():
    assert _imports_outside("core", ()) == []


def test_resources_import_only_core():
    assert _imports_outside("resources", ("core",)) == []
    assert _imports_outside("client", ("resources",))  # the check works


def test_the_server_never_imports_the_client():
    found = sorted(
        "%s imports %s" % (module, name)
        for module, (_, tree) in SOURCES.items()
        if _within(module, "local", TOP) and module != CLIENT_HELPER
        for name in _imports(module, tree)
        if _is_client(name)
    )
    assert found == []
    assert any(_is_client(name) for name in _imports(CLIENT_HELPER, SOURCES[CLIENT_HELPER][1]))  # the check works


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_no_layer_above_it_nor_the_wiring(layer):
    above = LAYERS[: LAYERS.index(layer)]
    modules = _layer(layer)
    assert [found for name in above + WIRING for found in _importing(modules, "%s.%s" % (PACKAGE, name))] == []


def test_the_oss_endpoint_sits_beside_web():
    """``oss`` serves the object store over OSS's API beside ``web``: it uses run, state and
    model, never api, web or the wiring; no layer uses it."""
    endpoint = [module for module in SOURCES if _within(module, "oss")]
    assert endpoint
    assert [
        found for name in ("api", "web") + WIRING for found in _importing(endpoint, "%s.%s" % (PACKAGE, name))
    ] == []
    assert _importing([module for layer in LAYERS for module in _layer(layer)], PACKAGE + ".oss") == []
    assert _importing(endpoint, PACKAGE + ".run")  # the check works


def test_only_state_imports_sqlite3():
    outside = [module for module in SOURCES if not _within(module, "state")]  # in the whole package
    assert _importing(outside, "sqlite3") == []


def test_only_state_contains_sql_text():
    found = [
        "%s:%d %r" % (module, line, text[:40])
        for module, (_, tree) in SOURCES.items()
        if _within(module, "local", TOP) and not _within(module, "state")  # HTTP verbs elsewhere look like SQL
        for line, text in _sql_texts(tree)
    ]
    assert found == []
    assert any(_sql_texts(SOURCES[PACKAGE + ".state.jobs"][1]))  # the check works


#: What a Dask worker imports to run an attempt (it has none of the server's disk or database).
WORKER_SIDE = PACKAGE + ".run.dask_worker"


def _imported_by(module: str) -> Set[str]:
    """The package's modules that ``module`` imports, directly or through others."""
    seen: Set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen or name not in SOURCES:
            continue
        seen.add(name)
        todo.extend(_imports(name, SOURCES[name][1]))
    return seen


def test_the_dask_worker_side_imports_nothing_of_the_server_beyond_run_and_model():
    found = sorted(
        name
        for name in _imported_by(WORKER_SIDE)
        if any(_within(name, layer) for layer in ("web", "api", "state", "oss") + WIRING)
    )
    assert found == []
    assert PACKAGE + ".run.steps" in _imported_by(WORKER_SIDE)  # the check works


def test_a_dask_worker_loads_no_server_module_when_it_imports_the_runner():
    script = (
        "import sys, %s; print(sorted(m for m in sys.modules if m.startswith('%s.') and "
        "m.split('.')[2] in ('web', 'api', 'state', 'oss', 'server')))" % (WORKER_SIDE, PACKAGE)
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
