"""The architecture's figures for a closing note: modules per folder, the longest functions and
the import circles, for the checkout given (default: this one).

    python benchmarks/architecture.py [REPO]                  # circles counting annotations
    python benchmarks/architecture.py [REPO] --runtime        # imports that run only

Function length counts code lines, the docstring left out. A circle is a strongly connected
component of more than one module in grimp's import graph (the one import-linter checks);
``--runtime`` leaves out imports under ``if TYPE_CHECKING:``. Run it with REPO's ``src`` on
``PYTHONPATH`` (``PYTHONPATH=REPO/src python benchmarks/architecture.py REPO``).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path

import grimp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: its tests


def modules_per_folder(package: Path) -> dict[str, int]:
    counts = Counter(str(path.parent.relative_to(package.parent)) for path in package.rglob("*.py"))
    return dict(sorted(counts.items()))


def function_lengths(package: Path) -> list[tuple[int, str]]:
    """(code lines, "file:function") for every function, longest first."""
    lengths = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = node.body
                first = body[0] if body else None
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    body = body[1:]  # the docstring is not code
                size = body[-1].end_lineno - body[0].lineno + 1 if body else 0  # type: ignore[operator]
                lengths.append((size, f"{path.relative_to(package.parent)}:{node.name}"))
    return sorted(lengths, reverse=True)


def circles(runtime: bool) -> list[list[str]]:
    """The circles of glassnet's import graph, found by the architecture test's own Tarjan
    search (``tests/test_architecture.py``), so the figures and CI's check are one algorithm."""
    from tests.test_architecture import strongly_connected_components

    graph = grimp.build_graph("glassnet", cache_dir=None, exclude_type_checking_imports=runtime)
    components = strongly_connected_components(graph)
    return sorted(sorted(c) for c in components if len(c) > 1)  # a module alone is no circle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repo", nargs="?", default=".", help="a glassnet checkout (.)")
    parser.add_argument("--runtime", action="store_true", help="leave out TYPE_CHECKING imports")
    args = parser.parse_args()
    package = Path(args.repo) / "src" / "glassnet"
    print("modules per folder:", modules_per_folder(package))
    lengths = function_lengths(package)
    print("longest functions (code lines):", lengths[:8])
    print("functions over 30 code lines:", sum(1 for size, _ in lengths if size > 30))
    found = circles(args.runtime)
    print(f"import circles ({'run time' if args.runtime else 'with annotations'}):", len(found))
    for component in found:
        print(f"  {len(component)}: {', '.join(component)}")


if __name__ == "__main__":
    main()
