"""Code, dataset, model and project links: found in text, classified, ranked, deduplicated.

On the ground floor: harvesting finds them in APIs, the reproducibility card in the paper, the
publisher adds the PDF's own to an entry.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal
from urllib.parse import urlparse

from tasks.models import AwardEntry, Links, Model

URL_RE = re.compile(r"https?://[^\s<>\"'(){}\[\],;]+", re.IGNORECASE)
# Where a link was found, most trustworthy first: curated beats the authors' own text beats a PDF.
SOURCE_WEIGHT = {"manifest": 3.0, "openreview": 2.0, "arxiv comment": 2.0, "arxiv abstract": 1.5, "pdf": 1.0}
PAPER_HOSTS = ("arxiv.org", "openreview.net", "doi.org", "semanticscholar.org", "proceedings.")


class FoundLink(Model):
    """A code / dataset / model / project link and where it was found."""

    url: str
    kind: Literal["code", "dataset", "model", "project"]
    found_in: str  # "manifest", "arxiv comment", "arxiv abstract", "openreview", "pdf"
    score: float = 0.0  # ranking: higher first


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.lower()) if len(w) > 2}


def url_key(url: str) -> str:
    """A link as letters and digits, without its scheme and www.: the same link however it is
    written or broken over lines ("https://github.com/allenai/specter" and "github.com/allenai/specter/")."""
    text = unicodedata.normalize("NFKC", url).lower()
    text = re.sub(r"^[a-z]+://(www\.)?", "", text.strip())
    return re.sub(r"[^a-z0-9]", "", text)


def classify(url: str) -> str | None:
    """kind of a URL: code (GitHub/GitLab repo), dataset / model (Hugging Face), project, or None."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().removeprefix("www.")
    parts = [p for p in parsed.path.split("/") if p]
    if host in {"github.com", "gitlab.com"}:
        return "code" if len(parts) >= 2 else None
    if host == "huggingface.co":
        if parts[:1] == ["datasets"]:
            return "dataset"
        if parts[:1] in (["spaces"], ["papers"], ["docs"], ["blog"]) or not parts:
            return None
        return "model"
    if host.endswith("github.io") or host.startswith("sites.google"):
        return "project"
    return None


def _clean(url: str) -> str:
    url = url.rstrip(".:")
    parsed = urlparse(url)
    if (parsed.hostname or "") in {"github.com", "gitlab.com"}:
        # Link to the repository, not to a file or tree inside it.
        parts = [p for p in parsed.path.split("/") if p][:2]
        return f"https://{parsed.hostname}/{'/'.join(parts)}".removesuffix(".git")
    return url


def find_links(text: str, found_in: str, title: str = "") -> list[FoundLink]:
    """Classified links in text, scored by source and by how well the URL names the paper."""
    title_words = _words(title)
    links: list[FoundLink] = []
    for raw in URL_RE.findall(text):
        url = _clean(raw)
        kind = classify(url)
        if kind is None:
            continue
        # A repo named like the paper is the paper's own code; one sharing no word is likely cited.
        name_words = _words(urlparse(url).path.replace("_", " ").replace("-", " "))
        overlap = len(name_words & title_words) / max(1, min(len(title_words), 4))
        score = SOURCE_WEIGHT.get(found_in, 1.0) + 2.0 * min(overlap, 1.0)
        links.append(FoundLink(url=url, kind=kind, found_in=found_in, score=round(score, 3)))
    return links


def manifest_links(links: Links) -> list[FoundLink]:
    """The curated links of a manifest entry, ranked above everything discovered."""
    found = [FoundLink(url=u, kind="code", found_in="manifest", score=10.0) for u in links.code]
    found += [FoundLink(url=u, kind="dataset", found_in="manifest", score=10.0) for u in links.datasets]
    found += [FoundLink(url=u, kind="model", found_in="manifest", score=10.0) for u in links.models]
    if links.project_page:
        found.append(FoundLink(url=links.project_page, kind="project", found_in="manifest", score=10.0))
    return found


def rank(links: list[FoundLink]) -> list[FoundLink]:
    """One record per URL (its best score, first source), best first."""
    best: dict[str, FoundLink] = {}
    for link in links:
        key = link.url.lower().rstrip("/")
        if key not in best or link.score > best[key].score:
            best[key] = link
    return sorted(best.values(), key=lambda link: (-link.score, link.url))


def as_links(found: list[FoundLink], paper: str | None = None) -> Links:
    """Ranked FoundLinks folded into the manifest's Links shape."""
    ranked = rank(found)
    project = next((f.url for f in ranked if f.kind == "project"), None)
    return Links(
        paper=paper,
        code=[f.url for f in ranked if f.kind == "code"],
        datasets=[f.url for f in ranked if f.kind == "dataset"],
        models=[f.url for f in ranked if f.kind == "model"],
        project_page=project,
    )


def _names_the_paper(url: str, title: str) -> bool:
    """True when the repository/dataset name is the paper's short name or made of its title words."""
    name = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1].lower()
    words = {w for w in re.split(r"[^a-z0-9]+", name) if w}
    title_words = {w for w in re.split(r"[^a-z0-9]+", title.lower()) if w}
    short_name = title.split(":", 1)[0].strip().lower() if ":" in title else None
    return bool(words) and (name == short_name or words <= title_words)


def with_pdf_links(entry: AwardEntry, urls: list[str]) -> AwardEntry:
    """The entry with the paper's own code/data/model/project links found in its PDF, where it has none.

    Only links named like the paper count: a PDF also cites other people's repositories.
    """
    found = [
        link
        for link in find_links("\n".join(urls), "pdf", entry.title)
        if _names_the_paper(link.url, entry.title)
    ]
    if not found:
        return entry
    pdf = as_links(found)
    links = entry.links
    update = {
        "code": links.code or pdf.code,
        "datasets": links.datasets or pdf.datasets,
        "models": links.models or pdf.models,
        "project_page": links.project_page or pdf.project_page,
    }
    return entry.model_copy(update={"links": links.model_copy(update=update)})
