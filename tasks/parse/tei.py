"""GROBID TEI XML -> ParsedPaper: the same model the local parser produces."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from tasks.models import Author, Caption, Citation, ParsedPaper, Reference, Section
from tasks.parse.errors import ParseError
from tasks.parse.text import find_urls

GROBID_PARSER = "grobid"
# Bump when the TEI -> ParsedPaper mapping changes: it is part of the parse cache key.
TEI_MAPPING_VERSION = "1.1.0"  # 1.1: hidden text cut from the GROBID output (select.py)

TEI_NS = "http://www.tei-c.org/ns/1.0"
NS = {"t": TEI_NS}
_ARXIV_RE = re.compile(r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)")
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# GROBID puts "Figure 3 :" in <head>; captions start with their own label too.
_LABEL_PREFIX_RE = re.compile(r"^\s*(fig(?:ure)?|table|tab)\.?\s*[\w.]+\s*[:.]\s*", re.I)
# No DTDs, no entities, no network: a TEI body comes from a server we do not control.
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def parse_tei(tei: str | bytes, source: str, *, pdf_sha256: str | None = None) -> ParsedPaper:
    """Map a GROBID processFulltextDocument TEI to a ParsedPaper; errors name source."""
    root = _load(tei, source)
    notices: list[str] = []
    header = root.find("t:teiHeader", NS)
    if header is None:
        raise ParseError(source, "the TEI has no teiHeader: not GROBID fulltext output")
    title = _text(header.find("t:fileDesc/t:titleStmt/t:title", NS))
    if not title:
        raise ParseError(source, "the TEI has no title: GROBID found no title in the header")
    version = root.xpath("string(.//t:application[@ident='GROBID']/@version)", namespaces=NS).strip()
    if not version:
        version = "unknown"
        notices.append("the TEI names no GROBID version")
    # 1. Header: authors, abstract, keywords
    authors = [_author(el) for el in header.iterfind("t:fileDesc/t:sourceDesc/t:biblStruct//t:author", NS)]
    authors = [a for a in authors if a is not None]
    abstract_ps = _abstract_paragraphs(header)
    abstract = "\n\n".join(t for t in (_text(p) for p in abstract_ps) if t)
    keywords = [_text(t) for t in header.iterfind("t:profileDesc/t:textClass/t:keywords//t:term", NS)]
    # 2. References first: in-text citations point into them
    bibls = root.findall("t:text/t:back//t:listBibl/t:biblStruct", NS)
    references = [_reference(b) for b in bibls]
    ref_index = {b.get(_xml("id")): i for i, b in enumerate(bibls) if b.get(_xml("id"))}
    # 3. Body and back-matter sections, with citation links
    citations: list[Citation] = []
    for i, p in enumerate(abstract_ps):
        citations += _citations(p, -1, i, ref_index)
    sections: list[Section] = []
    for div in _section_divs(root):
        _add_section(div, sections, citations, ref_index)
    # 4. Figures and tables, footnotes, URLs
    captions = [c for c in (_caption(f) for f in root.iterfind("t:text//t:figure", NS)) if c]
    texts = [abstract, *(p for s in sections for p in s.paragraphs), *(c.text for c in captions)]
    urls = find_urls([*texts, *_footnotes_and_links(root)])
    if not sections:
        notices.append("GROBID found no body sections")
    if not references:
        notices.append("GROBID found no reference list")
    return ParsedPaper(
        title=title,
        authors=authors,
        abstract=abstract,
        sections=sections,
        captions=captions,
        references=references,
        urls=urls,
        page_count=_page_count(root),
        parser=GROBID_PARSER,
        parser_version=version,
        pdf_sha256=pdf_sha256,
        notices=notices,
        keywords=[k for k in keywords if k],
        citations=citations,
    )


def _abstract_paragraphs(header: Any) -> list[Any]:
    """The abstract's paragraphs, or the abstract itself where it has none."""
    paragraphs = header.findall("t:profileDesc/t:abstract//t:p", NS)
    abstract = header.find("t:profileDesc/t:abstract", NS)
    return [abstract] if not paragraphs and abstract is not None else paragraphs


