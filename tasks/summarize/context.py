"""What the model reads: paper text chosen within a token budget, longest papers split for map-reduce.

Token counts use tiktoken's o200k_base encoding when it can be loaded (it downloads its table once
and caches it); offline without that cache they use an approximation: the larger of characters / 4
and words * 4 / 3, OpenAI's rules of thumb for English, which over-counts rather than under-counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from tasks.models import ParsedPaper
from tasks.summarize.paper_text import section_kind
from tasks.text import split_sentences

# Lower number = kept first when the budget is short.
PRIORITY = {"abstract": 0, "intro": 1, "conclusion": 1, "results": 2, "limitations": 2, "method": 3}
CAPTION_PRIORITY = 4
OTHER_PRIORITY = 5
RELATED_PRIORITY = 6
# Paragraphs mostly made of symbols (equations, tables flattened to text) carry little for a summary.
MIN_LETTER_RATIO = 0.5
MAP_CHUNK_SHARE = 0.8  # a map chunk leaves room in the budget for the prompt itself
_RELATED_RE = re.compile(r"related work|background|prior work|preliminar")


@lru_cache(maxsize=1)
def _tiktoken_encoder() -> Callable[[str], list[int]] | None:
    try:
        import tiktoken

        return tiktoken.get_encoding("o200k_base").encode
    except Exception:  # not installed, or offline without a cached table: fall back, never fail
        return None


def tokenizer_name() -> str:
    """Which counter count_tokens uses: "tiktoken:o200k_base" or "approx:chars/4|words*4/3"."""
    return "tiktoken:o200k_base" if _tiktoken_encoder() else "approx:chars/4|words*4/3"


def count_tokens(text: str) -> int:
    """Tokens in text: tiktoken when available, else the documented over-estimating approximation."""
    encode = _tiktoken_encoder()
    if encode is not None:
        return len(encode(text))
    return max(math.ceil(len(text) / 4), math.ceil(len(text.split()) * 4 / 3))


def letter_ratio(text: str) -> float:
    visible = [c for c in text if not c.isspace()]
    return sum(c.isalpha() for c in visible) / len(visible) if visible else 0.0


@dataclass(frozen=True)
class Block:
    """One paragraph (or caption) of the paper with its heading, document position and priority."""

    heading: str
    text: str
    position: int
    priority: int
    tokens: int


@dataclass
class PaperContext:
    """Text for one model call, plus what was left out and how."""

    text: str
    tokens: int
    mode: str  # "full", "selected" or "map-reduce"
    dropped: list[str] = field(default_factory=list)
    chunks: list[tuple[str, str]] = field(default_factory=list)  # map-reduce: (part label, text)


def _section_priority(kind: str, heading: str, index_in_section: int) -> int:
    if kind in PRIORITY:
        return PRIORITY[kind]
    if _RELATED_RE.search(heading.lower()):
        return RELATED_PRIORITY
    # Method sections: the first paragraph says what is done; the rest is detail.
    return PRIORITY["method"] if index_in_section == 0 else OTHER_PRIORITY


def _split_long(text: str, limit: int) -> list[str]:
    """A paragraph longer than the budget, cut at sentence ends into pieces within it."""
    pieces, current = [], ""
    for sentence in split_sentences(text):
        candidate = f"{current} {sentence}".strip()
        if current and count_tokens(candidate) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    # A single sentence over the limit (a flattened table): cut by characters as a last resort.
    return [p[: limit * 3] if count_tokens(p) > limit else p for p in pieces]


def paper_blocks(parsed: ParsedPaper, *, limit: int) -> tuple[list[Block], list[str]]:
    """The paper's usable blocks in document order, and labels of what was dropped and why."""
    blocks: list[Block] = []
    dropped: list[str] = []

    def add(heading: str, text: str, priority: int) -> None:
        room = limit - count_tokens(f"## {heading}\n")  # the heading line shares the chunk's budget
        for piece in _split_long(text, room) if count_tokens(text) > room else [text]:
            blocks.append(Block(heading, piece, len(blocks), priority, count_tokens(piece)))

    if parsed.abstract.strip():
        add("Abstract", parsed.abstract, PRIORITY["abstract"])
    parent_kind = "body"
    for section in parsed.sections:
        label = f"{section.number} {section.heading}".strip() if section.number else section.heading
        kind = section_kind(section.heading)
        # A subsection ("5.1 ...") inherits its parent's role: results stay results.
        if kind == "body" and section.number and "." in section.number.strip("."):
            kind = parent_kind
        elif not section.number or "." not in section.number.strip("."):
            parent_kind = kind
        if kind == "skip":
            # section_kind's "skip": references, appendices, acknowledgements, broader-impact and
            # ethics statements, checklists: not what the paper did or found.
            dropped.append(f"{label} (references/appendix/acknowledgements/statements)")
            continue
        for i, paragraph in enumerate(section.paragraphs):
            if letter_ratio(paragraph) < MIN_LETTER_RATIO:
                dropped.append(f"{label}, paragraph {i + 1} (formula or table)")
                continue
            add(label, paragraph, _section_priority(kind, label, i))
    for caption in parsed.captions:
        if caption.text.strip():
            add(
                f"{caption.kind.title()} {caption.label or ''} caption".replace("  ", " "),
                caption.text,
                CAPTION_PRIORITY,
            )
    if parsed.references:
        dropped.append(f"References ({len(parsed.references)} entries)")
    return blocks, dropped


