"""Domain models shared by every stage.

Plain pydantic only: nothing here imports prefect, boto3 or torch, so any stage (and any test) can
use the models without pulling in the orchestration or the heavy ML stack.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

# A path segment we accept in artifact keys: no "/", no "..", no control characters.
SAFE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
ARXIV_NEW_RE = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")
ARXIV_OLD_RE = re.compile(r"^[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?$")
OPENREVIEW_RE = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
CONFERENCE_SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*-\d{4}$")


class InvalidIdError(ValueError):
    """An id that cannot be used as an artifact key segment."""


def validate_safe_id(value: str, what: str = "id") -> str:
    """Return value if it is safe as one segment of an artifact key, else raise InvalidIdError."""
    if not isinstance(value, str) or not value:
        raise InvalidIdError(f"{what} must be a non-empty string, got {value!r}")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidIdError(f"{what} {value!r} contains control characters")
    if "/" in value or "\\" in value or ".." in value:
        raise InvalidIdError(f"{what} {value!r} contains a path ('/', '\\' or '..'); ids are one segment")
    if not SAFE_ID_RE.match(value):
        raise InvalidIdError(
            f"{what} {value!r} is not a safe id: use letters, digits, '.', '_' and '-' (max 200 chars)"
        )
    return value


def utc_now() -> datetime:
    return datetime.now(UTC)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def slugify(text: str, max_len: int = 60) -> str:
    """ASCII slug of a title, used as a paper id when a paper has no arXiv/OpenReview/DOI id."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "untitled"


NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- awards / harvest


class AwardKind(StrEnum):
    """The fixed vocabulary of award kinds, in the order a digest presents them."""

    BEST_PAPER = "best paper"
    OUTSTANDING_PAPER = "outstanding paper"
    RUNNER_UP = "runner-up"
    HONORABLE_MENTION = "honorable mention"
    BEST_STUDENT_PAPER = "best student paper"
    BEST_STUDENT_PAPER_HONORABLE_MENTION = "best student paper honorable mention"
    BEST_RESOURCE_PAPER = "best resource paper"
    BEST_THEME_PAPER = "best theme paper"
    BEST_SOCIAL_IMPACT_PAPER = "best social impact paper"
    OTHER = "other"
    TEST_OF_TIME = "test of time"
    TEST_OF_TIME_RUNNER_UP = "test of time runner-up"
    TEST_OF_TIME_HONORABLE_MENTION = "test of time honorable mention"

    @property
    def is_test_of_time(self) -> bool:
        return self.value.startswith("test of time")


