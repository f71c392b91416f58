"""The local PDF parser: pdfium text runs -> ParsedPaper, without a GROBID server."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tasks.models import HiddenText, ParsedPaper, sha256_bytes
from tasks.parse.abstract import split_abstract
from tasks.parse.columns import order_page
from tasks.parse.errors import (
    EncryptedPdfError,
    NoTextLayerError,
    ParseError,
    TooManyPagesError,
    TruncatedPdfError,
)
from tasks.parse.frontmatter import FrontMatter, FrontMatterParams, read_front_matter
from tasks.parse.hidden_passages import hidden_notices, join_hidden
from tasks.parse.layout import (
    FontCache,
    Line,
    Page,
    body_font_size,
    group_lines,
    mark_running_lines,
    page_spans,
)
from tasks.parse.metadata import PdfMetadata, read_metadata
from tasks.parse.references import split_references
from tasks.parse.structure import (
    Block,
    Layout,
    build_blocks,
    measure,
    sections_and_references,
)
from tasks.parse.text import Vocabulary, find_urls, join_lines
from tasks.parse.validate import check_pdf_bytes
from tasks.parse.visibility import HiddenRun, TextRunWalker, hidden_runs
from tasks.parse.visible_text import visible_page_texts
from tasks.pdfium import PDFIUM_LOCK

PARSER_NAME = "local"
# 1.1: hidden text kept out of every field, listed in hidden_text
# 1.2: real layouts: accents drawn apart, namesakes, names over lines and side by side, abstracts
# without a heading, sidebars and margins, tables of contents; URLs whole (link targets)
# 1.3: journal front matter: genre labels, author blocks read block by block, names in capitals,
# structured and run-in abstracts, the PDF's metadata as evidence, columns of unequal width
# 1.4: every page's visible lines kept (page_lines: the reproducibility card reads no PDF)
PARSER_VERSION = "1.4.0"

# pdfium is not thread-safe and Prefect may run parse tasks in threads: one document at a time.
_PDFIUM_LOCK = PDFIUM_LOCK  # shared with the comic stage's figure extraction
# Pages with fewer characters than this count as having no text layer.
_MIN_PAGE_CHARS = 30


def parse_pdf_file(path: str | Path, *, max_pages: int = 200) -> ParsedPaper:
    """Parse a PDF file; errors name the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read the file: {exc.strerror or exc}") from exc
    return parse_pdf_bytes(data, str(path), max_pages=max_pages)


def parse_pdf_bytes(data: bytes, source: str, *, max_pages: int = 200) -> ParsedPaper:
    """Parse PDF bytes into a ParsedPaper; source (file name or URL) is named in every error."""
    # 1. Cheap checks on the bytes
    check_pdf_bytes(data, source)
    # 2-3. Text runs -> lines, page by page; page layout
    doc = lay_out(data, source, max_pages)
    pages, layout, vocab = doc.pages, doc.layout, doc.vocab
    # 4. Front matter on page 1 (page 2 after a cover page), the abstract after it
    head = read_head(doc)
    notices = doc.notices + head.notices
    front, blocks, small = head.front, head.blocks, head.small
    # 5. Body: sections, captions, references
    sections, captions, ref_lines = sections_and_references(blocks[head.body_start :], layout, vocab)
    references = split_references(ref_lines, vocab)
    if not sections:
        notices.append("no section headings found")
    if not references:
        notices.append("no reference list found")
    # 6. URLs from the front matter, prose, captions and footnotes (not from the reference list);
    # the PDF's link targets complete those its text shows cut short.
    byline = [line.text for line in pages[front.page].lines[: front.flow_start] if not line.drop]
    texts = [join_lines(byline, vocab), head.abstract, *(p for s in sections for p in s.paragraphs)]
    texts += [c.text for c in captions] + _small_print(small, vocab)
    return ParsedPaper(
        title=front.title,
        authors=front.authors,
        abstract=head.abstract,
        sections=sections,
        captions=captions,
        references=references,
        urls=find_urls(texts, doc.links),
        page_count=len(pages),
        parser=PARSER_NAME,
        parser_version=PARSER_VERSION,
        pdf_sha256=sha256_bytes(data),
        notices=notices,
        hidden_text=join_hidden(doc.hidden),
        page_lines=[[line.text for line in page.lines] for page in pages],
    )


