"""The reproducibility card of one paper: code, datasets, models, compute, licence, badges.

Every field is read from the paper's own text (the parsed paper, and the PDF's page text for what
the parser leaves out: footnotes, where most repository links live) and carries the words it was
found in and where (section or page), so a reader can check it. Nothing is guessed: a field the
paper does not state stays empty and the card says so. The repository's licence comes from the
GitHub API when the network is allowed (tasks/harvest/licences.py), else it is "not checked".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlparse

from tasks.links import URL_RE, classify, url_key
from tasks.models import Found, PaperCard, ParsedPaper, ReproCard
from tasks.text import location_label, paper_names, split_sentences

EXTRACTOR = "repro-card-2"  # 2: a stage of its own, from parsed.page_lines; places of every link
QUOTE_CHARS = 300
MAX_ITEMS = 8  # per list field: a card, not an index

# The thing made available, and the words that make it so.
_CODE_OBJECT_RE = re.compile(
    r"\b(source code|code(?: ?base)?|implementation|software|toolkit|library|package|repository|repo)\b", re.I
)
_AVAILABLE_RE = re.compile(
    r"\b(publicly available|(?:is|are|be|made|freely|now) available|available (?:at|online|on|from|under)|"
    r"will be (?:made )?(?:publicly )?(?:available|released)|"
    r"we (?:also )?(?:release|open[- ]source|publish|share)|"
    r"open[- ]sourced?|released (?:at|on|under)|can be found at|to facilitate reproducibility)\b",
    re.I,
)
_FIRST_PERSON_RE = re.compile(r"\b(we|our|us)\b", re.I)
_DATA_CUE_RE = re.compile(r"\b(datasets?|data sets?|corpus|corpora|benchmarks?|treebanks?)\b", re.I)
_MODEL_CUE_RE = re.compile(r"\b(pre-?trained|checkpoints?|initiali[sz]ed (?:with|from)|fine-?tuned)\b", re.I)
# A name printed right after these words, or right before the second ones, is named as such.
_DATA_AFTER_RE = re.compile(
    r"^\)?\s*(?:\([^()]{0,20}\)\s*)?(?:data ?sets?|corpus|corpora|benchmarks?|treebanks?)\b"
    r"|^\s*(?:,|and|or)\s+(?:the\s+)?[A-Z][\w-]*\s+(?:data ?sets|corpora|benchmarks)\b",
    re.I,
)
_DATA_BEFORE_RE = re.compile(r"\b(?:the|our) (?:data ?sets?|corpus|corpora|benchmarks?)\s*$", re.I)
_MODEL_AFTER_RE = re.compile(
    r"^\)?\s*(?:\([^()]{0,20}\)\s*)?(?:models?|checkpoints?|embeddings|weights|encoders?)\b", re.I
)
_MODEL_BEFORE_RE = re.compile(
    r"\b(?:pre-?trained|initiali[sz]ed (?:with|from)(?: the)?|fine-?tuned|starting from(?: the)?)\s*$", re.I
)
_CUES = {
    "dataset": (_DATA_CUE_RE, _DATA_AFTER_RE, _DATA_BEFORE_RE),
    "model": (_MODEL_CUE_RE, _MODEL_AFTER_RE, _MODEL_BEFORE_RE),
}
# "(Li et al., 2016)", "Futoma et al. (2017)", "(Beltagy et al., 2019; Devlin et al., 2019)"
_CITATION_RE = re.compile(
    r"\([^()]*\b(?:19|20)\d\d[a-z]?\)|\b[A-Z][\w-]+ et al\.?\s*(?:\((?:19|20)\d\d[a-z]?\))?"
)
NEAR_WORDS = 5
# A name as papers print datasets and models: capitals inside it, or digits (SCIDOCS, CoNLL-2003, SciBERT).
_NAME_RE = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*\b")
_NOT_NAMES = frozenset(
    """
    AI API AUC BLEU CNN CPU CPUS CRF CV DL EHR F1 GAN GPU GPUS GP ICU IID KB LM LLM LR LSTM MAP
    ML MLP NDCG NER NLP OCR PDF PDFS QA RL RNN ROC SOTA SVM TF TPU URL US USA XML JSON HTML GNN
    MGP MGPS
    """.split()  # noqa: SIM905 (a word list reads best as text)
)
_GPU_RE = re.compile(
    r"\b(?:\d+\s*[x×]\s*)?(?:NVIDIA\s+)?(?:(?:GeForce|Tesla|Quadro)\s+)?"
    r"(?:RTX\s?A?\d{4}(?:\s?Ti)?|GTX\s?\d{3,4}(?:\s?Ti)?|Titan\s?(?:V|Xp?|RTX)|[AHV]100|H200|P100|K80|T4|L4|"
    r"A6000|A40|A10G?|MI\d{2,3}X?)\b(?:\s*GPUs?)?"
    r"|\b(?:Cloud\s+)?TPU\s?v\d[a-z]?(?:[- ]\d+)?(?:\s*(?:pods?|chips?|cores?))?",
)
_TIME_RE = re.compile(
    r"\b\d+(?:[.,]\d+)?(?:\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?)?\s*(?:(?:GPU|TPU|CPU)[- ])?"
    r"(?:hours?|hrs?|days?|weeks?|minutes?|mins?)\b"
)
_COMPUTE_CUE_RE = re.compile(
    r"\b(GPUs?|TPUs?|CPUs?|train(?:s|ed|ing)?|epochs?|compute|run ?time|wall[- ]clock|takes?|took)\b", re.I
)
_BADGE_RE = re.compile(
    r"\b(Artifacts?\s+(?:Available|Evaluated(?:\s*[-–—:]?\s*(?:Functional|Reusable))?)|"
    r"Results\s+(?:Reproduced|Replicated)|(?:ACM\s+)?(?:artifact|reproducibility)\s+badges?)\b",
    re.I,
)


@dataclass(frozen=True)
class Passage:
    """One sentence of the paper (or one line of a PDF page) and where it stands."""

    text: str
    where: str


def _compact(text: str) -> str:
    """Letters and digits only, lower case: a URL broken over lines still matches itself."""
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).lower())


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def paper_passages(parsed: ParsedPaper) -> list[Passage]:
    """Every sentence of the abstract, every section (statements and appendices too) and caption."""
    names = paper_names(parsed.title)
    out: list[Passage] = []
    for label, index, text in parsed.paragraphs():
        where = location_label(label, index)
        for paragraph in re.split(r"\n\s*\n", text):
            out += [Passage(s, where) for s in split_sentences(paragraph, names)]
    for caption in parsed.captions:
        label = (caption.label or caption.kind.title()).strip(" :.")
        out += [Passage(s, label) for s in split_sentences(caption.text, names)]
    return out


def _on_page(url: str, pages: list[list[str]]) -> Passage | None:
    """The page line(s) that print a URL (a footnote, usually): lines are joined as the URL breaks."""
    target = _compact(re.sub(r"^https?://(www\.)?", "", url))
    if not target:
        return None
    for number, lines in enumerate(pages, 1):
        if target not in _compact(" ".join(lines)):
            continue
        for span in (1, 2, 3):  # the fewest lines that hold the whole URL
            for i in range(len(lines)):
                joined = " ".join(lines[i : i + span])
                if target in _compact(joined):
                    return Passage(joined, f"page {number}")
        return Passage(url, f"page {number}")
    return None


# --------------------------------------------------------------------------- fields


def _where_url(url: str, passages: list[Passage], pages: list[list[str]]) -> Passage | None:
    target = _compact(re.sub(r"^https?://(www\.)?", "", url))
    for passage in passages:
        if target and target in _compact(passage.text):
            return passage
    return _on_page(url, pages)


def _surnames(parsed: ParsedPaper) -> set[str]:
    names = [a.name for a in parsed.authors]
    out = set()
    for name in names:
        last = unicodedata.normalize("NFKD", name.split()[-1]).encode("ascii", "ignore").decode().lower()
        if len(last) >= 4:
            out.add(last)
    return out


def _own_repository(url: str, parsed: ParsedPaper) -> bool:
    """A repository of the authors or named after the paper: its owner or name holds a surname or the
    paper's name ("jfutoma/MGP-RNN", "allenai/specter")."""
    parts = [p.lower() for p in urlparse(url).path.split("/") if p][:2]
    if len(parts) < 2:
        return False
    owner, repo = parts
    if any(s in owner or s in repo for s in _surnames(parsed)):
        return True
    names = paper_names(parsed.title)
    return re.sub(r"[^a-z0-9]", "", repo) in {re.sub(r"[^a-z0-9]", "", n) for n in names}


