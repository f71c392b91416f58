"""Front matter of templates that are in no fixture, drawn by hand the way their publishers set them:
a letter under its genre label, an IEEE Transactions byline with society grades, an ACM journal's
names in capitals, a cover page before the paper, a team as the author, 25 authors over four lines,
author blocks side by side with two names in one block, and the PDF's own metadata, right and wrong."""

from __future__ import annotations

from tasks.models import ParsedPaper
from tasks.parse.authors import parse_authors
from tasks.parse.frontmatter import FrontMatterParams, is_genre_label, read_front_matter
from tasks.parse.local import lay_out, parse_pdf_bytes
from tasks.parse.names import looks_like_name, normal_case
from tests.parse.pdfs import build_pdf


def escape(text: str) -> bytes:
    """Text as the body of a PDF literal string in WinAnsi (cp1252): accents and dashes included."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")


def text_lines(x: float, y: float, size: float, lines: list[str], *, font: bytes = b"F1") -> list[bytes]:
    """One BT block per line, top to bottom at 1.2 x size leading, starting at baseline y."""
    return [_run(x, y - i * 1.2 * size, size, line, font) for i, line in enumerate(lines)]


BODY = [
    "Every year a handful of papers receive an award and most readers never get past the title of",
    "any of them. We read each of these papers with a parser that knows nothing about the venue,",
    "and we write down what the first page says about the paper: its title, its authors and the",
    "first sentence of its abstract, so that a reader can decide in a minute whether to read on.",
    "The rules we use come from how publishers set a first page rather than from any one template.",
]
ABSTRACT = [
    "Award lists name papers that nobody has parsed before, in templates nobody has seen. We show",
    "that the front matter of a paper can be read from its typography alone: the type sizes, the",
    "positions of lines, the marks after names and the words that publishers print above a title.",
]


def _pdf(pages: list[list[bytes]], info: bytes = b"", xmp: str = "") -> bytes:
    """Pages of content-stream operators in WinAnsi Times (/F1 roman, /F2 bold), with an optional
    document information dictionary (info: its entries) and XMP packet."""
    n = len(pages)
    kids = b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(n))
    extra = 5 + 2 * n
    catalog = b"<< /Type /Catalog /Pages 2 0 R %s>>" % (b"/Metadata %d 0 R " % (extra + 1) if xmp else b"")
    objects = [
        catalog,
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Bold /Encoding /WinAnsiEncoding >>",
    ]
    for i, ops in enumerate(pages):
        content = b"\n".join(ops)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % (5 + 2 * i)
        )
    objects.append(b"<< %s >>" % info)
    if xmp:
        packet = xmp.encode()
        objects.append(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(packet) + packet)
        objects[-1] += b"\nendstream"
    return build_pdf(objects, trailer_extra=b"/Info %d 0 R " % extra)


def _run(x: float, y: float, size: float, text: str, font: bytes = b"F1") -> bytes:
    return b"BT /%s %.1f Tf %.1f %.1f Td (%s) Tj ET" % (font, size, x, y, escape(text))


def _marked(x: float, y: float, size: float, parts: list[tuple[str, str]], font: bytes = b"F1") -> bytes:
    """One line of names, each followed by a raised mark ("1", "2,3", "*")."""
    ops = b"BT %.1f %.1f Td " % (x, y)
    for name, mark in parts:
        ops += b"/%s %.1f Tf (%s) Tj " % (font, size, escape(name))
        if mark:
            ops += b"/%s %.1f Tf %.1f Ts (%s) Tj 0 Ts " % (font, 0.6 * size, 0.4 * size, escape(mark))
    return ops + b"ET"


def _body(y: float) -> list[bytes]:
    return [_run(72, y, 12, "1 Introduction", b"F2"), *text_lines(72, y - 18, 10, BODY * 3)]


def _names(paper: ParsedPaper) -> list[str]:
    return [a.name for a in paper.authors]


def test_a_letter_under_its_genre_label() -> None:
    """A Nature-style letter: "Letter" and a journal header above the title, names with numbered marks
    and "&", an abstract with no heading set in bold."""
    ops = [
        _run(72, 750, 9, "https://doi.org/10.1038/s00000-000-0000-0"),
        _run(72, 726, 24, "Letter", b"F2"),  # the largest text on the page, as in Nature
        _run(72, 700, 20, "Comics explain award papers to", b"F2"),
        _run(72, 676, 20, "readers outside the field", b"F2"),
        _marked(72, 650, 10, [("Ada Byron", "1"), (", Grace Hopper", "2,3"), (" & Mary Somerville", "1")]),
        *text_lines(72, 626, 10, ABSTRACT, font=b"F2"),
        *_body(560),
    ]
    paper = parse_pdf_bytes(_pdf([ops]), "letter.pdf")
    assert paper.title == "Comics explain award papers to readers outside the field"
    assert _names(paper) == ["Ada Byron", "Grace Hopper", "Mary Somerville"]
    assert paper.abstract.startswith("Award lists name papers that nobody has parsed before")


def test_ieee_transactions_byline_with_society_grades() -> None:
    ops = [
        _run(72, 720, 22, "Reading Front Matter Without a Template"),
        _run(72, 690, 11, "Jane Q. Public, Member, IEEE, Richard Roe, Senior Member, IEEE,"),
        _run(72, 676, 11, "and Li Wei, Fellow, IEEE"),
        _run(72, 650, 9, "Abstract\u2014" + " ".join(ABSTRACT), b"F2"),
        *_body(600),
    ]
    paper = parse_pdf_bytes(_pdf([ops]), "transactions.pdf")
    assert _names(paper) == ["Jane Q. Public", "Richard Roe", "Li Wei"]
    assert paper.abstract.startswith("Award lists name papers")


def test_acm_journal_names_in_capitals_with_their_affiliations() -> None:
    """acmsmall prints "NAME, Affiliation, Country" per line, the names in small capitals."""
    ops = [
        _run(72, 720, 14, "Reading Front Matter Without a Template", b"F2"),
        _run(72, 696, 9, "ANNA-LENA O'NEILL, University of Vienna, Austria"),
        _run(72, 682, 9, "JOAO SILVA, Instituto Superior Tecnico, Portugal"),
        *text_lines(72, 660, 9, ABSTRACT),
        *_body(600),
    ]
    paper = parse_pdf_bytes(_pdf([ops]), "acm.pdf")
    assert _names(paper) == ["Anna-Lena O'Neill", "Joao Silva"]
    assert paper.authors[0].affiliations == ["University of Vienna, Austria"]


def test_capitals_without_evidence_are_no_names() -> None:
    """A thesis title page's boilerplate in capitals is not an author; a name in capitals with a mark is."""
    assert not looks_like_name("MASTER OF SCIENCE") and not looks_like_name("DOCTOR PHILOSOPHY")
    assert looks_like_name("ANDREW CHARLES", caps_ok=True)
    assert normal_case("Ross G. DOUGLAS") == "Ross G. Douglas"
    assert normal_case("Ralph L. McAnelly") == "Ralph L. McAnelly"
    assert looks_like_name("王小明") and looks_like_name("山田 太郎") and not looks_like_name("北京大学")