@dataclass
class LaidOut:
    """A PDF read and laid out: lines in reading order, document measures, what it says about itself."""

    pages: list[Page]
    layout: Layout
    vocab: Vocabulary
    meta: PdfMetadata
    hidden: list[HiddenRun]
    links: list[str]
    notices: list[str]


def lay_out(data: bytes, source: str, max_pages: int = 200) -> LaidOut:
    """Steps 2-3 of the parse: every page's lines, running heads dropped, columns and reading order."""
    with _PDFIUM_LOCK:
        pages, meta, hidden, links = _read_pages(data, source, max_pages)
    notices: list[str] = hidden_notices(hidden)
    _check_text_layer(pages, source, notices)
    mark_running_lines(pages)
    body_size = body_font_size(pages)
    for page in pages:
        order_page(page, body_size)
    layout = measure(pages, body_size)
    vocab = Vocabulary(line.text for page in pages for line in page.lines)
    return LaidOut(pages, layout, vocab, meta, hidden, links, notices)


@dataclass
class Head:
    """The front matter, the abstract, and the blocks of the text after the byline."""

    front: FrontMatter
    abstract: str
    blocks: list[Block]
    small: list[Line]
    body_start: int  # index in blocks of the first block after the abstract
    notices: list[str]


def read_head(doc: LaidOut, params: FrontMatterParams | None = None) -> Head:
    """Title, authors and abstract of a laid-out PDF (params: the front matter thresholds, for the bench)."""
    front = read_front_matter(doc.pages, doc.layout, doc.vocab, doc.meta, params)
    notices = list(front.notices)
    lead = doc.pages[front.page].lines[front.flow_start :]
    flow = lead + [line for page in doc.pages[front.page + 1 :] for line in page.lines]
    blocks, small = build_blocks(flow, doc.layout)
    abstract, body_start, notice, notes = split_abstract(blocks, doc.layout, doc.vocab)
    if notice:
        notices.append(notice)
    return Head(front, abstract, blocks, small + notes, body_start, notices)