def render(blocks: list[Block]) -> str:
    """Blocks as text in document order, a heading line whenever the heading changes."""
    lines: list[str] = []
    heading = None
    for block in sorted(blocks, key=lambda b: b.position):
        if block.heading != heading:
            heading = block.heading
            lines.append(f"\n## {heading}")
        lines.append(" ".join(block.text.split()))
    return "\n".join(lines).strip()


def fit(blocks: list[Block], budget: int) -> tuple[list[Block], list[Block]]:
    """Blocks kept (highest priority first, whole paragraphs) within budget, and those left out."""
    kept: list[Block] = []
    left: list[Block] = []
    # Headings cost tokens too; count the rendered text, not just the paragraphs.
    for block in sorted(blocks, key=lambda b: (b.priority, b.position)):
        if count_tokens(render([*kept, block])) <= budget:
            kept.append(block)
        else:
            left.append(block)
    return kept, left


def select_context(parsed: ParsedPaper, budget: int) -> PaperContext:
    """The paper text for one call within budget tokens; map-reduce chunks when key parts do not fit."""
    blocks, dropped = paper_blocks(parsed, limit=int(budget * MAP_CHUNK_SHARE))
    full = render(blocks)
    if count_tokens(full) <= budget:
        return PaperContext(full, count_tokens(full), "full", dropped)
    kept, left = fit(blocks, budget)
    if all(b.priority > CAPTION_PRIORITY for b in left):
        text = render(kept)
        dropped += [f"{b.heading} (over the token budget)" for b in left]
        return PaperContext(text, count_tokens(text), "selected", list(dict.fromkeys(dropped)))
    return PaperContext(
        "", 0, "map-reduce", dropped, chunks=map_chunks(blocks, int(budget * MAP_CHUNK_SHARE))
    )


def map_chunks(blocks: list[Block], budget: int) -> list[tuple[str, str]]:
    """Consecutive blocks grouped into parts within budget, labelled by their first and last heading."""
    chunks: list[tuple[str, str]] = []
    current: list[Block] = []
    for block in sorted(blocks, key=lambda b: b.position):
        if current and count_tokens(render([*current, block])) > budget:
            chunks.append(_chunk(current))
            current = []
        current.append(block)
    if current:
        chunks.append(_chunk(current))
    return chunks


def _chunk(blocks: list[Block]) -> tuple[str, str]:
    first, last = blocks[0].heading, blocks[-1].heading
    return (first if first == last else f"{first} … {last}", render(blocks))
