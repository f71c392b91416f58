"""The one YAML loader: alias bombs and self-containing documents refused by size, naming the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tasks.safe_yaml import MAX_NODES, UnsafeYamlError, expanded_size, load_yaml
from tests.parse.bombs import alias_bomb_yaml

ROOT = Path(__file__).resolve().parent.parent


def test_an_alias_bomb_is_refused_before_anything_is_built() -> None:
    text = alias_bomb_yaml(levels=9, width=9)  # 9**9 strings from ~600 bytes
    assert len(text) < 1024
    with pytest.raises(UnsafeYamlError) as info:
        load_yaml(text, "conferences/bomb-2025.yaml")
    message = str(info.value)
    assert message.startswith("conferences/bomb-2025.yaml: ")
    assert f"more than {MAX_NODES:,} values through aliases" in message
    assert isinstance(info.value, yaml.YAMLError)  # callers that catch YAML errors catch this one too


def test_aliases_are_counted_as_what_they_repeat() -> None:
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    # root mapping 1 + keys a, b 2 + list a (1 + 3) + list b (1 + 2 x 4) = 16
    assert expanded_size(node, "t.yaml") == 16
    assert load_yaml(text, "t.yaml") == {"a": [1, 2, 3], "b": [[1, 2, 3], [1, 2, 3]]}
    with pytest.raises(UnsafeYamlError):
        load_yaml(text, "t.yaml", limit=15)


def test_a_document_that_contains_itself_is_refused() -> None:
    with pytest.raises(UnsafeYamlError, match=r"^loop\.yaml: a YAML node contains itself"):
        load_yaml("a: &a [1, *a]\n", "loop.yaml")


def test_a_long_plain_document_loads_and_only_safe_types_are_built() -> None:
    entries = "".join(f'  - {{title: "Paper {i}", award: best paper}}\n' for i in range(20_000))
    data = load_yaml(f"slug: big-2025\nentries:\n{entries}", "big.yaml")
    assert len(data["entries"]) == 20_000
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']", "evil.yaml")
    assert load_yaml("", "empty.yaml") is None


def test_every_yaml_load_of_the_project_goes_through_the_safe_loader() -> None:
    direct = re.compile(r"\byaml\.(safe_load|load|full_load|unsafe_load|load_all|safe_load_all|compose)\b")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("tasks", "flows", "config", "scripts")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "tasks" / "safe_yaml.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if direct.search(line)
    ]
    assert offenders == []