def _footnotes_and_links(root: Any) -> list[str]:
    """The footnotes' texts and the web links of the body (the bibliography's are the references')."""
    footnotes = [_text(n) for n in root.iterfind("t:text//t:note[@place='foot']", NS)]
    targets = [
        el.get("target", "")
        for el in root.iterfind("t:text//*", NS)
        if (el.tag == f"{{{TEI_NS}}}ptr" or (el.tag == f"{{{TEI_NS}}}ref" and el.get("type") == "url"))
        and not _in_bibliography(el)
    ]
    return [*footnotes, *(t for t in targets if t.startswith(("http", "www.")))]


def _load(tei: str | bytes, source: str) -> Any:
    data = tei.encode() if isinstance(tei, str) else tei
    if not data.strip():
        raise ParseError(source, "the TEI is empty")
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(source, f"malformed TEI XML: {exc}") from exc
    if root.tag != f"{{{TEI_NS}}}TEI":
        raise ParseError(source, f"not a TEI document: the root element is {root.tag!r}")
    return root


def _xml(name: str) -> str:
    return f"{{http://www.w3.org/XML/1998/namespace}}{name}"


def _text(el: Any) -> str:
    """All text under el with whitespace collapsed (TEI is xml:space=preserve, full of layout)."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def _person_name(pers: Any) -> str:
    parts = []
    for fore in pers.iterfind("t:forename", NS):
        name = _text(fore)
        # GROBID drops the dot of a middle initial: "Daniel S Weld" -> "Daniel S. Weld".
        parts.append(name + "." if len(name) == 1 and name.isalpha() else name)
    parts.append(_text(pers.find("t:surname", NS)))
    return " ".join(p for p in parts if p)


def _author(el: Any) -> Author | None:
    pers = el.find("t:persName", NS)
    name = _person_name(pers) if pers is not None else ""
    if not name:
        return None
    affiliations: list[str] = []
    for aff in el.iterfind("t:affiliation", NS):
        text = _affiliation(aff)
        if text and text not in affiliations:
            affiliations.append(text)
    orcid = _text(el.find("t:idno[@type='ORCID']", NS)) or None
    return Author(
        name=name, affiliations=affiliations, email=_text(el.find("t:email", NS)) or None, orcid=orcid
    )


def _affiliation(aff: Any) -> str:
    """Organisations from the most specific to the institution, then the place: one readable line."""
    order = {"laboratory": 0, "department": 1, "institution": 2}
    orgs = sorted(aff.iterfind("t:orgName", NS), key=lambda o: order.get(o.get("type", ""), 3))
    parts = [_text(o) for o in orgs]
    address = aff.find("t:address", NS)
    if address is not None:
        parts += [_text(child) for child in address if isinstance(child.tag, str)]
    seen: dict[str, None] = {}
    for part in parts:
        if part:
            seen.setdefault(part, None)
    return ", ".join(seen) or _text(aff.find("t:note[@type='raw_affiliation']", NS))


def _section_divs(root: Any) -> list[Any]:
    """Body divs, then acknowledgement and appendix divs of the back matter (not the bibliography)."""
    divs = list(root.iterfind("t:text/t:body/t:div", NS))
    for div in root.iterfind("t:text/t:back//t:div", NS):
        if div.find("t:listBibl", NS) is None and div.find("t:div", NS) is None:
            divs.append(div)
    return divs


def _add_section(div: Any, sections: list[Section], citations: list[Citation], refs: dict[str, int]) -> None:
    head = div.find("t:head", NS)
    heading = _text(head)
    paragraphs: list[str] = []
    elements = [c for c in div if c.tag in (f"{{{TEI_NS}}}p", f"{{{TEI_NS}}}formula")]
    if not heading and sections:
        # A div without a head continues the previous section (GROBID splits at floats and pages).
        section = sections[-1]
    else:
        if not heading:
            heading = "Acknowledgements" if div.get("type") == "acknowledgement" else ""
        section = Section(heading=heading, number=(head.get("n") if head is not None else None) or None)
        sections.append(section)
    index = len(sections) - 1
    for el in elements:
        text = _text(el)
        if not text:
            continue
        citations += _citations(el, index, len(section.paragraphs) + len(paragraphs), refs)
        paragraphs.append(text)
    section.paragraphs.extend(paragraphs)


def _citations(el: Any, section: int, paragraph: int, refs: dict[str, int]) -> list[Citation]:
    out = []
    for ref in el.iterfind(".//t:ref[@type='bibr']", NS):
        target = (ref.get("target") or "").lstrip("#")
        if target in refs:
            out.append(
                Citation(section=section, paragraph=paragraph, reference=refs[target], text=_text(ref))
            )
    return out


def _caption(fig: Any) -> Caption | None:
    kind = "table" if fig.get("type") == "table" else "figure"
    desc = _text(fig.find("t:figDesc", NS))
    head = _text(fig.find("t:head", NS)).rstrip(" :.")
    number = _text(fig.find("t:label", NS))
    label = head or (f"{kind.title()} {number}" if number else None)
    if not desc:
        return None
    desc = (
        _LABEL_PREFIX_RE.sub("", desc, count=1) if label and desc.lower().startswith(label.lower()) else desc
    )
    coords = fig.get("coords")
    return Caption(kind=kind, label=label, text=desc, page=_first_page(coords), coords=coords)


def _first_page(coords: str | None) -> int | None:
    if not coords:
        return None
    head = coords.split(",", 1)[0].strip()
    return int(head) if head.isdigit() else None


def _page_count(root: Any) -> int:
    """Pages from <facsimile> surfaces or the highest page in any coords attribute; 0 when unknown."""
    pages = [
        int(s.get("n")) for s in root.iterfind(".//t:facsimile/t:surface", NS) if s.get("n", "").isdigit()
    ]
    for coords in root.xpath("//@coords"):
        for box in str(coords).split(";"):
            page = _first_page(box)
            if page:
                pages.append(page)
    return max(pages, default=0)


def _in_bibliography(el: Any) -> bool:
    return any(a.tag == f"{{{TEI_NS}}}listBibl" for a in el.iterancestors())


def _reference(bibl: Any) -> Reference:
    analytic = bibl.find("t:analytic", NS)
    monogr = bibl.find("t:monogr", NS)
    title = _text(analytic.find("t:title", NS)) if analytic is not None else ""
    venue = _text(monogr.find("t:title", NS)) if monogr is not None else ""
    if not title:
        title, venue = venue, ""
    people = bibl.findall("t:analytic/t:author/t:persName", NS) or bibl.findall(
        "t:monogr/t:author/t:persName", NS
    )
    authors = [n for n in (_person_name(p) for p in people) if n]
    when = bibl.xpath("string(.//t:imprint/t:date[@type='published']/@when)", namespaces=NS)
    year_match = _YEAR_RE.search(when or _text(bibl.find(".//t:imprint/t:date", NS)))
    year = int(year_match.group(1)) if year_match else None
    doi = _text(bibl.find(".//t:idno[@type='DOI']", NS)) or None
    arxiv = None
    for idno in bibl.iterfind(".//t:idno", NS):
        text = _text(idno)
        if idno.get("type") == "arXiv" or "arxiv" in text.lower():
            match = _ARXIV_RE.search(text)
            arxiv = match.group(1) if match else None
            break
    raw = _text(bibl.find("t:note[@type='raw_reference']", NS))
    if not raw:
        raw = ". ".join(p for p in (", ".join(authors), str(year or ""), title, venue) if p)
    return Reference(
        raw=raw, title=title or None, year=year, authors=authors, venue=venue or None, doi=doi, arxiv=arxiv
    )
