"""What the house rules (tests/test_house_rules.py) read from the project's source, as JSON on stdout:
for every module of flows/, tasks/ and config/, its lines, the absolute imports that run (with their
line and whether inside a function), its functions' lengths and where a `settings` parameter is typed
`Any`.

Run by the rules in a child process of its own, once per test run: CPython 3.11's AST constructor keeps
one recursion-depth counter for the whole interpreter, which a concurrent or failed conversion
elsewhere in a test worker (other tests, their threads) can leave wrong ("SystemError: AST constructor
recursion depth mismatch", python/cpython gh-106905); a process that does nothing else is never hit.
Standard library only: it starts in ~0.05 s.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "tasks", "config")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def raw_imports(tree: ast.AST) -> list[tuple[str, str | None, int, bool]]:
    """(module, imported name or None, line, inside a function) for every absolute import that runs:
    those under `if TYPE_CHECKING:` never do."""
    found: list[tuple[str, str | None, int, bool]] = []
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, in_function = stack.pop()
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                continue
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, None, child.lineno, inside) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.extend((child.module, alias.name, child.lineno, inside) for alias in child.names)
            else:
                stack.append((child, inside))
    return sorted(found, key=lambda imp: imp[2])


def facts(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    nodes = list(ast.walk(tree))
    functions = [
        (node.name, (node.end_lineno or node.lineno) - node.lineno + 1)
        for node in nodes
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    settings_any = [
        node.lineno
        for node in nodes
        if isinstance(node, ast.arg)
        and node.arg == "settings"
        and node.annotation is not None
        and ast.unparse(node.annotation) == "Any"
    ]
    return {
        "lines": len(text.splitlines()),
        "imports": raw_imports(tree),
        "functions": functions,
        "settings_any": settings_any,
    }


def modules() -> dict[str, Path]:
    """Every module the rules cover, by dotted name."""
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def main() -> None:
    json.dump({name: facts(path) for name, path in modules().items()}, sys.stdout)


if __name__ == "__main__":
    main()