def _open(data: bytes, source: str) -> pdfium.PdfDocument:
    """The pdfium document; errors name source and say whether it is encrypted or damaged."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise EncryptedPdfError(source, "the PDF is encrypted and needs a password to open") from exc
        if code == pdfium_c.FPDF_ERR_FORMAT:
            raise TruncatedPdfError(source, "the PDF is damaged or truncated: pdfium cannot read it") from exc
        raise ParseError(source, f"pdfium cannot open the PDF: {exc}") from exc


def _read_pages(
    data: bytes, source: str, max_pages: int
) -> tuple[list[Page], PdfMetadata, list[HiddenRun], list[str]]:
    """Every page's lines of visible text, the PDF's metadata, the hidden runs and the link targets."""
    doc = _open(data, source)
    try:
        count = len(doc)
        if count == 0:
            raise ParseError(source, "the PDF has no pages")
        if count > max_pages:
            raise TooManyPagesError(source, f"the PDF has {count} pages, over the cap of {max_pages}")
        fonts = FontCache()
        walker = TextRunWalker()
        pages: list[Page] = []
        hidden: list[HiddenRun] = []
        links: list[str] = []
        for index in range(count):
            page = doc[index]
            text_page = page.get_textpage()
            try:
                links += _link_targets(doc, page)
                width, height = page.get_size()
                spans, page_hidden = page_spans(
                    page.raw, text_page.raw, fonts, walker, index + 1, split_gaps=index == 0
                )
                pages.append(Page(index + 1, width, height, group_lines(spans, index + 1)))
                hidden += page_hidden
            finally:
                text_page.close()
                page.close()
        return pages, read_metadata(doc, data), hidden, links
    except pdfium.PdfiumError as exc:
        raise ParseError(source, f"pdfium failed while reading the pages: {exc}") from exc
    finally:
        doc.close()


def _link_targets(doc: pdfium.PdfDocument, page: pdfium.PdfPage) -> list[str]:
    """The URIs the page's link annotations point to (hyperref's \\url links): whole, never line-broken."""
    out: list[str] = []
    position = ctypes.c_int(0)
    link = pdfium_c.FPDF_LINK()
    while pdfium_c.FPDFLink_Enumerate(page.raw, ctypes.byref(position), ctypes.byref(link)):
        action = pdfium_c.FPDFLink_GetAction(link)
        if not action or pdfium_c.FPDFAction_GetType(action) != pdfium_c.PDFACTION_URI:
            continue
        size = pdfium_c.FPDFAction_GetURIPath(doc.raw, action, None, 0)
        if size <= 1 or size > 4096:
            continue
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFAction_GetURIPath(doc.raw, action, buffer, size)
        out.append(buffer.value.decode("latin-1").strip())
    return out


def find_hidden_text(data: bytes, source: str) -> tuple[list[HiddenText], list[str]]:
    """The PDF's hidden text, joined per page and reason, and the notice saying so (if any)."""
    hidden, notices, _ = read_beside(data, source, lines=False)
    return hidden, notices


def read_beside(
    data: bytes, source: str, *, lines: bool = True
) -> tuple[list[HiddenText], list[str], list[list[str]]]:
    """What a parser that does not read the PDF here needs of it (GROBID extracts hidden text like
    any other): the hidden text, the notice saying so, and every page's visible text lines (unless
    `lines` is false: reading them costs as much again)."""
    with _PDFIUM_LOCK:
        doc = _open(data, source)
        try:
            runs = hidden_runs(doc)
            texts = visible_page_texts(doc) if lines else []
        except pdfium.PdfiumError as exc:
            raise ParseError(source, f"pdfium failed while looking for hidden text: {exc}") from exc
        finally:
            doc.close()
    visible = [[" ".join(line.split()) for line in text.splitlines()] for text in texts]
    return join_hidden(runs), hidden_notices(runs), visible


def _check_text_layer(pages: list[Page], source: str, notices: list[str]) -> None:
    """Raise NoTextLayerError for image-only PDFs; note pages without text in partial scans."""
    chars = [sum(len(line.text) for line in page.lines) for page in pages]
    empty = sum(1 for n in chars if n < _MIN_PAGE_CHARS)
    if sum(chars) < _MIN_PAGE_CHARS * 3 or empty > 0.8 * len(pages):
        raise NoTextLayerError(
            source,
            f"{empty} of {len(pages)} pages have no text layer (a scanned or image-only PDF); "
            "run OCR first, e.g. `ocrmypdf in.pdf out.pdf`",
        )
    if empty:
        notices.append(f"{empty} of {len(pages)} pages have no text layer (images only?)")


def _small_print(lines: list[Line], vocab: Vocabulary) -> list[str]:
    """Footnotes and other small text, joined per page column so URLs cut at line ends rejoin."""
    groups: dict[tuple[int, int], list[str]] = {}
    for line in lines:
        groups.setdefault((line.page, line.column), []).append(line.text)
    return [join_lines(texts, vocab) for texts in groups.values()]


def count_pages(data: bytes, source: str) -> int:
    """The page count alone (no text extraction): cheap, for parsers that never open the PDF here."""
    with _PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise ParseError(source, f"pdfium cannot open the PDF: {exc}") from exc
        try:
            return len(doc)
        finally:
            doc.close()
