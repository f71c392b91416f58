"""The rules every comic script must pass, whoever wrote it: each broken rule is one plain sentence.

The LLM writer's script is checked (and sent back once with the problems); the content-aware
writer's is checked in tests and by bench/comic_quality.py. A script with problems is never drawn.
"""

from __future__ import annotations

import re

from tasks.comic.script.brief import ComicBrief, award_phrase
from tasks.comic.script.captions import CAPTION_CHARS, ends_at_boundary, numbers_in
from tasks.comic.script.tables import TEXT_IN_SCENE
from tasks.models import ComicPanel, ComicScript

DIALOGUE_CHARS = 70
MAX_LINES = 2
ALT_CHARS = 400
SCENE_CHARS = 320
CLAIM_FREE_ROLES = ("setup", "award", "note")  # these state the title, the award, or our own limits

# How each award is named in words; a line may only name the one the paper won.
AWARD_MENTIONS = {
    "best paper": re.compile(r"\bbest[- ]paper\b", re.I),
    "outstanding paper": re.compile(r"\boutstanding[- ]paper\b", re.I),
    "best student paper": re.compile(r"\bbest[- ]student[- ]paper\b", re.I),
    "runner-up": re.compile(r"\brunner[- ]?up\b", re.I),
    "honorable mention": re.compile(r"\bhonou?rable[- ]mention\b", re.I),
    "test of time": re.compile(r"\btest[- ]of[- ]time\b", re.I),
}
CHEERS = re.compile(
    r"\b(?:it works|hooray|hurray|yay|we did it|woo+hoo|victory|nailed it|look at that)\b", re.I
)
GLOOM = re.compile(r"\b(?:uh-oh|oh no|headache|catch\?|disaster)\b", re.I)


def award_mentions(text: str) -> set[str]:
    """The award names a text uses ("best paper", "runner-up", ...)."""
    found = {name for name, pattern in AWARD_MENTIONS.items() if pattern.search(text)}
    if "best student paper" in found:
        found.discard("best paper")
    return found


def wrong_awards(text: str, brief: ComicBrief) -> set[str]:
    """Award names in the text that are not the paper's award."""
    own = award_phrase(brief.award)
    return {name for name in award_mentions(text) if not AWARD_MENTIONS[name].search(own)}


def dialogue_problems(panel: ComicPanel, brief: ComicBrief, where: str) -> list[str]:
    """Pip's lines against the caption, the panel's role and the award."""
    problems = []
    if len(panel.dialogue) > MAX_LINES:
        problems.append(f"{where}: {len(panel.dialogue)} dialogue lines; at most {MAX_LINES}")
    allowed = numbers_in(panel.caption) | numbers_in(panel.callout or "") | numbers_in(brief.title)
    if panel.figure is not None:
        allowed.add(str(panel.figure))
    for line in panel.dialogue:
        text = line.text
        if len(text) > DIALOGUE_CHARS:
            problems.append(f"{where}: dialogue line of {len(text)} characters; at most {DIALOGUE_CHARS}")
        if extra := numbers_in(text) - allowed:
            problems.append(f"{where}: dialogue has number(s) {sorted(extra)} that its caption does not show")
        if wrong := wrong_awards(text, brief):
            problems.append(
                f"{where}: dialogue names {sorted(wrong)} but the paper won {award_phrase(brief.award)}"
            )
        if panel.role in ("problem", "setup") and CHEERS.search(text):
            problems.append(f"{where}: dialogue celebrates in the {panel.role} panel: {text!r}")
        if panel.role in ("result", "award", "matters") and GLOOM.search(text):
            problems.append(f"{where}: gloomy dialogue in the {panel.role} panel: {text!r}")
    return problems


def panel_problems(panel: ComicPanel, brief: ComicBrief, index: int) -> list[str]:
    where = f"panel {index}"
    problems = []
    caption = panel.caption
    if len(caption) > CAPTION_CHARS:
        problems.append(f"{where}: caption of {len(caption)} characters; at most {CAPTION_CHARS}")
    if not ends_at_boundary(caption):
        problems.append(f"{where}: caption does not end at a sentence or clause boundary: {caption!r}")
    unknown = [c for c in panel.claims if c not in brief.claims]
    if unknown:
        problems.append(f"{where}: cites {unknown}, which are not verified claims of this paper")
    if panel.role not in CLAIM_FREE_ROLES and not panel.claims:
        problems.append(f"{where}: the caption cites no verified claim")
    own = brief.numbers_of(panel.claims) | numbers_in(brief.title)
    if panel.figure is not None and (fig := brief.figure(panel.figure)) is not None:
        own |= numbers_in(fig.caption) | {str(fig.number)}
    if extra := numbers_in(caption) - own:
        problems.append(f"{where}: caption has number(s) {sorted(extra)} that its claims do not state")
    if brief.paper_numbers is not None and (absent := numbers_in(caption) - brief.allowed_numbers()):
        problems.append(f"{where}: caption has number(s) {sorted(absent)} that are not in the paper")
    if wrong := wrong_awards(caption, brief):
        problems.append(
            f"{where}: caption names {sorted(wrong)} but the paper won {award_phrase(brief.award)}"
        )
    if panel.callout is not None and panel.callout not in caption:
        problems.append(f"{where}: callout {panel.callout!r} is not in the caption")
    if panel.figure is not None and brief.figure(panel.figure) is None:
        problems.append(f"{where}: figure {panel.figure} is not one of the paper's extracted figures")
    if len(panel.scene) > SCENE_CHARS:
        problems.append(f"{where}: scene of {len(panel.scene)} characters; at most {SCENE_CHARS}")
    if TEXT_IN_SCENE.search(panel.scene):
        problems.append(f"{where}: the scene asks for text, digits or quotes; scenes are pictures only")
    return [*problems, *dialogue_problems(panel, brief, where)]


def script_problems(script: ComicScript, brief: ComicBrief) -> list[str]:
    """Every rule the script breaks; empty when it may be drawn."""
    problems = []
    for index, panel in enumerate(script.panels, start=1):
        problems += panel_problems(panel, brief, index)
    figures = [p.figure for p in script.panels if p.figure is not None]
    if len(figures) != len(set(figures)):
        problems.append("the same figure is shown twice")
    alt = script.alt_text
    if not alt.strip():
        problems.append("the alt text is empty")
    if len(alt) > ALT_CHARS:
        problems.append(f"alt text of {len(alt)} characters; at most {ALT_CHARS}")
    if extra := numbers_in(alt) - brief.allowed_numbers():
        problems.append(f"alt text has number(s) {sorted(extra)} that no verified claim states")
    if wrong := wrong_awards(alt, brief):
        problems.append(f"alt text names {sorted(wrong)} but the paper won {award_phrase(brief.award)}")
    return problems
