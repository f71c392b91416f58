"""The house rules of issue 25 as tests: read from the source, so a change that breaks one fails here.

- No import cycle between the project's modules, counting imports inside functions (those hide a
  cycle from Python but not from a reader).
- An import of one of the project's own modules inside a function only where it keeps a heavy
  library lazy: the imported module pulls in one of HEAVY at import time. Anything else goes at
  the top of the module, where a reader looks for it.
- No module over 400 lines and no function over 60 lines in flows/ and tasks/, but for the short,
  justified list below.
- No parameter typed `settings: Any`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from tests.house_facts import PACKAGES, ROOT, modules

# One worker reads the source for all of them (one child process per run, not one per worker).
pytestmark = pytest.mark.xdist_group("house-rules")

SIZED = ("flows", "tasks")  # the size rules' scope
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# Libraries that cost a noticeable share of a second (or a GPU context) to import: the CLI and the
# light modules keep them lazy. `python -X importtime` on this machine: prefect ~2 s, torch ~1.5 s,
# diffusers / transformers ~1 s more, langchain ~0.5 s, boto3 ~0.3 s.
HEAVY = frozenset(
    {
        "prefect",
        "prefect_redis",
        "torch",
        "diffusers",
        "transformers",
        "langchain",
        "langchain_core",
        "langchain_openai",
        "langchain_anthropic",
        "openai",
        "boto3",
        "botocore",
        "grobid_client",
        "pypdfium2",
        "numpy",
        "selenium",
    }
)

# Exceptions to the size rules, each with its reason. Keep it short: a new entry needs a reason a
# reviewer accepts, and an entry that no longer applies fails test_exceptions_still_apply.
LONG_MODULES: dict[str, str] = {
    "tasks.models": "the pydantic data models of every stage, one vocabulary read together",
}
LONG_FUNCTIONS: dict[str, str] = {}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the project module it names
    line: int
    in_function: bool


MODULES = modules()


@cache
def _facts() -> dict[str, dict[str, Any]]:
    """tests/house_facts.py's reading of the source, in a child process (its docstring says why)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "house_facts.py")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    facts: dict[str, dict[str, Any]] = json.loads(done.stdout)
    assert set(facts) == set(MODULES), "tests/house_facts.py read other modules than the rules list"
    return facts


def _raw_imports(module: str) -> list[tuple[str, str | None, int, bool]]:
    return [tuple(imp) for imp in _facts()[module]["imports"]]  # type: ignore[misc]


@cache
def _imports() -> tuple[Import, ...]:
    found = []
    for source in MODULES:
        for module, name, line, in_function in _raw_imports(source):
            # `from package import submodule` names the submodule; `from module import name` the module.
            target = f"{module}.{name}" if name and f"{module}.{name}" in MODULES else module
            if target in MODULES and target != source:
                found.append(Import(source, target, line, in_function))
    return tuple(found)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _graph(imports: tuple[Import, ...]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in imports:
        edges[imp.source].add(imp.target)
    return edges


def _heavy_at_import(module: str, seen: set[str] | None = None) -> str | None:
    """The heavy library `module` imports when it is imported (itself or through the project modules
    it imports at module level), or None."""
    seen = set() if seen is None else seen
    if module in seen:
        return None
    seen.add(module)
    for name, _, _, in_function in _raw_imports(module):
        if not in_function and name.split(".")[0] in HEAVY:
            return name
    # A submodule import runs its package's __init__ first.
    parent = module.rpartition(".")[0]
    chain = [imp.target for imp in _imports() if imp.source == module and not imp.in_function]
    if parent in MODULES:
        chain.append(parent)
    for target in chain:
        if (heavy := _heavy_at_import(target, seen)) is not None:
            return heavy
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The rule can fail: a hand-made cycle through a function-level import is found."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_counting_function_level_imports() -> None:
    cycles = _cycles(_graph(_imports()))
    assert not cycles, "import cycles (function-level imports counted): " + "; ".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def test_function_level_imports_of_own_modules_keep_a_heavy_library_lazy() -> None:
    needless = sorted(
        f"{MODULES[imp.source].relative_to(ROOT)}:{imp.line} imports {imp.target}"
        for imp in _imports()
        if imp.in_function and _heavy_at_import(imp.target) is None
    )
    assert not needless, "move to the top of the module (nothing heavy to keep lazy):\n" + "\n".join(needless)


def test_the_lazy_imports_are_listed() -> None:
    """What a reader gets from the rule above: each lazy import, and the library it keeps lazy."""
    lazy = {(imp.source, imp.target): _heavy_at_import(imp.target) for imp in _imports() if imp.in_function}
    assert all(heavy is not None for heavy in lazy.values())
    assert ("flows.cli.digest", "flows.digest") in lazy  # the CLI starts without importing Prefect
    assert lazy[("flows.cli.digest", "flows.digest")] is not None


def _long_modules() -> dict[str, int]:
    lines = {name: fact["lines"] for name, fact in _facts().items() if name.split(".")[0] in SIZED}
    return {name: count for name, count in lines.items() if count > MAX_MODULE_LINES}


def _long_functions() -> dict[str, int]:
    return {
        f"{name}:{function}": length
        for name, fact in _facts().items()
        if name.split(".")[0] in SIZED
        for function, length in fact["functions"]
        if length > MAX_FUNCTION_LINES
    }


def test_no_module_over_400_lines_but_the_justified_ones() -> None:
    over = {name: count for name, count in _long_modules().items() if name not in LONG_MODULES}
    assert not over, f"modules over {MAX_MODULE_LINES} lines: {over}"


def test_no_function_over_60_lines_but_the_justified_ones() -> None:
    over = {name: count for name, count in _long_functions().items() if name not in LONG_FUNCTIONS}
    assert not over, f"functions over {MAX_FUNCTION_LINES} lines: {over}"


def test_exceptions_still_apply() -> None:
    stale = (set(LONG_MODULES) - set(_long_modules())) | (set(LONG_FUNCTIONS) - set(_long_functions()))
    assert not stale, f"no longer over the limit, drop from the exception list: {sorted(stale)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_settings_typed_any(package: str) -> None:
    loose = [
        f"{name}:{line}"
        for name, fact in _facts().items()
        if name.split(".")[0] == package
        for line in fact["settings_any"]
    ]
    assert not loose, f"settings typed Any: {loose}"