def _code(parsed: ParsedPaper, places: dict[str, Found]) -> list[Found]:
    """The authors' own repositories the paper links to, each where the paper prints it."""
    urls: list[str] = []
    for raw in parsed.urls:
        url = _repo_url(raw)
        if classify(url) == "code" and _own_repository(url, parsed) and url not in urls:
            urls.append(url)
    return [places.get(url_key(u)) or Found(value=u, url=u, quote=u, where="link") for u in urls[:MAX_ITEMS]]


def _places(parsed: ParsedPaper, passages: list[Passage], pages: list[list[str]]) -> dict[str, Found]:
    """Every link the paper prints (and its own repositories' roots), with the words and place it is
    printed in: the publisher places an award entry's curated links by it (url_key)."""
    found: dict[str, Found] = {}
    for url in dict.fromkeys([*parsed.urls, *(_repo_url(u) for u in parsed.urls)]):
        at = _where_url(url, passages, pages)
        if at is not None:
            found.setdefault(url_key(url), Found(value=url, url=url, quote=_quote(at.text), where=at.where))
    return found


def _repo_url(url: str) -> str:
    parsed = urlparse(url.rstrip(".:"))
    if (parsed.hostname or "") in {"github.com", "gitlab.com"}:
        parts = [p for p in parsed.path.split("/") if p][:2]
        return f"https://{parsed.hostname}/{'/'.join(parts)}".removesuffix(".git")
    return url