def test_a_cover_page_sends_the_reader_to_page_two() -> None:
    cover = [
        _run(72, 700, 28, "Journal of Reproducible Comics", b"F2"),
        _run(72, 660, 12, "Accepted manuscript, posted with the publisher's permission."),
        _run(72, 640, 12, "This version may differ from the version of record."),
    ]
    paper_page = [
        _run(72, 720, 18, "Reading Front Matter Without a Template", b"F2"),
        _marked(72, 694, 11, [("Ada Byron", "1"), (" and Alan Turing", "2")]),
        _marked(72, 678, 9, [("", "1"), ("Analytical Engine Society, London, UK", "")]),
        _marked(72, 666, 9, [("", "2"), ("University of Manchester, UK", "")]),
        _run(72, 640, 11, "Abstract", b"F2"),
        *text_lines(72, 624, 10, ABSTRACT),
        *_body(560),
    ]
    paper = parse_pdf_bytes(_pdf([cover, paper_page]), "cover.pdf")
    assert paper.title == "Reading Front Matter Without a Template"
    assert _names(paper) == ["Ada Byron", "Alan Turing"]
    assert paper.authors[1].affiliations == ["University of Manchester, UK"]
    assert paper.abstract.startswith("Award lists name papers")


def test_a_team_signs_when_no_person_is_named() -> None:
    ops = [
        _run(72, 720, 18, "Reading Front Matter Without a Template", b"F2"),
        _run(200, 694, 12, "The Paperpanels Collaboration"),
        _run(72, 660, 11, "Abstract", b"F2"),
        *text_lines(72, 644, 10, ABSTRACT),
        *_body(580),
    ]
    assert _names(parse_pdf_bytes(_pdf([ops]), "team.pdf")) == ["The Paperpanels Collaboration"]