class PaperIds(Model):
    arxiv: str | None = None
    openreview: str | None = None
    doi: str | None = None

    @field_validator("arxiv")
    @classmethod
    def _arxiv(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip().removeprefix("arXiv:").removeprefix("arxiv:")
        if not (ARXIV_NEW_RE.match(v) or ARXIV_OLD_RE.match(v)):
            raise ValueError(f"malformed arXiv id {v!r} (expected e.g. 2505.06708 or hep-th/9901001)")
        if ARXIV_NEW_RE.match(v):
            # Since January 2015 the number after the dot has five digits, before that four.
            yymm, number = v.split("v")[0].split(".")
            expected = 5 if int(yymm) >= 1501 else 4
            if len(number) != expected:
                raise ValueError(
                    f"malformed arXiv id {v!r}: ids from {yymm} have {expected} digits after the dot"
                )
        return v

    @field_validator("openreview")
    @classmethod
    def _openreview(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip()
        if not OPENREVIEW_RE.match(v):
            raise ValueError(f"malformed OpenReview id {v!r}")
        return v

    @field_validator("doi")
    @classmethod
    def _doi(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip().removeprefix("https://doi.org/")
        if not re.match(r"^10\.\d{4,9}/\S+$", v):
            raise ValueError(f"malformed DOI {v!r}")
        return v


class Links(Model):
    paper: str | None = None
    code: list[str] = Field(default_factory=list)
    datasets: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    project_page: str | None = None


class AwardEntry(Model):
    """One awarded paper as the award list names it."""

    id: str | None = Field(
        None, description="Pinned paper id for artifact keys; set it so that adding an id later moves nothing"
    )
    title: NonEmptyStr
    award: AwardKind
    track: str | None = None
    authors: list[str] | None = None  # None: not known from the award list
    ids: PaperIds = Field(default_factory=PaperIds)
    links: Links = Field(default_factory=Links)
    needs_review: bool = False
    confidence: Literal["high", "medium", "low"] | None = None
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    @field_validator("authors")
    @classmethod
    def _authors(cls, v: list[str] | None) -> list[str] | None:
        # Unknown authors are null (or left out); an empty list is a mistake in the list.
        if v is not None and not v:
            raise ValueError("empty author list: list the authors, or leave the field out when unknown")
        return v

    @field_validator("id")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        return validate_safe_id(v, "paper id") if v is not None else None

    @property
    def paper_id(self) -> str:
        """Id used in artifact keys: the pinned id, else arXiv, OpenReview, DOI, title slug."""
        if self.id:
            return self.id
        if self.ids.arxiv:
            return re.sub(r"v\d+$", "", self.ids.arxiv).replace("/", "_")
        if self.ids.openreview:
            return self.ids.openreview
        if self.ids.doi:
            return slugify(self.ids.doi.replace("/", "-"), 120)
        return slugify(self.title)

    def pdf_urls(self) -> list[str]:
        """Candidate PDF URLs, most reliable first."""
        urls: list[str] = []
        if self.links.paper and self.links.paper.endswith(".pdf"):
            urls.append(self.links.paper)
        if self.ids.arxiv:
            urls.append(f"https://arxiv.org/pdf/{self.ids.arxiv}")
        if self.ids.openreview:
            urls.append(f"https://openreview.net/pdf?id={self.ids.openreview}")
        return urls

    def landing_url(self) -> str | None:
        if self.links.paper:
            return self.links.paper
        if self.ids.arxiv:
            return f"https://arxiv.org/abs/{self.ids.arxiv}"
        if self.ids.openreview:
            return f"https://openreview.net/forum?id={self.ids.openreview}"
        if self.ids.doi:
            return f"https://doi.org/{self.ids.doi}"
        return None


class Conference(Model):
    slug: str
    name: NonEmptyStr
    year: int
    url: str | None = None
    sources: list[str] = Field(default_factory=list)
    entries: list[AwardEntry]
    # The chat model's reading of the announcement this list was harvested from (None: curated, or
    # read by the page's structure): the digest's LLM totals count it.
    usage: UsageTotals | None = None

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not CONFERENCE_SLUG_RE.match(v):
            raise ValueError(f"conference slug {v!r} must look like 'neurips-2025'")
        return v

    @model_validator(mode="after")
    def _year(self) -> Conference:
        this_year = datetime.now(UTC).year
        if self.year > this_year:
            raise ValueError(f"year {self.year} is in the future (it is {this_year})")
        if not self.slug.endswith(f"-{self.year}"):
            raise ValueError(f"slug {self.slug!r} does not end with its year {self.year}")
        return self

    @model_validator(mode="after")
    def _unique_papers(self) -> Conference:
        seen: dict[str, str] = {}
        for entry in self.entries:
            if entry.paper_id in seen:
                raise ValueError(
                    f"duplicate paper id {entry.paper_id!r}: {seen[entry.paper_id]!r} and {entry.title!r}"
                )
            seen[entry.paper_id] = entry.title
        return self


class PdfRef(Model):
    """A PDF stored in the artifact store."""

    key: str
    sha256: str
    size: int
    source: str  # URL or local path it came from
    pages: int | None = None


# --------------------------------------------------------------------------- parse


class Author(Model):
    name: NonEmptyStr
    affiliations: list[str] = Field(default_factory=list)
    email: str | None = None
    orcid: str | None = None


class Section(Model):
    heading: str
    number: str | None = None
    paragraphs: list[str] = Field(default_factory=list)


class Caption(Model):
    kind: Literal["figure", "table"]
    label: str | None = None
    text: str
    page: int | None = None
    coords: str | None = None  # GROBID teiCoordinates: "page,x,y,w,h;..." in PDF points


class Reference(Model):
    raw: str
    title: str | None = None
    year: int | None = None
    authors: list[str] = Field(default_factory=list)
    venue: str | None = None
    doi: str | None = None
    arxiv: str | None = None


class Citation(Model):
    """An in-text citation: where it sits and which reference (index into references) it points to."""

    section: int  # index into sections; -1 for the abstract
    paragraph: int
    reference: int
    text: str = ""


class HiddenText(Model):
    """A passage of text drawn so that a reader cannot see it (tasks/parse/visibility.py says how).

    It is kept out of every text field of the ParsedPaper. Its words are never serialized (text is
    excluded from every dump, so no stored or published file carries them): the operator reads them
    in the parse report (papers/<id>/parse-report.json, never released). kind says whether it reads
    as language addressed to a reader or a model ("language": reported as possible prompt
    injection) or is figure residue, numbers or glyphs ("residue": counted in the parse report only).
    """

    page: int  # 1-based
    reason: Literal["invisible", "white", "tiny", "off-page", "clipped", "covered", "background", "layer-off"]
    text: str = Field(default="", exclude=True)
    kind: Literal["language", "residue"] = "language"
    chars: int = 0
    in_figure: bool = False


class ParsedPaper(Model):
    title: str
    authors: list[Author] = Field(default_factory=list)
    abstract: str = ""
    sections: list[Section] = Field(default_factory=list)
    captions: list[Caption] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    page_count: int = 0
    parser: str
    parser_version: str
    pdf_sha256: str | None = None
    notices: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    hidden_text: list[HiddenText] = Field(default_factory=list)  # removed from every field above
    # Every page's visible text lines, in reading order: footnotes and the lines that print a link
    # or an artifact badge, which the reproducibility card quotes (no stage reads the PDF again).
    page_lines: list[list[str]] = Field(default_factory=list)

    def content_hash(self) -> str:
        return sha256_bytes(self.model_dump_json().encode())

    def paragraphs(self) -> list[tuple[str, int, str]]:
        """Every body paragraph as (location label, paragraph index, text); the abstract first."""
        out: list[tuple[str, int, str]] = []
        if self.abstract:
            out.append(("Abstract", 0, self.abstract))
        for section in self.sections:
            label = f"{section.number} {section.heading}".strip() if section.number else section.heading
            out.extend((label, i, p) for i, p in enumerate(section.paragraphs))
        return out


# --------------------------------------------------------------------------- summarize


class Evidence(Model):
    quote: NonEmptyStr
    location: str | None = None  # e.g. "Abstract" or "3 Method, paragraph 2"
    verified: bool = False


class Claim(Model):
    text: NonEmptyStr
    evidence: list[Evidence] = Field(default_factory=list)
    # Why the claim is not fact although its quotes may be real (a number not in the paper, ...).
    issues: list[str] = Field(default_factory=list)
    # The text is the paper's own sentence(s), verbatim (extractive summaries): shown as a quotation
    # with its source, never as our prose.
    quoted: bool = False

    @property
    def verified(self) -> bool:
        """True only when every check passed: quotes found in the paper and no issue recorded."""
        return bool(self.evidence) and all(e.verified for e in self.evidence) and not self.issues


class PaperSummary(Model):
    what_was_done: list[Claim] = Field(min_length=1)
    why_it_matters: list[Claim] = Field(min_length=1)
    tldr: str
    generator: str  # "extractive" or "provider:model"
    fallback: bool = False  # True when the no-LLM summarizer produced it
    notices: list[str] = Field(default_factory=list)
    # Set by the LLM summarizer; None / empty for the extractive one.
    faithfulness: float | None = None  # share of claims whose quotes and numbers are in the paper
    flags: list[ClaimFlag] = Field(default_factory=list)  # claims not to be read as fact
    usage: UsageTotals | None = None
    injection_findings: list[InjectionFinding] = Field(default_factory=list)
    language: str | None = None
    prompt_version: str | None = None
    tldr_checked: bool = False  # True when every number in the TL;DR occurs in the paper

    @model_validator(mode="after")
    def _flags_are_issues(self) -> PaperSummary:
        # A flag is a failed check: its claim is not fact, in every format that shows it. Summaries
        # stored before claims carried their issues are read the same way.
        reasons = {f.claim: f.reasons for f in self.flags}
        for claim in self.claims():
            if claim.text in reasons and not claim.issues:
                claim.issues = list(reasons[claim.text])
        return self

    def claims(self) -> list[Claim]:
        return [*self.what_was_done, *self.why_it_matters]

    def verified_claims(self) -> list[Claim]:
        """The claims that may be published as fact (and drawn into a comic)."""
        return [c for c in self.claims() if c.verified]


class ClaimFlag(Model):
    """Why one claim must not be published as fact (unverified quote, number not in the paper)."""

    claim: str
    reasons: list[str]


class CallUsage(Model):
    """One chat-model call: tokens from the response's usage metadata, latency, cost (None: no price)."""

    purpose: str  # "summary", "summary repair", "review", "map: 3 Method", ...
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float | None = None


class UsageTotals(Model):
    """Every call for one paper and their totals; cost_usd is None when any call has no price."""

    calls: list[CallUsage] = Field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float | None = None
    notices: list[str] = Field(default_factory=list)


class InjectionFinding(Model):
    """Text in the paper that addresses an AI model or reviewer: reported, never obeyed."""

    pattern: str  # name of the rule that matched, e.g. "ignore previous instructions"
    excerpt: str  # "" for hidden text: its words are never quoted
    location: str
    chars: int = 0  # length of the passage


class FullReview(Model):
    """The LLM's longer review; every claim carries checked evidence quotes."""

    overview: str
    key_results: list[Claim] = Field(default_factory=list)
    strengths: list[Claim] = Field(default_factory=list)
    limitations: list[Claim] = Field(default_factory=list)
    generator: str
    notices: list[str] = Field(default_factory=list)

    def claims(self) -> list[Claim]:
        return [*self.key_results, *self.strengths, *self.limitations]


# --------------------------------------------------------------------------- comic

MAX_PANELS = 6
MIN_PANELS = 3


class DialogueLine(Model):
    speaker: NonEmptyStr
    text: NonEmptyStr


# "note": a claim-free panel that says the summary could not be checked (no verified claim to draw).
ComicRole = Literal["setup", "problem", "idea", "detail", "result", "matters", "award", "note"]


class ComicPanel(Model):
    scene: NonEmptyStr  # what is drawn; never text to be drawn in the image
    caption: NonEmptyStr
    dialogue: list[DialogueLine] = Field(default_factory=list)
    # What the panel does in the story, and what its caption rests on: ids of verified claims
    # ("c1", ..., "tldr"); setup, award and note panels state only the title, the award, our limits.
    role: ComicRole | None = None
    claims: list[str] = Field(default_factory=list)
    figure: int | None = None  # the paper's figure the mascot presents (figures/fig-N.png)
    callout: str | None = None  # a number from a cited claim, lettered large ("3.1 point")
    motif: str | None = None  # the motif table entry the scene came from (config/comic/motifs.yaml)


class ComicScript(Model):
    title: NonEmptyStr
    panels: list[ComicPanel]
    alt_text: str = ""
    writer: str | None = None  # "story-N" (content-aware, no LLM) or "llm:provider:model"

    @field_validator("panels")
    @classmethod
    def _panel_count(cls, v: list[ComicPanel]) -> list[ComicPanel]:
        if not MIN_PANELS <= len(v) <= MAX_PANELS:
            raise ValueError(f"a comic has {MIN_PANELS}-{MAX_PANELS} panels, got {len(v)}")
        return v


class ComicTextFigure(Model):
    """The paper's figure a panel presents, with that figure's own caption (figures.json)."""

    label: str  # "Figure 3"
    caption: str  # the caption as printed, without its label


class ComicTextPanel(Model):
    """One panel as text: its caption, who says what, what it shows, the figure it presents."""

    caption: str
    dialogue: list[DialogueLine] = Field(default_factory=list)
    shows: str  # the scene drawn, as the script describes it
    figure: ComicTextFigure | None = None


class ComicText(Model):
    """The comic as text, panel by panel: the long description the short alt text points to."""

    title: str
    panels: list[ComicTextPanel]


class ComicMeta(Model):
    """What comic.json records next to comic.png."""

    script: ComicScript
    renderer: str  # "sketch" or "diffusion"
    model: str | None = None
    font: str | None = None
    seed: int
    width: int
    height: int
    fallback: bool = False
    notices: list[str] = Field(default_factory=list)
    # Diffusion renderer only: what drew the panels and how long each step took.
    steps: int | None = None
    guidance: float | None = None
    dtype: str | None = None
    device: str | None = None
    panel_size: tuple[int, int] | None = None  # generated px, before the layout's cover-crop
    batch_size: int | None = None  # panels per pipeline call, after any out-of-memory fallback
    renderer_version: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)  # load_s, generate_s, compose_s
    writer: str | None = None  # who wrote the script: "story-N" or "llm:provider:model"
    usage: UsageTotals | None = None  # the LLM script writer's calls, when it ran
    mobile_size: tuple[int, int] | None = None  # comic-mobile.webp: one column of panels
    figures: list[int] = Field(default_factory=list)  # figure numbers drawn into panels
    text: ComicText | None = None  # the comic as text (None: comic.json written before it was)


class FigureRef(Model):
    """One figure of the paper, cut from its PDF page: figures/fig-N.png, listed in figures.json."""

    number: int = Field(ge=1)
    label: str  # "Figure 3"
    caption: str  # the caption's first sentences, as printed
    page: int = Field(ge=1)  # 1-based
    bbox: tuple[float, float, float, float]  # left, bottom, right, top in PDF points
    file: str  # "figures/fig-3.png"
    width: int  # px
    height: int
    source: Literal["pdfium", "grobid"]  # who found the region: our page analysis, or GROBID's coords


class FigureIndex(Model):
    """figures.json: every figure found in the paper's PDF."""

    extractor: str
    figures: list[FigureRef] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------- results / digest


class StoredObject(Model):
    key: str
    sha256: str
    size: int
    written: bool  # False when the same bytes were already there


class StageName(StrEnum):
    ACQUIRE = "acquire"
    PARSE = "parse"
    REPRO = "repro"
    SUMMARIZE = "summarize"
    COMIC = "comic"


class StageState(StrEnum):
    DONE = "done"
    CACHED = "cached"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"
    SKIPPED = "skipped"


class StageStatus(Model):
    state: StageState
    error: str | None = None


class StageResult(Model):
    """What a stage task returns (and its cache record holds): the objects it stored, and what made them.

    identity names the backend that actually ran (the local parser after a GROBID failure, say):
    a cache record is replayed only for the same identity and only while its objects are intact.
    """

    outputs: dict[str, StoredObject]
    identity: str
    # A fallback made these objects because a configured service failed or did not answer (the
    # local parser for GROBID, the rule-based comic script for a rejected LLM one): the release is
    # not "up to date" for a later run, which tries the service again.
    stand_in: bool = False


class StageOutcome(Model):
    """How one stage of one paper ended, as plain data: what the flow hands the publisher."""

    status: StageStatus
    outputs: dict[str, StoredObject] = Field(default_factory=dict)  # artifact name -> stored object
    stand_in: bool = False  # see StageResult.stand_in

    @classmethod
    def skipped(cls, why: str) -> StageOutcome:
        return cls(status=StageStatus(state=StageState.SKIPPED, error=why))

    @classmethod
    def finished(cls, result: object, *, cached: bool = False) -> StageOutcome:
        """A stage that ended well, from what it returned (a StageResult; anything else stored nothing)."""
        state = StageState.CACHED if cached else StageState.DONE
        if not isinstance(result, StageResult):
            return cls(status=StageStatus(state=state))
        return cls(status=StageStatus(state=state), outputs=dict(result.outputs), stand_in=result.stand_in)


class PaperStatus(StrEnum):
    DONE = "done"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"


# --------------------------------------------------------------------------- reproducibility, overview


class Found(Model):
    """One fact of a reproducibility card and where the paper says it (tasks/repro/card.py)."""

    value: str  # what was found: a URL, a dataset name, "Titan V GPU", "1-2 days"
    quote: str  # the paper's own words around it (or the award list's, for a curated link)
    where: str  # "4 Experiments", "page 1 (footnote)", "award list"
    url: str | None = None


class LicenceCheck(Model):
    """The licence of a code repository, as the GitHub API reports it (or why it was not asked)."""

    repository: str
    status: Literal["found", "none", "not found", "not checked"]
    licence: str | None = None  # SPDX id when GitHub knows one ("Apache-2.0"), else its name
    detail: str = ""  # "GitHub API", or why it was not checked


class ReproCard(Model):
    """What a reader needs to reproduce a paper, each field citing where the paper says it."""

    code: list[Found] = Field(default_factory=list)
    code_statement: Found | None = None  # the paper's words that code is (or will be) available
    datasets: list[Found] = Field(default_factory=list)
    models: list[Found] = Field(default_factory=list)
    compute: list[Found] = Field(default_factory=list)  # GPU / TPU type, hours or days
    licences: list[LicenceCheck] = Field(default_factory=list)
    badges: list[Found] = Field(default_factory=list)  # artifact badges printed in the paper
    extractor: str = ""
    notices: list[str] = Field(default_factory=list)


class PaperCard(Model):
    """repro.json: the card as the paper alone says it, and where the paper prints each of its links
    (by tasks.links.url_key): the publisher places the award entry's curated links by it."""

    card: ReproCard
    places: dict[str, Found] = Field(default_factory=dict)


class ThemePaper(Model):
    paper_id: str
    title: str
    quote: str  # the paper's own words (a verified claim or a section title) that carry the theme
    where: str | None = None


class Theme(Model):
    """A theme shared by several papers of one award list, each paper named with its evidence."""

    label: str
    papers: list[ThemePaper] = Field(min_length=2)


class Overview(Model):
    """The year in one page: themes across the papers, counts, the cover image (tasks/publish/overview.py)."""

    papers: int
    by_award: dict[str, int] = Field(default_factory=dict)  # award heading -> papers, in digest order
    by_track: dict[str, int] = Field(default_factory=dict)
    themes: list[Theme] = Field(default_factory=list)
    alone: list[str] = Field(default_factory=list)  # titles of summarized papers in no theme
    generator: str  # "key-phrases" or "provider:model"
    input_sha256: str  # what the themes were found from: an unchanged input reuses them
    summarized: int = 0  # papers with verified claims: the themes' input
    fallback: bool = False  # True when the themes come from key phrases although an LLM was asked
    notices: list[str] = Field(default_factory=list)
    usage: UsageTotals | None = None
    cover: str | None = None  # "cover.png" in the release
    cover_alt: str | None = None


class PaperResult(Model):
    paper_id: str
    entry: AwardEntry
    status: PaperStatus
    stages: dict[StageName, StageStatus] = Field(default_factory=dict)
    # name -> store key; in a published digest.json the path inside its release folder
    artifacts: dict[str, str] = Field(default_factory=dict)
    checksums: dict[str, str] = Field(default_factory=dict)  # name -> SHA-256 of that artifact
    parsed_title: str | None = None
    summary: PaperSummary | None = None
    comic_alt: str | None = None
    comic_usage: UsageTotals | None = None  # the LLM comic script's calls (None: the story writer)
    comic_text: ComicText | None = None  # the comic panel by panel, for readers who cannot see it
    notices: list[str] = Field(default_factory=list)
    repro: ReproCard | None = None  # rendered at publish time from the parsed paper

    @property
    def error(self) -> str | None:
        for stage in self.stages.values():
            if stage.error:
                return stage.error
        return None


class Digest(Model):
    conference: Conference
    generated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    results: list[PaperResult]
    notices: list[str] = Field(default_factory=list)
    overview: Overview | None = None  # the year in one page, computed at publish time

    def count(self, status: PaperStatus) -> int:
        return sum(1 for r in self.results if r.status == status)


class PublishManifest(Model):
    """`<conference>/releases/<release>/manifest.json`: the last object of a release written.

    It lists every object of the release (full store keys) with its SHA-256; a reader trusts only
    what it lists, and finds the current release through `<conference>/current.json`.
    """

    conference: str
    generated_at: datetime
    objects: dict[str, StoredObject]
    papers: dict[str, PaperStatus]
    release: str | None = None  # None: a manifest of the layout before releases
    previous: str | None = None  # the release this one replaced
    # Hash of what the run depended on (entries, output settings, code, local PDFs): a later run
    # with the same hash has nothing to change (tasks/freshness.py).
    inputs: str | None = None
    # Hash of what a reader sees and of the inputs (ReleasePlan.content_id): a plan with the same
    # hash is this release, as long as the release is intact.
    content: str | None = None
    # The store's cheap fingerprint of each object as written (size, mtime, ctime, inode locally;
    # size and ETag on S3): the up-to-date check hashes an object only when it differs.
    fingerprints: dict[str, str] = Field(default_factory=dict)


class ReleasePointer(Model):
    """`<conference>/current.json`: the one small object switched last to make a release current."""

    conference: str
    release: str
    manifest: str  # store key of the release's manifest.json
    manifest_sha256: str
    generated_at: datetime
    history: list[str] = Field(default_factory=list)  # earlier releases, newest first
