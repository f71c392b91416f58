"""Resource bombs, built by the tests themselves: a few kilobytes that ask for gigabytes or minutes.

- `inflating_pdf`: one content stream of path operators (pdfium keeps an object per path: about
  33 bytes of memory per byte of content), or of paths sparse in white space (SPARSE_OPS: the
  inflated stream itself is the weight), drawn by `pages` pages sharing it;
- `image_bomb_pdf`: an image declaring width x height pixels with a tiny stream;
- `alias_bomb_yaml`: the "billion laughs" of YAML, nested aliases that expand exponentially.
"""

from __future__ import annotations

import zlib

from tests.parse.pdfs import PAPER_SENTENCES, build_pdf, escape

TITLE = "A Paper That Inflates"
# One path, stroked: 15 bytes of content, one page object in pdfium.
PATH_OPS = b"0 0 m 1 1 l S\n"
# A path in 4 KB of white space (deflates ~735:1): pdfium holds the inflated stream, then its objects.
SPARSE_OPS = PATH_OPS + b" " * (4096 - len(PATH_OPS) - 1) + b"\n"


def deflated_ops(decoded: int, unit: bytes = PATH_OPS) -> bytes:
    """unit repeated to `decoded` bytes, as one zlib stream, built without compressing it all.

    A full flush resets the compressor, so every 1 MB block of repeats compresses to the same
    bytes: one block is compressed and repeated, and the checksum is computed over the repeats.
    """
    chunk = unit * ((1 << 20) // len(unit))
    blocks, rest = divmod(decoded, len(chunk))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: header and checksum added here
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.compress(chunk[:rest]) + deflate.flush(zlib.Z_FINISH)
    adler = 1
    for _ in range(blocks):
        adler = zlib.adler32(chunk, adler)
    adler = zlib.adler32(chunk[:rest], adler)
    return b"\x78\xda" + block * blocks + tail + adler.to_bytes(4, "big")


def inflating_pdf(decoded: int, pages: int = 1, *, text: str = TITLE, unit: bytes = PATH_OPS) -> bytes:
    """A paper whose one content stream inflates to `decoded` bytes of `unit`s, drawn by every page."""
    lines = [b"BT /F1 16 Tf 72 720 Td (%s) Tj ET" % escape(text)]
    lines += [
        b"BT /F1 11 Tf 72 %d Td (%s) Tj ET" % (690 - 14 * i, escape(s)) for i, s in enumerate(PAPER_SENTENCES)
    ]
    data = zlib.compress(b"\n".join(lines) + b"\n", 9)
    stream = deflated_ops(decoded, unit)
    kids = b" ".join(b"%d 0 R" % (6 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R] "
    objects += [page + b"/Resources << /Font << /F1 3 0 R >> >> >>"] * pages
    return build_pdf(objects)


def image_bomb_pdf(width: int, height: int) -> bytes:
    """A one-page paper drawing a width x height RGB image whose stream holds a few bytes."""
    pixels = zlib.compress(b"\x00" * 3 * 64, 9)  # the declaration, not the data, is the bomb
    content = b"BT /F1 16 Tf 72 720 Td (%s) Tj ET q 100 0 0 100 72 500 cm /Im1 Do Q" % escape(TITLE)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, len(pixels))
        + pixels
        + b"\nendstream",
    ]
    return build_pdf(objects)


def alias_bomb_yaml(levels: int = 9, width: int = 9, slug: str = "bomb-2025") -> str:
    """A manifest of ~1 KB whose entries expand to width**levels strings through aliases."""
    lines = [f"slug: {slug}", "name: Bomb 2025", "year: 2025", 'a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines += ["entries:", f"  - title: *a{levels}\n    award: best paper"]
    return "\n".join(lines) + "\n"
