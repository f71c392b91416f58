"""The layout's rules, checked on the source: dependencies point one way, heavy imports stay lazy.

flows -> tasks -> tasks.models / config; within tasks, a stage package never imports another
stage or publish/; the CLI's modules import no private name from one another; tasks/models.py
holds only what is stored and exchanged, and imports no Prefect, boto3, torch or LangChain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("harvest", "parse", "summarize", "comic")


def _imports(path: Path, *, top_level_only: bool = False) -> list[tuple[str, list[str]]]:
    """(module, names) of each import in the file; top_level_only skips imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


def _py(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_tasks_never_import_flows() -> None:
    bad = [(p.name, m) for p in _py("tasks") for m, _ in _imports(p) if m.split(".")[0] == "flows"]
    assert not bad


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_other_stage_and_not_publish(stage: str) -> None:
    others = {f"tasks.{s}" for s in (*STAGES, "publish") if s != stage}
    bad = []
    for path in _py(f"tasks/{stage}"):
        for module, _ in _imports(path):
            root = ".".join(module.split(".")[:2])
            # harvest parses the PDFs it downloads to validate them: the one sanctioned crossing.
            if root in others and not (
                stage == "harvest" and module in {"tasks.parse.errors", "tasks.parse.validate"}
            ):
                bad.append((path.relative_to(ROOT).as_posix(), module))
    assert not bad


def test_cli_modules_import_no_private_names_from_each_other() -> None:
    bad = [
        (p.name, module, name)
        for p in _py("flows/cli")
        for module, names in _imports(p)
        if module.startswith("flows.cli")
        for name in names
        if name.startswith("_")
    ]
    assert not bad
    # and no cycle: the package imports its command modules, they never import the package itself
    leaves = [p for p in _py("flows/cli") if p.name not in {"__init__.py", "__main__.py"}]
    assert not [p.name for p in leaves for m, _ in _imports(p) if m == "flows.cli"]


def test_models_hold_only_the_shared_schema() -> None:
    path = ROOT / "tasks" / "models.py"
    heavy = {"prefect", "boto3", "torch", "diffusers", "langchain_core", "langchain"}
    assert not [m for m, _ in _imports(path) if m.split(".")[0] in heavy]
    source = path.read_text(encoding="utf-8")
    for moved in ("class Candidate", "class Resolution", "class BackfillReport", "class LLMSummaryResult"):
        assert moved not in source, f"{moved} belongs next to the package that uses it"


def test_heavy_libraries_are_imported_lazily() -> None:
    """Module-level imports of LangChain, torch or diffusers only in the modules that run them."""
    allowed = {
        "tasks/summarize/llm.py",  # imported only by the LLM summarizer, when it runs
        "tasks/comic/panels/diffusion/pipeline.py",  # imported only by the diffusion renderer, when it runs
        "tasks/comic/panels/diffusion/renderer.py",  # imported only when the renderer choice picks it
        "tasks/comic/panels/diffusion/presets.py",
        # the diffusion renderer's speed options and prompt encoding: reached only from diffusion.py,
        # the renderer's identity (a function-level import) and the GPU flow's warm-up
        "tasks/comic/panels/diffusion/speed.py",
        "tasks/comic/panels/diffusion/textenc.py",
    }
    heavy = {"langchain", "langchain_core", "langchain_openai", "torch", "diffusers", "transformers"}
    bad = [
        (p.relative_to(ROOT).as_posix(), m)
        for folder in ("tasks", "flows", "config")
        for p in _py(folder)
        if p.relative_to(ROOT).as_posix() not in allowed
        for m, _ in _imports(p, top_level_only=True)
        if m.split(".")[0] in heavy
    ]
    assert not bad
