"""The content-aware comic script, without an LLM: the paper's own claims, figure and numbers.

The story arc is setup -> problem -> idea -> (detail) -> result -> why it matters. Each verified
claim is given the role its wording fits ("we propose" is the idea, "outperforms" a result, "a
challenge" the problem), captions end at sentence or clause boundaries (tasks/comic/script/captions.py),
the paper's key figure goes into the idea or result panel, its headline number becomes a large
callout, and the scenes come from what the paper is about (config/comic/motifs.yaml). Pip's lines
fit the panel's role and the award (config/comic/dialogue.yaml). The same brief gives the same
script.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tasks.comic.script.brief import MASCOT, ComicBrief, award_phrase, brief_for
from tasks.comic.script.captions import CAPTION_CHARS, ELLIPSIS, caption_from, shorten_title
from tasks.comic.script.checks import ALT_CHARS
from tasks.comic.script.tables import Motif, dialogue_table, motif_table, rank_motifs
from tasks.models import (
    MAX_PANELS,
    MIN_PANELS,
    AwardKind,
    ComicPanel,
    ComicScript,
    DialogueLine,
    FigureRef,
    PaperSummary,
    ParsedPaper,
)

__all__ = [
    "CAPTION_CHARS",
    "ELLIPSIS",
    "MASCOT",
    "MASCOT_LOOK",
    "STORY_VERSION",
    "script_from_summary",
    "write_story",
]

STORY_VERSION = "story-1"  # bump when the writer's choices change: it is part of comic cache keys
MASCOT_LOOK = "Pip, a small round teal robot with big eyes, rosy cheeks and one antenna with a yellow bulb"
STORY_ORDER = ("setup", "note", "problem", "idea", "detail", "result", "matters", "award")
NOTE_CAPTION = "This paper's summary could not be checked against its text, so the comic keeps to its title."
# When fewer panels are wanted than the story has, these go first... and these last.
PRIORITY = ("idea", "result", "problem", "setup", "matters", "detail", "award")
DEFAULT_PANELS = 5

CUES = {
    "idea": re.compile(
        r"\b(?:we (?:propose|introduce|present|develop|describe|design|build|release)|our (?:method|approach|"
        r"model|framework|system|toolkit|package)|(?:a|an) (?:new|novel|simple|general) (?:\w+ )?(?:method|"
        r"approach|framework|model|toolkit|family|library|dataset|benchmark))",
        re.I,
    ),
    "result": re.compile(
        r"\b(?:outperform\w*|improv\w*|achiev\w*|accuracy|results? (?:show|demonstrate)|"
        r"we (?:show|find|observe|"
        r"see)|better than|gains?|scores?|F1|BLEU|AUC|Dice|\d+(?:\.\d+)?\s?(?:%|percent|points?|x|×))",
        re.I,
    ),
    "problem": re.compile(
        r"\b(?:challeng\w*|difficult|hard|problem\w*|lack\w*|limited|poorly|remains?|despite|costly|expensive|"
        r"scarcity|suffer\w*|fail\w*|bottleneck|waste\w*|critical|require\w*|complication)",
        re.I,
    ),
    "matters": re.compile(
        r"\b(?:enabl\w*|help\w*|used (?:by|in|to)|deployed|releas\w*|open-source|available|practitioners?|"
        r"real-(?:world|life|time)|impact|benefit\w*|allow\w*|support\w*|adopt\w*)",
        re.I,
    ),
    "detail": re.compile(
        r"\b(?:we (?:train|use|build|apply|leverage|evaluate|combine)|based on|consists?|"
        r"by (?:using|leveraging)|"
        r"dataset|trained on|to this end)",
        re.I,
    ),
}
ORIGIN_PRIOR = {
    "done": {"idea": 1.0, "detail": 0.5},
    "why": {"matters": 1.0, "result": 0.5, "problem": 0.5},
    "tldr": {"problem": 1.5},
}
ANAPHORA = re.compile(r"^(?:this|these|it|they|such|those)\b", re.I)
OVERVIEW = re.compile(
    r"\b(?:overview|architecture|framework|pipeline|schematic|illustrat\w*|workflow)\b", re.I
)
HOW = re.compile(r"\b(?:approach|method|model|system|toolkit|design)\b", re.I)
RESULTS = re.compile(
    r"\b(?:results?|accuracy|performance|comparison|compared|vs\.?|versus|curves?|ablation)\b", re.I
)
HEADLINE = re.compile(
    r"\d+(?:\.\d+)?\s?(?:%|percent|(?:absolute |F1 |BLEU )?points?|pp\b|x\b|×|times\b|-fold)"
    r"|\b(?:F1|BLEU|AUC|Dice score)(?: of)? \d+(?:\.\d+)?"
)
SETTINGS = {
    "library": "a cozy library",
    "lab": "a bright lab",
    "hospital": "a hospital office",
    "classroom": "a classroom",
    "stage": "a small theatre",
    "outdoors": "a sunny garden",
    "plain": "a cozy study",
}
AWARD_PROPS = {
    "best": "a shining golden trophy",
    "runner_up": "a silver medal",
    "honorable": "a blue ribbon rosette",
    "test_of_time": "an old brass clock and a golden trophy",
    "other": "a shining golden trophy",
}
SETUP_CAPTIONS = {
    "best": "“{title}” won {award}.",
    "runner_up": "“{title}” was named a runner-up.",
    "honorable": "“{title}” received {award}.",
    "test_of_time": "“{title}” received {award}.",
    "other": "“{title}” won {award}.",
}


@dataclass(frozen=True)
class _Beat:
    """One panel's content before it becomes a ComicPanel."""

    role: str
    caption: str
    claims: tuple[str, ...] = ()
    figure: FigureRef | None = None
    callout: str | None = None


