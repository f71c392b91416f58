"""A deterministic comic script from a paper summary: no LLM, the same summary gives the same script.

The story arc is setup -> problem -> idea -> (detail) -> result -> why it matters. Captions come
from the summary's claims, shortened at a word boundary; the mascot, Pip, comments in short lines.
"""

from __future__ import annotations

import hashlib
import re

from tasks.models import MAX_PANELS, MIN_PANELS, ComicPanel, ComicScript, DialogueLine, PaperSummary

MASCOT = "Pip"
MASCOT_LOOK = "Pip, a small round teal robot with big eyes, rosy cheeks and one antenna with a yellow bulb"
CAPTION_CHARS = 170
TITLE_CHARS = 120
ELLIPSIS = "…"

ARCS = {
    3: ("problem", "idea", "result"),
    4: ("setup", "problem", "idea", "result"),
    5: ("setup", "problem", "idea", "result", "matters"),
    6: ("setup", "problem", "idea", "detail", "result", "matters"),
}

SCENES = {
    "setup": "{mascot} sits at a wooden desk in a cozy library, curiously opening a thick paper; "
    "stacks of books and a warm desk lamp around",
    "problem": "{mascot} looks worried in front of a tangled knot of wires under a grey storm cloud; "
    "a steep mountain in the background",
    "idea": "{mascot} jumps up excitedly next to a glowing lightbulb and a blackboard covered in simple "
    "diagrams and arrows",
    "detail": "{mascot} peers through a big magnifying glass at turning gears on a lab bench",
    "result": "{mascot} cheers with both arms up beside a rising bar chart and a shining trophy",
    "matters": "{mascot} smiles on a green hill at sunrise, looking at a small town and the world beyond",
}

# Several lines per role; the paper title picks one, so different papers do not all sound alike.
LINES = {
    "setup": ("Ooh, an award-winning paper! Let's dig in.", "A best paper? I have to read this!"),
    "problem": ("Hmm… so what's the catch?", "Uh-oh. That sounds like a real headache."),
    "idea": ("Wait — here's the clever bit!", "Oh! What if we look at it this way?"),
    "detail": ("Let me take a closer look…", "So that's how the pieces fit!"),
    "result": ("It works! Look at that!", "Wow, the results check out!"),
    "matters": ("And that's why it matters!", "This could help a lot of people."),
}

GENERIC_CAPTIONS = {
    "setup": "Pip opens an award-winning paper.",
    "problem": "Every good paper starts with a hard problem.",
    "idea": "The authors found a new way in.",
    "detail": "The details make the idea work.",
    "result": "The experiments back the idea up.",
    "matters": "That is why this paper stood out.",
}


def shorten(text: str, limit: int = CAPTION_CHARS) -> str:
    """Collapse whitespace and cut to at most `limit` characters at a sentence or word boundary."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    # A whole first sentence reads better than a clipped longer one, if it is not too short.
    sentence = re.match(r"^(.{40,}?[.!?])\s", text[: limit + 1] + " ")
    if sentence and len(sentence.group(1)) <= limit:
        return sentence.group(1)
    head = text[: limit - len(ELLIPSIS) + 1]
    cut = head.rfind(" ")
    if cut > 0:
        return head[:cut].rstrip(" ,;:-–—(") + ELLIPSIS
    if not re.search(r"[A-Za-z0-9\u00c0-\u024f\u0400-\u04ff]", head):
        # Scripts written without spaces (CJK) can be cut between any two characters.
        return head[:-1] + ELLIPSIS
    # One giant token: keep it whole rather than cut a word; the layout fits it to its box.
    return text.split(" ", 1)[0]


def _pick(options: tuple[str, ...], key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    return options[digest[0] % len(options)]


def _captions(summary: PaperSummary, paper_title: str, roles: tuple[str, ...]) -> dict[str, str]:
    # Only claims that passed every check are drawn: a comic states its captions as fact.
    done = [c.text for c in summary.what_was_done if c.verified]
    why = [c.text for c in summary.why_it_matters if c.verified]
    tldr = [summary.tldr] if summary.tldr.strip() and summary.tldr_checked else []
    candidates = {
        "setup": [*tldr, f"Pip opens an award-winning paper: “{paper_title}”."],
        "problem": [*why[:1], *tldr],
        "idea": [*done[:1], *tldr],
        "detail": [*done[1:-1], *done[1:], *tldr],
        "result": [*done[1:][-1:], *tldr, *done],
        "matters": [*why[1:], *why[:1], *tldr],
    }
    # Problem and idea first: they carry the paper; the rest take what is left, never a repeat.
    order = sorted(roles, key=("problem", "idea", "result", "matters", "detail", "setup").index)
    used: set[str] = set()
    captions: dict[str, str] = {}
    for role in order:
        fresh = [c for c in candidates[role] if shorten(c) not in used and c.strip()]
        caption = shorten(fresh[0]) if fresh else GENERIC_CAPTIONS[role]
        used.add(caption)
        captions[role] = caption
    return captions


def script_from_summary(summary: PaperSummary, paper_title: str, *, panels: int = 4) -> ComicScript:
    """Build a ComicScript of `panels` panels (3-6) that tells the paper's story."""
    if not MIN_PANELS <= panels <= MAX_PANELS:
        raise ValueError(f"a comic has {MIN_PANELS}-{MAX_PANELS} panels, got {panels}")
    title = shorten(paper_title, TITLE_CHARS) or "An award-winning paper"
    roles = ARCS[panels]
    captions = _captions(summary, title, roles)
    comic_panels = [
        ComicPanel(
            scene=SCENES[role].format(mascot=MASCOT_LOOK if i == 0 else MASCOT),
            caption=captions[role],
            dialogue=[DialogueLine(speaker=MASCOT, text=_pick(LINES[role], f"{title}/{role}"))],
        )
        for i, role in enumerate(roles)
    ]
    alt = " ".join(
        f"Panel {i}: {p.scene}. Caption: {p.caption} {MASCOT} says: “{p.dialogue[0].text}”"
        for i, p in enumerate(comic_panels, start=1)
    )
    alt_text = f"A {panels}-panel comic explaining the paper “{title}”, starring {MASCOT_LOOK}. {alt}"
    return ComicScript(title=title, panels=comic_panels, alt_text=alt_text)