def test_twenty_five_authors_over_four_lines() -> None:
    first = "Wei Zhang, Yuki Tanaka, Min-jun Kim, Ngozi Okafor, Lars-Göran Nilsson, Aoife Byrne, Jan de Vries"
    second = "Priya Raman, Chen Xi, Hiroshi Sato, Ji-woo Park, Amara Diallo, Sofia Rossi, Omar Haddad"
    third = "Elena Petrova, Tomás Ortega, Mei Lin, Kofi Mensah, Ines Costa, Arjun Mehta, Sara Cohen"
    # "Zheng" / "Liu": one name broken at the end of the third line.
    lines = [first + ",", second + ",", third + ", Zheng"]
    lines.append("Liu, Yusuf Demir, Hana Novak and Olga Ivanova")
    ops = [
        _run(72, 720, 18, "Reading Front Matter Without a Template", b"F2"),
        *text_lines(72, 696, 9, lines),
        _run(72, 640, 11, "Abstract", b"F2"),
        *text_lines(72, 624, 10, ABSTRACT),
        *_body(560),
    ]
    names = _names(parse_pdf_bytes(_pdf([ops]), "many.pdf"))
    rest = ["Zheng Liu", "Yusuf Demir", "Hana Novak", "Olga Ivanova"]
    assert names == f"{first}, {second}, {third}".split(", ") + rest
    assert len(names) == 25


def test_author_blocks_side_by_side_are_read_block_by_block() -> None:
    """Three blocks in a row; the middle one holds two authors, one under the other (as CHI papers do)."""
    ops = [
        _run(150, 720, 18, "Reading Front Matter Without a Template", b"F2"),
        _run(90, 690, 12, "Ada Byron"),
        _run(260, 690, 12, "Alan Turing"),
        _run(430, 690, 12, "Grace Hopper"),
        _run(260, 676, 12, "Mary Somerville"),
        _run(80, 676, 9, "Analytical Engine Society"),
        _run(250, 662, 9, "University of Manchester"),
        _run(420, 676, 9, "Harvard University"),
        _run(72, 630, 11, "Abstract", b"F2"),
        *text_lines(72, 614, 10, ABSTRACT),
        *_body(560),
    ]
    paper = parse_pdf_bytes(_pdf([ops]), "blocks.pdf")
    assert _names(paper) == ["Ada Byron", "Alan Turing", "Mary Somerville", "Grace Hopper"]


def test_the_metadata_title_confirms_large_lines_and_is_ignored_when_wrong() -> None:
    """A journal's name is the largest text on the page; the metadata title picks out the real title.
    A file name in the metadata confirms nothing; metadata authors confirm a name printed in capitals."""
    ops = [
        _run(40, 740, 24, "Chemical Comics", b"F2"),
        _run(180, 700, 16, "Generation of bright monomeric comics via"),
        _run(180, 680, 16, "computational design of panels"),
        _run(180, 656, 10, "SANDRINE LEGAULT"),
        *text_lines(180, 630, 8, ABSTRACT),
        *_body(560),
    ]
    title = "Generation of bright monomeric comics via computational design of panels"
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt>'
        f'<rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title><dc:creator><rdf:Seq>'
        "<rdf:li>Sandrine Legault</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    paper = parse_pdf_bytes(_pdf([ops], xmp=xmp), "meta.pdf")
    assert paper.title == title
    assert _names(paper) == ["Sandrine Legault"]
    wrong = parse_pdf_bytes(
        _pdf([ops], info=b"/Title (Microsoft Word - 02. 206.doc) /Author (typesetter)"), "w.pdf"
    )
    assert wrong.title == "Chemical Comics"  # the largest text: nothing confirms another
    assert _names(wrong) == []  # a lone name in capitals with no evidence stays out


def test_genre_labels() -> None:
    for label in [
        "Letter",
        "RESEARCH ARTICLE",
        "R E S EAR CH A R TIC L E Open Access",
        "EDGE ARTICLE",
        "Original Paper",
    ]:
        assert is_genre_label(label), label
    for title in ["Attention Is All You Need", "Deep Learning", "Letters to a Young Scientist: Case Notes"]:
        assert not is_genre_label(title), title


def test_thresholds_are_parameters() -> None:
    """The bench's leave-one-template-out choice turns real knobs: a one-line title limit cuts the title."""
    ops = [
        _run(72, 720, 18, "Reading Front Matter Without", b"F2"),
        _run(72, 698, 18, "a Template", b"F2"),
        _run(72, 672, 11, "Ada Byron"),
        _run(72, 650, 11, "Abstract", b"F2"),
        *text_lines(72, 634, 10, ABSTRACT),
        *_body(580),
    ]
    doc = lay_out(_pdf([ops]), "params.pdf")
    shipped = read_front_matter(doc.pages, doc.layout, doc.vocab, doc.meta)
    one_line = read_front_matter(
        doc.pages, doc.layout, doc.vocab, doc.meta, FrontMatterParams(title_max_lines=1)
    )
    assert shipped.title == "Reading Front Matter Without a Template"
    assert one_line.title == "Reading Front Matter Without"
    assert set(FrontMatterParams.grid()) <= set(FrontMatterParams.names())
    assert parse_authors([]) == []