def _statement(parsed: ParsedPaper, passages: list[Passage]) -> Found | None:
    """The paper's sentence that says its code is (or will be) available, best first."""
    own = paper_names(parsed.title)
    best: tuple[int, int, Passage] | None = None
    for position, passage in enumerate(passages):
        text = passage.text
        if not _AVAILABLE_RE.search(text):
            continue
        names_itself = any(re.search(rf"\b{re.escape(n)}\b", text, re.I) for n in own)
        if not (_CODE_OBJECT_RE.search(text) or names_itself):
            continue
        score = 3 * bool(re.search(r"\bcode\b|implementation", text, re.I)) + 2 * bool(
            _FIRST_PERSON_RE.search(text)
        )
        score += bool(URL_RE.search(text)) + bool(re.search(r"reproduc", text, re.I))
        if best is None or score > best[0]:
            best = (score, position, passage)
    if best is None:
        return None
    passage = best[2]
    return Found(value="stated", quote=_quote(passage.text), where=passage.where)


def _names(
    text: str,
    cue: re.Pattern[str],
    after: re.Pattern[str],
    before: re.Pattern[str],
    *,
    own: set[str],
    near_ok: bool,
) -> list[str]:
    """Names that the sentence ties to the cue: printed right before it ("the CHEMDNER datasets",
    "the SciBERT model") or, when near_ok, in a sentence about the authors' own work within a few
    words of it ("we introduce SCIDOCS, a new evaluation benchmark"). Citations are left out first."""
    text = _CITATION_RE.sub(" ", text)
    cues = [m.start() for m in cue.finditer(text)]
    # "We used two datasets: ..." speaks of the authors' own work; "(in our case ...)" after it does not.
    person = _FIRST_PERSON_RE.search(text)
    first_person = person is not None and bool(cues) and person.start() < cues[0]
    out = []
    for match in _NAME_RE.finditer(text):
        name = match.group(0).rstrip(".-")
        if not _looks_like_a_name(name) or name.lower() in own:
            continue
        if name.lower().endswith(("-based", "-like", "-style")):
            continue
        near = any(len(text[min(match.end(), c) : max(match.start(), c)].split()) <= NEAR_WORDS for c in cues)
        direct = after.match(text[match.end() :]) or before.search(text[: match.start()])
        if direct or (near_ok and first_person and near):
            out.append(name)
    return out


