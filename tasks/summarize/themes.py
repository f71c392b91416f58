"""Themes shared by several papers of one award list: key phrases (no LLM) or a chat model.

Both finders read the same input: each paper's verified claims (and, for key phrases, its section
titles), never anything else. The key-phrase finder invents no text: a theme's label is a phrase
printed in every one of its papers' verified claims or section titles, found by TF-IDF over
phrases and agglomerative clustering (scikit-learn, imported only when there are themes to find);
each paper is shown with the sentence the phrase stands in. The LLM finder is in
tasks/summarize/themes_llm.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tasks.models import PaperResult, ParsedPaper, Theme, ThemePaper, UsageTotals
from tasks.summarize.paper_text import section_kind

if TYPE_CHECKING:
    pass

KEY_PHRASES = "key-phrases"
KEY_PHRASES_VERSION = "1"
MAX_THEMES = 6
MAX_NGRAM = 3
QUOTE_CHARS = 240
# Words that say nothing about what a paper is about: a theme is never named by them alone.
GENERIC = frozenset(
    """
    paper papers work works propose proposes proposed present presents presented introduce
    introduces introduced show shows shown demonstrate demonstrates method methods approach
    approaches technique techniques result results new novel use uses used using based task
    tasks performance state art et al section figure table experiment experiments experimental
    evaluation evaluate evaluated introduction conclusion conclusions related future discussion
    appendix acknowledgements acknowledgments analysis background overview details setup
    baseline baselines variety wide strong competitive existing improve improves improved
    improvement improvements substantial significant significantly effective effectiveness help
    helps able ability provide provides order way ways make makes made including additional
    additionally finally first second third one two three several many various different well
    also recent recently allows allow describe describes described find found develop developed
    achieve achieves achieved
    """.split()  # noqa: SIM905 (a word list reads best as text)
)
_SEGMENT_RE = re.compile(r"[.,;:!?()\[\]{}\"“”‘’'/|]+")  # a phrase never crosses punctuation
_TOKEN_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Passage:
    text: str
    where: str | None


@dataclass(frozen=True)
class ThemeSource:
    """What one paper brings to the theme finders: its verified claims and its section titles."""

    paper_id: str
    title: str
    claims: tuple[Passage, ...]
    headings: tuple[str, ...] = ()

    def key(self) -> list[object]:
        return [self.paper_id, self.title, [(c.text, c.where) for c in self.claims], list(self.headings)]


@dataclass
class ThemesFound:
    themes: list[Theme]
    notices: list[str] = field(default_factory=list)
    usage: UsageTotals | None = None


class ThemeFinder(Protocol):
    identity: str

    def find(self, sources: list[ThemeSource], *, conference: str = "") -> ThemesFound: ...


def theme_source(result: PaperResult, parsed: ParsedPaper | None) -> ThemeSource | None:
    """A paper's verified claims and meaningful section titles, or None when it has no verified claim."""
    if result.summary is None:
        return None
    claims = tuple(
        Passage(" ".join(c.text.split()), next((e.location for e in c.evidence if e.location), None))
        for c in result.summary.verified_claims()
    )
    if not claims:
        return None
    headings: tuple[str, ...] = ()
    if parsed is not None:
        # "Introduction", "Related Work", "Acknowledgements" say nothing about the paper's subject.
        headings = tuple(
            dict.fromkeys(
                " ".join(s.heading.split())
                for s in parsed.sections
                if s.heading.strip() and section_kind(s.heading) in ("body", "results")
            )
        )
    return ThemeSource(result.paper_id, result.entry.title, claims, headings)


