"""Prompt-injection defence: find text in a paper that addresses AI models or reviewers, and redact it.

The scan runs before any model call. Findings are reported (summary.json, digest); the sentences
are replaced in the text the model sees, and the prompt itself treats the whole paper as data.
Text drawn so that no reader sees it (ParsedPaper.hidden_text) is out of the paper already: the
parser removed it. A hidden passage that reads as language (the parser's HiddenText.kind) is
reported as a finding that names its page, why it is hidden and its length, never its words;
hidden figure residue (tick labels, numbers, glyphs) is counted in the parse report only.
"""

from __future__ import annotations

import re

from tasks.models import Caption, InjectionFinding, ParsedPaper, Section
from tasks.summarize.grounding import normalize_text
from tasks.text import location_label, split_sentences

REDACTED = "[sentence addressed to AI models removed]"
DATA_OPEN = "<paper_text>"
DATA_CLOSE = "</paper_text>"
EXCERPT_CHARS = 200
HIDDEN_PATTERN = "hidden text"  # a finding's pattern reads "hidden text (white)" and the like

# Matched against normalize_text() output (case-folded, ASCII quotes). Windows like [^.\n]{0,40}
# keep a rule inside one sentence, so "ignore" and "instructions" far apart do not match.
_RULES: list[tuple[str, str]] = [
    (
        "ignore previous instructions",
        r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|any|"
        r"preceding|system|other)\b[^.\n]{0,25}\b(?:instructions?|prompts?|rules|directions|guidelines)\b",
    ),
    (
        "asks for a positive review",
        r"\b(?:give|write|provide|produce|generate|output|assign)\b[^.\n]{0,30}\b(?:positive|favou?rable|"
        r"glowing|good|high|excellent|top)\b[^.\n]{0,20}\b(?:reviews?|ratings?|scores?|assessments?|evaluations?)\b",
    ),
    (
        "asks to hide negatives",
        r"\b(?:do not|don't|never|avoid|refrain from)\b[^.\n]{0,20}\b(?:highlight|mention|point(?:ing)? out|"
        r"discuss|list|includ|criticiz|criticis)\w*\b[^.\n]{0,30}\b(?:negatives?|weakness(?:es)?|"
        r"limitations?|flaws?|criticism|shortcomings?)\b",
    ),
    (
        "addresses an AI model",
        r"\b(?:as an ai\b|as a (?:large )?language model|you are (?:an? )?(?:ai|llm|large language model|"
        r"language model|chatbot)\b|(?:ai|llm) reviewers?\b|(?:attention|note|message) to (?:any )?"
        r"(?:ai|llms?|language models?)\b|if you are an? (?:ai|llm|language model)\b)",
    ),
    ("asks for acceptance", r"\b(?:recommend|accept|rate) this (?:paper|submission|work)\b[^.\n]{0,40}"),
    (
        "asks to reveal the prompt",
        r"\b(?:reveal|print|repeat) (?:your|the) (?:system )?(?:prompt|instructions)\b",
    ),
    (
        "ignore instructions (de)",
        r"\b(?:ignorier|vergiss)\w*\b[^.\n]{0,40}\b(?:anweisungen|instruktionen|vorgaben)\b",
    ),
    ("ignore instructions (fr)", r"\bignore[rz]?\b[^.\n]{0,40}\b(?:instructions|consignes)\b"),
    (
        "ignore instructions (es/pt/it)",
        r"\bignor[aei]\w*\b[^.\n]{0,40}\b(?:instrucciones|instrucoes|istruzioni)\b",
    ),
    (
        "positive review (de/fr/es)",
        r"\b(?:positive bewertung|avis positif|critique positive|resena positiva)\b",
    ),
    ("ignore instructions (ru)", r"игнорир\w*[^.\n]{0,40}инструкц"),
    (
        "ignore instructions (zh/ja)",
        r"(?:忽略|无视|忽視|無視)[^。\n]{0,20}(?:指令|指示|提示|说明|命令)|指示を無視",
    ),
    ("positive review (zh/ja)", r"(?:正面|积极|好|肯定)的?(?:评价|评审|评论|審査|レビュー)|高く評価"),
    ("data delimiter in paper text", r"</?\s*paper_text\s*>"),
]
RULES: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(rx)) for name, rx in _RULES]
_FINE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+|(?<=[\u3002\uff01\uff1f])\s*")
_DELIMITER_RE = re.compile(r"</?\s*paper_text\s*>", re.IGNORECASE)


