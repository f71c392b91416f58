"""The one way this project reads YAML: safe types only, and aliases that cannot multiply a document.

A YAML alias (`*a`) repeats the node its anchor (`&a`) names; nested, nine aliases of nine aliases
make a 1 KB file stand for 9**9 strings ("billion laughs"). PyYAML builds them shared, so loading is
cheap, but whatever walks the result (validation, an error message quoting a value, a dump) walks
every copy: 110 s and 5.9 GB for a 1 KB manifest. So the document's node graph is composed first
and its size counted as a reader would see it, each alias as large as what it repeats; a document
past MAX_NODES, or one that contains itself, is refused with an error naming the file, before
anything is built from it.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's parser when PyYAML has it: ~10x faster on a long award list, same result.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A 10,000-paper award list is ~100,000 nodes; a reader walking a million is still quick.
MAX_NODES = 1_000_000


class UnsafeYamlError(yaml.YAMLError):
    """A YAML document refused before it is built: it would expand past the node budget."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def expanded_size(root: yaml.Node, source: str, limit: int = MAX_NODES) -> int:
    """Nodes a reader of the document meets, an alias counting as all it repeats; raises past limit.

    Each distinct node is sized once (memoised by identity), so counting costs what the file holds,
    not what it expands to.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        kids = _children(node)
        if not children_done:
            if key in on_path:
                raise UnsafeYamlError(source, "a YAML node contains itself through an alias: refused")
            on_path.add(key)
            stack.append((node, True))
            for kid in kids:
                if id(kid) in on_path:
                    raise UnsafeYamlError(source, "a YAML node contains itself through an alias: refused")
                if id(kid) not in sizes:
                    stack.append((kid, False))
            continue
        on_path.discard(key)
        size = 1 + sum(sizes[id(kid)] for kid in kids)
        if size > limit:
            raise UnsafeYamlError(
                source,
                f"the YAML expands to more than {limit:,} values"
                + (" through aliases (an alias bomb?)" if _aliased(sizes) else "")
                + ": refused",
            )
        sizes[key] = size
    return sizes[id(root)]


def _aliased(sizes: dict[int, int]) -> bool:
    """Whether the document shares nodes (aliases), judged from the distinct nodes sized so far."""
    return sum(1 for _ in sizes) < max(sizes.values(), default=0)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml(text: str | bytes, source: str, *, limit: int = MAX_NODES) -> Any:
    """The document in text, built from safe types only; UnsafeYamlError (a YAMLError) naming source
    when it would expand past limit nodes, yaml.YAMLError when it is not valid YAML."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        expanded_size(node, source, limit)
        return loader.construct_document(node)
    finally:
        loader.dispose()