def input_sha256(sources: list[ThemeSource], identity: str) -> str:
    """Everything the themes depend on: an unchanged input reuses the themes of the last release."""
    blob = json.dumps([identity, [s.key() for s in sources]], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


# --------------------------------------------------------------------------- key phrases


def _phrases(text: str) -> set[str]:
    """Runs of 1-3 consecutive content words, never across punctuation, lower case."""
    out: set[str] = set()
    for segment in _SEGMENT_RE.split(text.lower()):
        tokens = _TOKEN_RE.findall(segment)
        run: list[str] = []
        for token in [*tokens, ""]:
            if token and token not in _stop_words() and len(token) >= 3:
                run.append(token)
                continue
            for n in range(1, MAX_NGRAM + 1):
                for i in range(len(run) - n + 1):
                    gram = run[i : i + n]
                    if not all(t in GENERIC for t in gram) and any(len(t) >= 4 for t in gram):
                        out.add(" ".join(gram))
            run = []
    return out


_STOP: frozenset[str] | None = None


def _stop_words() -> frozenset[str]:
    global _STOP
    if _STOP is None:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        _STOP = frozenset(ENGLISH_STOP_WORDS)
    return _STOP


def _texts(source: ThemeSource) -> list[Passage]:
    return [*source.claims, *(Passage(h, "section title") for h in source.headings)]


def _where_said(phrase: str, source: ThemeSource) -> Passage | None:
    pattern = re.compile(r"(?<![\w-])" + r"\s+".join(map(re.escape, phrase.split())) + r"(?![\w-])", re.I)
    for passage in _texts(source):
        if pattern.search(passage.text):
            return passage
    return None


def _printed(phrase: str, passage: Passage) -> str:
    """The phrase as the paper prints it (its capitals), for the label."""
    pattern = r"(?<![\w-])" + r"\s+".join(map(re.escape, phrase.split())) + r"(?![\w-])"
    found = re.search(pattern, passage.text, re.I)
    return " ".join(found.group(0).split()) if found else phrase


def _excerpt(text: str, phrase: str) -> str:
    if len(text) <= QUOTE_CHARS:
        return text
    at = text.lower().find(phrase.split()[0])
    start = max(0, at - QUOTE_CHARS // 3)
    cut = text[start : start + QUOTE_CHARS].strip()
    return ("…" if start else "") + cut.rsplit(" ", 1)[0] + "…"


class KeyPhraseThemes:
    """TF-IDF over each paper's phrases, agglomerative clustering (cosine, average linkage); a
    cluster is a theme when one phrase stands in every member's text, else its branches are tried."""

    identity = f"{KEY_PHRASES}-{KEY_PHRASES_VERSION}"

    def find(self, sources: list[ThemeSource], *, conference: str = "") -> ThemesFound:
        docs = [(s, _phrases(" . ".join(p.text for p in _texts(s)))) for s in sources]
        docs = [(s, p) for s, p in docs if p]
        if len(docs) < 2:
            return ThemesFound([])
        import numpy as np
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=lambda phrases: sorted(phrases), sublinear_tf=True)
        matrix = vectorizer.fit_transform([p for _, p in docs]).toarray()
        vocabulary = vectorizer.get_feature_names_out()
        weight = {str(t): float(w) for t, w in zip(vocabulary, matrix.sum(axis=0), strict=True)}
        n = len(docs)
        if n == 2:
            children = np.array([[0, 1]])
        else:
            tree = AgglomerativeClustering(
                n_clusters=1, metric="cosine", linkage="average", compute_full_tree=True
            ).fit(matrix)
            children = tree.children_
        themes = self._walk(2 * n - 2, children, docs, weight)
        themes.sort(key=lambda t: (-len(t.papers), t.label.lower()))
        return ThemesFound(themes[:MAX_THEMES])

    def _walk(
        self,
        node: int,
        children: object,
        docs: list[tuple[ThemeSource, set[str]]],
        weight: dict[str, float],
    ) -> list[Theme]:
        n = len(docs)
        if node < n:
            return []
        left, right = (int(x) for x in children[node - n])  # type: ignore[index]
        members = self._members(node, children, n)
        theme = self._theme(members, docs, weight)
        if theme is not None:
            return [theme]
        return self._walk(left, children, docs, weight) + self._walk(right, children, docs, weight)

    def _members(self, node: int, children: object, n: int) -> list[int]:
        if node < n:
            return [node]
        left, right = (int(x) for x in children[node - n])  # type: ignore[index]
        return self._members(left, children, n) + self._members(right, children, n)

    def _theme(
        self, members: list[int], docs: list[tuple[ThemeSource, set[str]]], weight: dict[str, float]
    ) -> Theme | None:
        # A phrase in every paper of the list names the list, not a theme within it.
        everywhere = set.intersection(*(p for _, p in docs)) if len(docs) > 2 else set()
        shared = set.intersection(*(docs[i][1] for i in members)) - everywhere
        if not shared:
            return None
        # Longer phrases first ("scientific documents" over "documents"), then weight over the list.
        phrase = max(shared, key=lambda p: (len(p.split()) > 1, weight.get(p, 0.0), p))
        papers: list[ThemePaper] = []
        label = phrase
        for i in sorted(members):
            source = docs[i][0]
            passage = _where_said(phrase, source)
            if passage is None:  # cannot happen: the phrase came from these texts
                return None
            if not papers:
                label = _printed(phrase, passage)
            papers.append(
                ThemePaper(
                    paper_id=source.paper_id,
                    title=source.title,
                    quote=_excerpt(passage.text, phrase),
                    where=passage.where,
                )
            )
        return Theme(label=label, papers=papers)