def _looks_like_a_name(name: str) -> bool:
    """SCIDOCS, CoNLL-2003, SciBERT, S2-VL: a part with capitals inside it or digits; not an
    acronym of the field (NLP, LSTMs) nor capitalised words ("Task-Specific")."""
    if len(name) < 3 or name.upper().removesuffix("S") in _NOT_NAMES or name.upper() in _NOT_NAMES:
        return False
    if re.fullmatch(r"[A-Z]?\d[\d.]*", name) or name.lower().endswith(("-based", "-like", "-style")):
        return False
    return any(
        any(c.isupper() for c in part[1:]) or any(c.isdigit() for c in part) for part in name.split("-")
    )


def _linked(name: str, urls: Iterable[str]) -> str | None:
    """A URL named like the dataset or model (github.com/allenai/scidocs for SCIDOCS)."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for url in urls:
        parts = [p for p in urlparse(url).path.split("/") if p]
        if parts and re.sub(r"[^a-z0-9]", "", parts[-1].lower()) == key:
            return url
    return None


def _named(kind: str, parsed: ParsedPaper, passages: list[Passage], taken: set[str]) -> list[Found]:
    own = {n.lower() for n in paper_names(parsed.title)}
    urls = [_repo_url(u) for u in parsed.urls]
    found: dict[str, Found] = {}
    for passage in passages:
        # Models are named right beside their cue only: "pretrained ELMo model in AllenNLP".
        for name in _names(passage.text, *_CUES[kind], own=own, near_ok=kind == "dataset"):
            key = name.lower()
            if key in found or key in taken or len(found) >= MAX_ITEMS:
                continue
            found[key] = Found(
                value=name, quote=_quote(passage.text), where=passage.where, url=_linked(name, urls)
            )
    for url in urls:  # Hugging Face datasets and models are links of their own kind
        if classify(url) == kind and len(found) < MAX_ITEMS and not any(f.url == url for f in found.values()):
            at = next((p for p in passages if _compact(url) in _compact(p.text)), None)
            name = urlparse(url).path.strip("/").removeprefix("datasets/")
            found[name.lower()] = Found(
                value=name, url=url, quote=_quote(at.text) if at else url, where=at.where if at else "link"
            )
    return list(found.values())


def _compute(passages: list[Passage]) -> list[Found]:
    found: dict[str, Found] = {}
    for passage in passages:
        hits = [m.group(0) for m in _GPU_RE.finditer(passage.text)]
        if _COMPUTE_CUE_RE.search(passage.text):
            hits += [m.group(0) for m in _TIME_RE.finditer(passage.text)]
        for hit in hits:
            value = " ".join(hit.split())
            if value.lower() not in found and len(found) < MAX_ITEMS:
                found[value.lower()] = Found(value=value, quote=_quote(passage.text), where=passage.where)
    return list(found.values())


def _badges(passages: list[Passage], pages: list[list[str]]) -> list[Found]:
    """Artifact badges printed in the paper (ACM's "Artifacts Available", ...), text or page lines."""
    lines = [
        Passage(line, f"page {n}")
        for n, page in enumerate(pages, 1)
        if _BADGE_RE.search(" ".join(page))  # most pages have none: one search each
        for line in page
    ]
    found: dict[str, Found] = {}
    for passage in [*passages, *lines]:
        for match in _BADGE_RE.finditer(passage.text):
            value = " ".join(match.group(0).split())
            found.setdefault(
                value.lower(), Found(value=value, quote=_quote(passage.text), where=passage.where)
            )
    return list(found.values())[:MAX_ITEMS]


def paper_card(parsed: ParsedPaper) -> PaperCard:
    """The card of one paper from its parsed text and its pages' visible lines."""
    pages = parsed.page_lines
    passages = paper_passages(parsed)
    notices = []
    if not pages:
        notices.append("the PDF's page text was not read: links printed only in footnotes may be missing")
    datasets = _named("dataset", parsed, passages, set())
    models = _named("model", parsed, passages, {d.value.lower() for d in datasets})
    places = _places(parsed, passages, pages)
    card = ReproCard(
        code=_code(parsed, places),
        code_statement=_statement(parsed, passages),
        datasets=datasets,
        models=models,
        compute=_compute(passages),
        badges=_badges(passages, pages),
        extractor=EXTRACTOR,
        notices=notices,
    )
    return PaperCard(card=card, places=places)