def short_name(title: str) -> str:
    """What a caption calls the paper: the name before a colon ("SPECTER"), else the title, shortened."""
    head = title.split(":", 1)[0].strip()
    return head if ":" in title and 3 <= len(head) <= 60 else shorten_title(title, 90)


def _pick(options: Sequence[str], key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    return options[digest[0] % len(options)]


def _scores(text: str, origin: str) -> dict[str, float]:
    scores = {role: float(len(pattern.findall(text))) for role, pattern in CUES.items()}
    for role, prior in ORIGIN_PRIOR.get(origin, {}).items():
        scores[role] += prior
    if scores["idea"] >= 1.0:  # "We propose..." is never the problem, even as the TL;DR
        scores["problem"] -= 2.0
    if HEADLINE.search(text):  # a number with its unit is what a result panel shows best
        scores["result"] += 1.5
    if ANAPHORA.match(text):  # "This improves..." leans on a sentence the comic does not show
        scores = {role: score - 0.8 for role, score in scores.items()}
    return scores


def _assign(brief: ComicBrief, captions: dict[str, str], wanted: int | None) -> dict[str, str]:
    """Role -> claim id: each role takes the best-fitting unused claim, the idea first.

    A role whose best claim does not fit it is left out; when more panels are asked for than the
    fitting claims fill, the remaining claims take the remaining roles (the problem last: a
    finding read as a problem would make Pip worry about good news).
    """
    scores = {cid: _scores(brief.claims[cid], brief.origins[cid]) for cid in captions}
    chosen: dict[str, str] = {}

    def free() -> list[str]:
        # The extractive TL;DR is often a claim again: a caption is never shown twice.
        shown = {captions[cid] for cid in chosen.values()}
        return [cid for cid in captions if cid not in chosen.values() and captions[cid] not in shown]

    for role in ("idea", "result", "problem", "matters", "detail"):
        ranked = sorted(free(), key=lambda cid: -scores[cid][role])  # stable: summary order on ties
        if ranked and (
            scores[ranked[0]][role] >= 1.0 or (role == "idea" and brief.origins[ranked[0]] == "done")
        ):
            chosen[role] = ranked[0]
    for role in ("detail", "result", "matters", "problem"):
        if wanted is None or len(chosen) + 1 >= wanted:  # + 1: the setup panel
            break
        if role not in chosen and (ranked := sorted(free(), key=lambda cid: -scores[cid][role])):
            chosen[role] = ranked[0]
    return chosen


def _headline(caption: str) -> str | None:
    """The paper's headline number as written in the caption ("3.1 point", "74.8%"), if it has one."""
    match = HEADLINE.search(caption)
    return match.group(0).strip() if match else None


def is_overview(fig: FigureRef) -> bool:
    """A figure that shows how the method works (an overview, a schematic), not what it measured."""
    head = fig.caption.split(". ")[0]
    return bool(OVERVIEW.search(head)) and not RESULTS.search(head)


def _key_figure(figures: Sequence[FigureRef]) -> tuple[FigureRef | None, str]:
    """The figure to show and the panel it belongs in: an overview goes with the idea, a plot with results."""
    for test, place in ((is_overview, "idea"), (lambda f: bool(RESULTS.search(f.caption)), "result")):
        for fig in figures:
            if test(fig):
                return fig, place
    for fig in figures:
        if HOW.search(fig.caption.split(". ")[0]):
            return fig, "idea"
    return (figures[0], "idea") if figures else (None, "")


def _beats(brief: ComicBrief, panels: int | None) -> list[_Beat]:
    captions = {cid: c for cid, text in brief.claims.items() if (c := caption_from(text))}
    chosen = _assign(brief, captions, panels)
    family = brief.family
    beats = {
        role: _Beat(
            role, captions[cid], (cid,), callout=_headline(captions[cid]) if role == "result" else None
        )
        for role, cid in chosen.items()
    }
    title = short_name(brief.title)
    beats["setup"] = _Beat(
        "setup", SETUP_CAPTIONS[family].format(title=title, award=award_phrase(brief.award))
    )
    phrase = award_phrase(brief.award)
    beats["award"] = _Beat("award", f"{phrase[0].upper()}{phrase[1:]} for “{title}”.")
    # 1. Which panels: the content the paper gives, then as many as asked
    available = [r for r in PRIORITY if r in beats]
    if panels is None:
        content = [r for r in ("problem", "idea", "detail", "result", "matters") if r in chosen]
        wanted = min(DEFAULT_PANELS, max(MIN_PANELS, len(content) + 1))
    else:
        wanted = panels
    roles = [r for r in available if r != "award" or len(chosen) + 1 < wanted][:wanted]
    if len(roles) < MIN_PANELS:  # no verified claim at all: say so rather than draw anything unchecked
        beats["note"] = _Beat("note", NOTE_CAPTION)
        roles.append("note")
    roles = sorted(roles, key=STORY_ORDER.index)
    # 2. The key figure in its panel (the idea's, or the result's), else wherever it fits
    figure, place = _key_figure(brief.figures)
    if figure is not None:
        target = place if place in roles else next((r for r in ("idea", "result") if r in roles), None)
        if target is not None:
            beat = beats[target]
            beats[target] = _Beat(beat.role, beat.caption, beat.claims, figure, beat.callout)
    return [beats[r] for r in roles]


def _scene(
    beat: _Beat, motifs: tuple[Motif, Motif, Motif], brief: ComicBrief, first: bool
) -> tuple[str, str | None]:
    """The panel's picture and the motif it came from; `motifs`: for the idea, the detail, why it matters."""
    primary, detail, secondary = motifs
    mascot = MASCOT_LOOK if first else MASCOT
    family = brief.family
    if beat.role == "setup":
        where = SETTINGS.get(primary.setting, SETTINGS["plain"])
        return (
            f"{mascot} opens a thick paper at a desk in {where}, with {AWARD_PROPS[family]} on the desk",
            None,
        )
    if beat.figure is not None:
        return f"{mascot} stands on the left and points proudly at a big picture board on an easel", None
    if beat.role == "award":
        return f"{mascot} holds up {AWARD_PROPS[family]} on a stage with confetti", None
    if beat.role == "note":
        return f"{mascot} frowns at a thick paper at a desk, scratching its head", None
    if beat.role == "result":
        if beat.callout:
            return f"{mascot} stands on the left and cheers with both arms up beside a big bright star", None
        return f"{mascot} cheers beside a rising bar chart on an easel", None
    motif = {"problem": primary, "idea": primary, "detail": detail, "matters": secondary}[beat.role]
    scene = {"problem": motif.problem, "idea": motif.idea, "detail": motif.idea, "matters": motif.matters}[
        beat.role
    ]
    return scene.format(mascot=mascot), motif.name


def _line(beat: _Beat, brief: ComicBrief) -> str:
    table = dialogue_table()
    role, key = beat.role, f"{brief.title}/{beat.role}"
    if beat.figure is not None:
        # "Shows how it works" only of an overview; a plot is just shown.
        options = table.options("idea_figure" if is_overview(beat.figure) else "result_figure")
    elif beat.callout and role == "result":
        options = table.options("result_callout")
    else:
        options = table.options(role, brief.family)
    phrase = award_phrase(brief.award)
    line = _pick(options, key).format(
        award=phrase,
        award_cap=phrase[0].upper() + phrase[1:],
        figure=beat.figure.label if beat.figure else "the figure",
        callout=beat.callout or "",
    )
    return line[0].upper() + line[1:]


def _alt_text(brief: ComicBrief, panels: list[ComicPanel]) -> str:
    """A short description for screen readers of what the comic says (the full script is in comic.json)."""
    count = {3: "three", 4: "four", 5: "five", 6: "six"}[len(panels)]  # digits would read as claims
    parts = [
        f"A {count}-panel comic about “{shorten_title(brief.title, 90)}” ({award_phrase(brief.award)}), "
        "with Pip the robot."
    ]
    for role in ("idea", "result"):
        panel = next((p for p in panels if p.role == role), None)
        if panel is not None:
            parts.append(panel.caption)
            if panel.figure is not None and (fig := brief.figure(panel.figure)) is not None:
                parts.append(f"Pip shows {fig.label} from the paper.")
    alt = ""
    for part in parts:
        if len(f"{alt} {part}".strip()) > ALT_CHARS:
            break
        alt = f"{alt} {part}".strip()
    return alt


def write_story(brief: ComicBrief, *, panels: int | None = None) -> ComicScript:
    """The content-aware script of one paper: `panels` (3-6) panels, or as many as its claims carry."""
    if panels is not None and not MIN_PANELS <= panels <= MAX_PANELS:
        raise ValueError(f"a comic has {MIN_PANELS}-{MAX_PANELS} panels, got {panels}")
    texts = [(brief.title, 3.0), (brief.abstract, 1.0), *((t, 1.0) for t in brief.claims.values())]
    texts += [(f.caption, 0.5) for f in brief.figures]
    ranked = [m for m, _ in rank_motifs(texts)]
    table = motif_table()
    # No motif matches: a fallback picked by the title, so unrelated papers still differ.
    fallback = table.fallbacks[
        int(hashlib.sha256(brief.title.encode()).hexdigest(), 16) % len(table.fallbacks)
    ]
    primary = ranked[0] if ranked else fallback
    # The second motif gives the detail and why-it-matters scenes; with one motif, the detail is a
    # close look at gears (never the idea's scene twice) and why it matters is the motif's own.
    detail = ranked[1] if len(ranked) > 1 else table.fallbacks[-1]
    secondary = ranked[1] if len(ranked) > 1 else primary
    comic_panels = []
    for i, beat in enumerate(_beats(brief, panels)):
        scene, motif = _scene(beat, (primary, detail, secondary), brief, first=i == 0)
        comic_panels.append(
            ComicPanel(
                scene=scene,
                caption=beat.caption,
                dialogue=[DialogueLine(speaker=MASCOT, text=_line(beat, brief))],
                role=beat.role,
                claims=list(beat.claims),
                figure=beat.figure.number if beat.figure else None,
                callout=beat.callout,
                motif=motif,
            )
        )
    return ComicScript(
        title=brief.title, panels=comic_panels, alt_text=_alt_text(brief, comic_panels), writer=STORY_VERSION
    )


def script_from_summary(
    summary: PaperSummary,
    paper_title: str,
    *,
    panels: int | None = 4,
    award: AwardKind | None = None,
    figures: Sequence[FigureRef] = (),
    parsed: ParsedPaper | None = None,
) -> ComicScript:
    """write_story over the brief of this summary (verified claims only)."""
    return write_story(
        brief_for(summary, paper_title, award=award, figures=figures, parsed=parsed), panels=panels
    )
