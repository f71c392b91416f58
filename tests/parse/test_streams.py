"""What a PDF's streams decode to, measured without pdfium: filters, sharing, forms, object streams."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path

import pytest

from tasks.parse.streams import Footprint, OverBudget, measure
from tests.parse.bombs import deflated_ops, image_bomb_pdf, inflating_pdf
from tests.parse.pdfs import build_pdf

MB = 1 << 20
NO_LIMIT = 1 << 40


IMAGE_HEAD = b"/Subtype /Image /Width 1000 /Height 500 /ColorSpace /DeviceRGB /BitsPerComponent 8"


def _stream(head: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (head, len(data)) + data + b"\nendstream"


def _one_page(content_head: bytes, content: bytes, *extra: bytes, page_extra: bytes = b"") -> bytes:
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R %s >>" % page_extra,
            _stream(content_head, content),
            *extra,
        ]
    )


def _lzw(data: bytes) -> bytes:
    """A plain LZW encoder (9-12 bit codes, early change), its code widths as a reader sees them."""
    table = {bytes([i]): i for i in range(256)}
    codes, word = [256], b""
    for byte in data:
        candidate = word + bytes([byte])
        if candidate in table:
            word = candidate
            continue
        codes.append(table[word])
        table[candidate] = len(table) + 2  # 256 and 257 are the clear and end codes
        word = bytes([byte])
    codes += [table[word], 257]
    out, buffer, nbits, bits, next_code, started = bytearray(), 0, 0, 9, 258, False
    for code in codes:
        buffer, nbits = (buffer << bits) | code, nbits + bits
        while nbits >= 8:
            nbits -= 8
            out.append((buffer >> nbits) & 0xFF)
        if code not in (256, 257):  # the reader adds an entry for every code after the first
            next_code += started
            started = True
            if next_code + 1 >= (1 << bits) and bits < 12:
                bits += 1
    if nbits:
        out.append((buffer << (8 - nbits)) & 0xFF)
    return bytes(out)


def test_a_flate_content_stream_is_measured_by_inflating_it() -> None:
    footprint = measure(inflating_pdf(3 * MB), budget=NO_LIMIT)
    assert footprint.drawn >= 3 * MB and footprint.decoded >= 3 * MB and footprint.unmeasured == []
    with pytest.raises(OverBudget, match=r"stream 5 \(decoded"):
        measure(inflating_pdf(3 * MB), budget=2 * MB)


@pytest.mark.parametrize(
    ("filters", "encode"),
    [
        (b"/Filter [/ASCIIHexDecode /FlateDecode]", lambda d: zlib.compress(d).hex().encode() + b">"),
        (b"/Filter [/A85 /Fl]", lambda d: base64.a85encode(zlib.compress(d)) + b"~>"),
        (b"/Filter [/FlateDecode /FlateDecode]", lambda d: zlib.compress(zlib.compress(d))),
        (b"/Filter /LZWDecode", _lzw),
        (
            b"/Filter /RunLengthDecode",
            lambda d: b"\x7f" + d[:128] + b"\x81a" * ((len(d) - 128) // 128) + b"\x80",
        ),
    ],
)
def test_every_filter_chain_pdfium_decodes_is_counted(filters: bytes, encode: object) -> None:
    content = (b"0 0 m 1 1 l S\n" * 20_000)[:279_936]  # 2,187 runs of 128 bytes
    data = encode(content)  # type: ignore[operator]
    footprint = measure(_one_page(filters, data), budget=NO_LIMIT)
    assert footprint.drawn == len(content) and footprint.unmeasured == []


def test_forms_count_once_and_images_by_their_declaration() -> None:
    form = deflated_ops(MB)
    pdf = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 /Resources 6 0 R >>",
            *[b"<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>"] * 3,  # resources inherited
            b"<< /XObject << /Fm1 8 0 R /Im1 9 0 R >> >>",
            _stream(b"", b"/Fm1 Do"),
            _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Filter /FlateDecode", form),
            _stream(
                b"/Subtype /Image /Width 1000 /Height 500 /ColorSpace /DeviceRGB /BitsPerComponent 8", b"x"
            ),
        ]
    )
    footprint = measure(pdf, budget=NO_LIMIT)
    # A resource dictionary lists what pages may draw, not what they do: the form counts once.
    assert footprint.drawn == 3 * len(b"/Fm1 Do") and footprint.decoded == MB + len(b"/Fm1 Do")
    assert footprint.largest_image == 1000 * 500 * 3
    with pytest.raises(OverBudget, match=r"image 6 \(1,500,000,000 bytes declared\)"):
        measure(image_bomb_pdf(25_000, 20_000), budget=NO_LIMIT, image_budget=512 * MB)


def test_pages_inside_an_object_stream_and_an_indirect_length_are_read() -> None:
    content = deflated_ops(2 * MB)
    pages = b"3 0 4 %d " % 60  # two objects: the page tree and one page
    body = (
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>".ljust(60)
        + b"<< /Type /Page /Parent 3 0 R /Contents 5 0 R >>"
    )
    packed = zlib.compress(pages + body)
    pdf = build_pdf(
        [
            b"<< /Type /Catalog /Pages 3 0 R >>",
            _stream(b"/Type /ObjStm /N 2 /First %d /Filter /FlateDecode" % len(pages), packed),
            b"(objects 3 and 4 are packed in object 2)",
            b"(unused)",
            b"<< /Length 6 0 R /Filter /FlateDecode >>\nstream\n" + content + b"\nendstream",
            b"%d" % len(content),
        ]
    )
    footprint = measure(pdf, budget=NO_LIMIT)
    assert footprint.drawn == 2 * MB and footprint.unmeasured == []


def test_an_encrypted_file_is_left_to_the_process_limits() -> None:
    pdf = inflating_pdf(MB).replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt << /Filter /Standard >>")
    footprint = measure(pdf, budget=10)
    assert footprint.encrypted and footprint.unmeasured == ["every stream (the file is encrypted)"]


def test_real_papers_are_far_within_the_default_budgets(fixture_pdfs: dict[str, Path]) -> None:
    for name, path in fixture_pdfs.items():
        footprint: Footprint = measure(path.read_bytes(), budget=64 * MB, image_budget=512 * MB)
        assert footprint.drawn < 8 * MB and footprint.largest_image < 64 * MB, name
