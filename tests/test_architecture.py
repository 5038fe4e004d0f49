"""The architecture, checked: the engine imports NumPy and the standard library only, no
runtime import circle, no prefix-named modules, subpackages whose ``__init__`` passes names on.

``lint-imports`` (config in pyproject.toml, run by .ci/run) checks the layers; these tests check
what a contract cannot say, from the same import graph (grimp, which import-linter uses).
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "glassnet"
# the modules at the top of the package that are not the engine: front ends and entry points
TOP_LEVEL_FRONT_ENDS = {"lbfgs", "dask", "__main__", "__init__"}


def _graph(exclude_type_checking_imports: bool = False) -> grimp.ImportGraph:
    return grimp.build_graph(
        "glassnet",
        include_external_packages=True,
        exclude_type_checking_imports=exclude_type_checking_imports,
        cache_dir=None,
    )


def engine_modules() -> set[str]:
    """Every module file at the top of the package that is not a front end."""
    return {
        f"glassnet.{path.stem}"
        for path in PACKAGE.glob("*.py")
        if path.stem not in TOP_LEVEL_FRONT_ENDS
    }


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return _graph()


def test_the_engine_imports_numpy_and_the_standard_library_only(graph):
    engine = engine_modules()
    assert {"glassnet.network", "glassnet.loop", "glassnet.step"} <= engine
    external, internal = set(), set()
    for module in engine:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] == "glassnet":
                internal.add(imported)
            else:
                external.add(imported.split(".")[0])
    assert "numpy" in external
    assert external - {"numpy"} <= set(sys.stdlib_module_names), external
    assert internal <= engine, internal - engine  # and nothing of glassnet but the engine


def test_the_layers_contract_places_every_engine_module():
    """The engine layer in pyproject.toml is the engine found on disk: a new engine module is
    placed in the contracts, not left out of them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = {c["id"]: c for c in config["contracts"]}
    layer = {f"glassnet.{name.strip()}" for name in contracts["layers"]["layers"][-1].split(":")}
    assert layer == engine_modules()
    assert set(contracts["engine"]["source_modules"]) == engine_modules()
    assert all("ignore_imports" not in contract for contract in contracts.values())


def strongly_connected_components(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm over glassnet's modules; a component of two or more is a circle."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] == "glassnet")
    edges = {
        m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in modules)
        for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            components.append(component)

    for module in modules:
        if module not in index:
            visit(module)
    return components


def test_tarjan_finds_a_circle():
    graph = grimp.ImportGraph()
    for a, b in ("ab", "ba", "bc"):
        graph.add_import(importer=f"glassnet.{a}", imported=f"glassnet.{b}")
    circles = [c for c in strongly_connected_components(graph) if len(c) > 1]
    assert circles == [{"glassnet.a", "glassnet.b"}]


def test_no_runtime_import_circle():
    """Imports that run (``if TYPE_CHECKING:`` ones are annotations) never go round."""
    components = strongly_connected_components(_graph(exclude_type_checking_imports=True))
    assert len(components) > 40
    assert [sorted(c) for c in components if len(c) > 1] == []


def test_no_prefix_named_modules():
    """Packages, not name prefixes, group the modules."""
    named = [p for p in PACKAGE.rglob("*.py") if p.stem.startswith(("_estimator_", "_trace_"))]
    assert named == []


PASSING_ON = (ast.Import, ast.ImportFrom, ast.Assign, ast.Expr)


@pytest.mark.parametrize(
    "init", sorted(PACKAGE.glob("*/__init__.py")), ids=lambda path: path.parent.name
)
def test_every_subpackage_init_only_passes_names_on(init):
    """Docstring, imports, ``__all__``: no function or class is defined in an ``__init__``."""
    tree = ast.parse(init.read_text())
    defined = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    assert defined == []
    for node in tree.body:
        assert isinstance(node, PASSING_ON), ast.dump(node)[:80]
        if isinstance(node, ast.Assign):
            assert [ast.unparse(t) for t in node.targets] == ["__all__"]
        if isinstance(node, ast.Expr):
            assert isinstance(node.value, ast.Constant)  # the docstring
