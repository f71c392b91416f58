"""An HTML page as a reader of award lists sees it: blocks in document order, lines of styled runs.

The page is parsed by libxml2 (lxml), which implements HTML's implied end tags (`<p>` closes at the
next `<p>`) in linear time, and walked once, iteratively, so that the cost stays linear in the page
size whatever its nesting. (The previous reader used BeautifulSoup's html.parser builder: unclosed
`<p>`s nested into one deep chain whose text every block re-read, and every `<br>` grew a list the
builder scanned at each end tag; both quadratic.)

What is kept is what a reader of the rendered page sees and how it is set: a *block* is the inline
content of one block-level element (paragraph, list item, heading, table row...), split into *lines*
at `<br>`, at cell boundaries, at an element whose class names a field (`<span class="title">`) and
at a Markdown hard break the site left unrendered (a backslash at a line end); a line is a list of
*runs*, each with its emphasis (bold, italic), the link it sits in, and the field words of the
classes around it. Navigation, sidebars, footers, scripts, comments and hidden elements are not
part of the content and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree as etree


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Not content: menus, sidebars (tables of contents repeat every title), footers, code, forms.
SKIPPED = _set(
    "head script style noscript template nav aside footer form button select option iframe svg "
    "canvas object embed video audio map"
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = _set(
    "html body div section article main header p li dt dd ul ol dl table thead tbody tfoot tr "
    "blockquote figure figcaption caption address pre center hr details summary"
) | frozenset(HEADINGS)
CELLS = frozenset({"td", "th"})  # a row is one block, its cells its lines
BOLD = frozenset({"strong", "b"})
ITALIC = frozenset({"em", "i", "cite", "dfn", "var"})
# Class / id words that say what a field is; an element carrying one is a line of its own.
FIELD_WORDS = _set(
    "title titles paper papers author authors byline names award awards prize venue abstract "
    "winner winners finalist finalists nominee nominees"
)
_WORD_RE = re.compile(r"[a-z]+")
# A Markdown hard break left unrendered: a backslash with nothing but spaces before the line end.
_HARD_BREAK_RE = re.compile(r"(?<!\\)\\[ \t]*(?:\r?\n|$)")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@dataclass(frozen=True)
class Style:
    """How a run of text is set."""

    bold: bool = False
    italic: bool = False
    link: str | None = None  # the href of the link the run sits in
    marks: frozenset[str] = frozenset()  # field words of the classes / ids / column around it


@dataclass
class Run:
    text: str  # as in the page (whitespace not yet collapsed)
    style: Style


@dataclass
class Line:
    runs: list[Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(r.text for r in self.runs).split())


@dataclass
class Block:
    """The inline content of one block-level element, in lines."""

    index: int
    tag: str
    level: int  # 1-6 for a heading, 0 otherwise
    lines: list[Line]
    shape: str  # the element's tag path (with class words): what its repeated siblings share
    marks: frozenset[str]  # field words of the element and its ancestors

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass
class Page:
    title: str  # the document's <title>
    blocks: list[Block]


# A class naming the page's own title or chrome ("page__title", "post-title"), not a listed paper's.
PAGE_WORDS = _set("page post entry site article section nav menu header hero toc sidebar widget blog")


def _words(el: etree._Element, tag: str) -> frozenset[str]:
    tokens = f"{el.get('class') or ''} {el.get('itemprop') or ''}".lower().split()
    if tag not in HEADINGS and tag != "a":  # a heading's or anchor's id is a slug of its own text
        tokens += (el.get("id") or "").lower().split()
    found: set[str] = set()
    for token in tokens:
        words = set(_WORD_RE.findall(token))
        if not words & PAGE_WORDS:
            found |= words & FIELD_WORDS
    return frozenset(found)


def _hidden(el: etree._Element) -> bool:
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or bool(_HIDDEN_STYLE_RE.search(el.get("style") or ""))
    )


@dataclass
class _Open:
    """An element being walked: what it changed, so that its end undoes it."""

    block: bool = False
    style: Style | None = None  # the style before it, when it changed the style
    field_line: bool = False
    column: bool = False


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.lines: list[Line] = [Line()]
        self.style = Style()
        self.block_stack: list[tuple[str, int, str, frozenset[str]]] = [("html", 0, "", frozenset())]
        self.header_roles: list[frozenset[str]] = []  # field words per column of the current table
        self.row_header: list[frozenset[str]] | None = None  # the current row, while all its cells are <th>
        self.column = 0

    # ------------------------------------------------------------------ text
    def text(self, value: str | None) -> None:
        if not value or (not self.lines[-1].runs and value.isspace()):
            return  # leading whitespace of a line: nothing to keep (most of a page's text nodes)
        pieces = _HARD_BREAK_RE.split(value)
        for n, piece in enumerate(pieces):
            if n:
                self.newline()
            if not piece:
                continue
            runs = self.lines[-1].runs
            if runs and runs[-1].style == self.style:
                runs[-1].text += piece
            else:
                runs.append(Run(piece, self.style))

    def newline(self) -> None:
        if self.lines[-1].runs:
            self.lines.append(Line())

    def flush(self) -> None:
        if len(self.lines) == 1 and not self.lines[0].runs:
            return  # nothing since the last block: the common case of empty or nested blocks
        lines = [line for line in self.lines if line.text]
        if lines:
            tag, level, shape, marks = self.block_stack[-1]
            self.blocks.append(Block(len(self.blocks), tag, level, lines, shape, marks))
        self.lines = [Line()]

    # ------------------------------------------------------------------ elements
    def start(self, el: etree._Element, tag: str) -> _Open:
        opened = _Open()
        words = _words(el, tag) if el.attrib else frozenset()
        if tag in BLOCKS:
            self.flush()
            _, _, shape, marks = self.block_stack[-1]
            cls = ".".join(sorted(_WORD_RE.findall((el.get("class") or "").lower()))[:2]) if el.attrib else ""
            path = f"{shape}/{tag}{'.' + cls if cls else ''}".split("/")[-4:]
            self.block_stack.append((tag, HEADINGS.get(tag, 0), "/".join(path), marks | words))
            opened.block = True
            if tag == "tr":
                self.column, self.row_header = 0, []
        elif tag in CELLS:
            self.newline()
            if tag == "th" and self.row_header is not None:
                self.row_header.append(
                    frozenset(_WORD_RE.findall("".join(el.itertext()).lower())) & FIELD_WORDS
                )
            else:
                self.row_header = None
            # A column headed "Title" / "Authors" / "Award" says what its cells are.
            if self.column < len(self.header_roles):
                words |= self.header_roles[self.column]
            self.column += 1
            opened.column = True
        elif tag == "br":
            self.newline()
        if tag == "table":
            self.header_roles = []
        bold, italic = self.style.bold or tag in BOLD, self.style.italic or tag in ITALIC
        link = el.get("href") if tag == "a" and el.get("href") else self.style.link
        if words and tag not in BLOCKS:
            self.newline()
            opened.field_line = True
        if (bold, italic, link) != (self.style.bold, self.style.italic, self.style.link) or words:
            opened.style = self.style
            self.style = Style(bold, italic, link, self.style.marks | words)
        return opened

    def end(self, el: etree._Element, opened: _Open) -> None:
        if opened.style is not None:
            self.style = opened.style
        if opened.field_line or opened.column:
            self.newline()
        if opened.block:
            self.flush()
            if self.block_stack[-1][0] == "tr" and self.row_header:
                self.header_roles = self.row_header  # a row of header cells names the columns below
            self.block_stack.pop()
        self.text(el.tail)


def _parse(html: str) -> etree._Element | None:
    # lxml.etree's parser, not lxml.html's: the same libxml2 parse without a Python class per element.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        return etree.fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):  # an empty or bodiless document
        return None


def read_page(html: str) -> Page:
    """The page's blocks in document order (module doc); linear in the size of the page."""
    root = _parse(html)
    if root is None:
        return Page(title="", blocks=[])
    title_el = root.find(".//title")
    title = " ".join("".join(title_el.itertext()).split()) if title_el is not None else ""
    walker = _Walker()
    opened: list[_Open | None] = []  # None: a skipped element
    walk = etree.iterwalk(root, events=("start", "end"))
    for event, el in walk:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag or tag in SKIPPED or (el.attrib and _hidden(el)):
                walk.skip_subtree()  # its end event still comes, with its tail
                opened.append(None)
                continue
            opened.append(walker.start(el, tag))
            walker.text(el.text)
        else:
            state = opened.pop()
            if state is None:
                walker.text(el.tail)
            else:
                walker.end(el, state)
    walker.flush()
    return Page(title=title, blocks=walker.blocks)