def matched_rule(text: str) -> str | None:
    """The name of the first rule the text matches (it addresses an AI model), else None."""
    normalized = normalize_text(text)
    return next((name for name, rx in RULES if rx.search(normalized)), None)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _clean(text: str, location: str, findings: list[InjectionFinding]) -> str:
    """The text with every sentence that matches a rule replaced by REDACTED, findings appended."""
    if matched_rule(text) is None:
        return text
    out = []
    for sentence in split_sentences(text):
        rule = matched_rule(sentence)
        if rule is None:
            out.append(sentence)
            continue
        # The splitter wants a capital after the stop; CJK text and lower-case starts need a finer cut.
        for piece in (p for p in _FINE_SPLIT_RE.split(sentence) if p.strip()):
            piece_rule = matched_rule(piece)
            if piece_rule is None:
                out.append(piece)
                continue
            findings.append(
                InjectionFinding(
                    pattern=piece_rule, excerpt=_excerpt(piece), location=location, chars=len(piece)
                )
            )
            out.append(REDACTED)
    # A rule can match across sentence boundaries the splitter drew; never let such text through.
    cleaned = " ".join(out)
    return _DELIMITER_RE.sub(" ", cleaned) if matched_rule(cleaned) is None else REDACTED


def scan_injection(parsed: ParsedPaper) -> list[InjectionFinding]:
    """Every passage of the paper that addresses an AI model or reviewer, with its location."""
    return sanitize(parsed)[1]


def sanitize(parsed: ParsedPaper) -> tuple[ParsedPaper, list[InjectionFinding]]:
    """A copy of the paper with injection sentences redacted (references dropped), and the findings."""
    findings: list[InjectionFinding] = []
    title = _clean(parsed.title, "Title", findings)
    abstract = _clean(parsed.abstract, "Abstract", findings) if parsed.abstract else ""
    sections = []
    for section in parsed.sections:
        label = f"{section.number} {section.heading}".strip() if section.number else section.heading
        heading = _clean(section.heading, f"{label} (heading)", findings)
        paragraphs = [_clean(p, location_label(label, i), findings) for i, p in enumerate(section.paragraphs)]
        sections.append(Section(heading=heading, number=section.number, paragraphs=paragraphs))
    captions = [
        Caption(
            kind=c.kind,
            label=c.label,
            page=c.page,
            text=_clean(c.text, f"{c.kind} {c.label or ''} caption".strip(), findings),
        )
        for c in parsed.captions
    ]
    # References go nowhere near the model, but a hidden instruction there is still worth reporting.
    for i, ref in enumerate(parsed.references):
        _clean(ref.raw, f"Reference {i + 1}", findings)
    # Hidden language is the injection, whatever it says; its words are never quoted anywhere.
    findings += [
        InjectionFinding(
            pattern=f"{HIDDEN_PATTERN} ({h.reason})", excerpt="", location=f"page {h.page}", chars=h.chars
        )
        for h in parsed.hidden_text
        if h.kind == "language"
    ]
    clean = parsed.model_copy(
        update={
            "title": title,
            "abstract": abstract,
            "sections": sections,
            "captions": captions,
            "references": [],
            "hidden_text": [],
        }
    )
    return clean, findings


def delimit(text: str) -> str:
    """Paper text safe to place between the data delimiters: any delimiter look-alike removed."""
    return _DELIMITER_RE.sub(" ", text)


def injection_notice(findings: list[InjectionFinding]) -> str:
    """The notice a summary carries when its paper contains text addressed to AI models or hidden text."""
    where = ", ".join(dict.fromkeys(f.location for f in findings))
    hidden = sum(1 for f in findings if f.pattern.startswith(f"{HIDDEN_PATTERN} ("))
    kinds = [
        f"{n} passage(s) {what}"
        for n, what in ((len(findings) - hidden, "addressed to AI models"), (hidden, "of hidden text"))
        if n
    ]
    return f"Possible prompt injection: {' and '.join(kinds)} ({where}); redacted, not obeyed"


def findings_digest_lines(findings: list[InjectionFinding]) -> list[str]:
    """One markdown line per injection finding, for the conference digest (hidden text unquoted)."""
    return [
        f"- ⚠ {f.pattern} — *{f.location}*: “{f.excerpt}”"
        if f.excerpt
        else f"- ⚠ {f.pattern} — *{f.location}*, {f.chars} characters, not quoted"
        for f in findings
    ]
