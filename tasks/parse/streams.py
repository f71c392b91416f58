"""What a PDF's streams decode to, measured before any parser sees the file.

A PDF of a few kilobytes can hold a content stream that inflates to gigabytes (deflate reaches
about 1000:1, and filters chain), or one stream that every page draws again. pdfium parses what it
inflates into page objects, so memory and time follow the decoded size, not the file's. This scan
walks the file's objects with a small tokenizer, inflates each stream incrementally (never holding
its output, stopping at the budget) and adds up:

- `decoded`: every stream's decoded bytes but images' (content, forms, fonts, object streams);
- `drawn`: the content bytes the pages draw, a content stream counted once per page that draws it;
- `largest_image`: the largest image at its declared width x height x depth (images are decoded
  only where a page is rendered, one at a time, so each is bounded on its own).

It reads what the file says, as pdfium does: objects inside object streams, /Length or the
`endstream` keyword, FlateDecode / LZW / RunLength / ASCIIHex / ASCII85 in any chain. Encrypted
streams cannot be measured here (their bytes are ciphertext); the worker's memory and time limits
(tasks/compute.py) bound those, and everything else this scan misses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tasks.parse.decoders import CHUNK, DECODERS, SIZE_ONLY

_OBJ_RE = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\b")
_STREAM_RE = re.compile(rb"\s*stream(?:\r\n|\r|\n)")
_REF_RE = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+R\b")
_NAME_RE = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_DELIMS = b"()<>[]{}/%"
_COMPONENTS = {b"DeviceGray": 1, b"G": 1, b"CalGray": 1, b"Indexed": 1, b"I": 1, b"DeviceRGB": 3,
               b"RGB": 3, b"CalRGB": 3, b"Lab": 3, b"DeviceCMYK": 4, b"CMYK": 4}  # fmt: skip


class OverBudget(Exception):
    """Decoding went past the budget: the scan stops there."""


@dataclass
class Footprint:
    """Decoded sizes of a PDF's streams (bytes); `unmeasured` names what could not be measured."""

    streams: int = 0
    decoded: int = 0  # every stream but images
    largest: int = 0
    drawn: int = 0
    images: int = 0  # declared decoded size of every image
    largest_image: int = 0
    encrypted: bool = False
    unmeasured: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- a tiny tokenizer


def _skip_string(data: bytes, i: int) -> int:
    """Index after the literal string starting at data[i] == '(' (nested parentheses, escapes)."""
    depth, n = 0, len(data)
    while i < n:
        c = data[i]
        if c == 0x5C:  # backslash: the next byte is escaped
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def dict_end(data: bytes, i: int, limit: int = 1 << 20) -> int:
    """Index after the dictionary starting at data[i:i+2] == b'<<'; -1 when it does not close."""
    depth, n = 0, min(len(data), i + limit)
    while i < n:
        c = data[i]
        if c == 0x28:
            i = _skip_string(data, i)
            continue
        if c == 0x25:  # a comment runs to the end of the line
            while i < n and data[i] not in b"\r\n":
                i += 1
            continue
        if data.startswith(b"<<", i):
            depth += 1
            i += 2
            continue
        if data.startswith(b">>", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
            continue
        i += 1
    return -1


def _value(text: bytes, key: bytes) -> bytes | None:
    """The raw value of /key at the top level of a dictionary's text (a name, number, ref or array)."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == 0x28:
            i = _skip_string(text, i)
            continue
        if text.startswith(b"<<", i):
            depth += 1
            i += 2
            continue
        if text.startswith(b">>", i):
            depth -= 1
            i += 2
            continue
        if c == 0x2F and depth == 1:
            m = _NAME_RE.match(text, i)
            if m and m.group(1) == key:
                return _token(text, m.end())
            i = m.end() if m else i + 1
            continue
        i += 1
    return None


def _token(text: bytes, i: int) -> bytes:
    """The value that starts at text[i] (after white space): a ref, an array, a dict, a name or a number."""
    while i < len(text) and text[i] in b" \t\r\n\f\x00":
        i += 1
    if text.startswith(b"<<", i):
        end = dict_end(text, i)
        return text[i : end if end > 0 else len(text)]
    if text[i : i + 1] == b"[":
        end = text.find(b"]", i)
        return text[i : end + 1 if end > 0 else len(text)]
    ref = _REF_RE.match(text, i)
    if ref:
        return ref.group(0)
    j = i + 1
    while j < len(text) and text[j] not in b" \t\r\n\f\x00" and text[j] not in _DELIMS:
        j += 1
    return text[i:j]


def _names(value: bytes | None) -> list[bytes]:
    return [m.group(1) for m in _NAME_RE.finditer(value or b"")]


def _int(value: bytes | None, objects: dict[int, bytes]) -> int | None:
    """An integer value, following one indirect reference."""
    if value is None:
        return None
    ref = _REF_RE.fullmatch(value.strip())
    if ref:
        value = objects.get(int(ref.group(1)), b"").strip()
    try:
        return int(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------- the file's objects

_WS = b" \t\r\n\f\x00"
_OBJSTM_CAP = 32 << 20  # an object stream's decoded text is held to read its objects


@dataclass
class _Stream:
    number: int
    head: bytes
    start: int
    end: int


@dataclass
class _Scan:
    streams: dict[int, _Stream] = field(default_factory=dict)
    bodies: dict[int, bytes] = field(default_factory=dict)  # small objects: numbers, arrays, dicts
    packed: dict[int, bytes] = field(default_factory=dict)  # objects inside object streams

    def body(self, number: int) -> bytes:
        """An object's text: the top-level definition when it is a dictionary, else the packed one."""
        top = self.bodies.get(number, b"")
        return top if top.startswith(b"<<") or number not in self.packed else self.packed[number]

    anonymous: list[_Stream] = field(default_factory=list)  # streams whose number repeats (updates)
    encrypted: bool = False


def _stream_end(data: bytes, head: bytes, start: int) -> int:
    """Where a stream's data ends: its direct /Length when `endstream` follows it, else `endstream`."""
    length = _int(_value(head, b"Length"), {})
    if length is not None and 0 <= length <= len(data) - start:
        tail = data[start + length : start + length + 12].lstrip(_WS)
        if tail.startswith(b"endstream"):
            return start + length
    found = data.find(b"endstream", start)
    return found if found >= 0 else len(data)


def _scan(data: bytes) -> _Scan:
    """Every top-level object: its dictionary or small body, and where its stream's data lies."""
    scan = _Scan()
    pos, n = 0, len(data)
    while (m := _OBJ_RE.search(data, pos)) is not None:
        number, i = int(m.group(1)), m.end()
        while i < n and data[i] in _WS:
            i += 1
        if not data.startswith(b"<<", i):
            end = data.find(b"endobj", i, i + 4096)
            scan.bodies[number] = data[i : end if end >= 0 else i]
            pos = max(i, end)
            continue
        end = dict_end(data, i)
        if end < 0:
            pos = i + 2
            continue
        head = data[i:end]
        scan.bodies[number] = head
        if b"/Encrypt" in head:
            scan.encrypted = True
        s = _STREAM_RE.match(data, end)
        if s is None:
            pos = end
            continue
        stream = _Stream(number, head, s.end(), _stream_end(data, head, s.end()))
        if number in scan.streams:
            scan.anonymous.append(scan.streams[number])
        scan.streams[number] = stream
        pos = stream.end
    for trailer in re.finditer(rb"trailer\s*<<", data):
        if b"/Encrypt" in data[trailer.end() : trailer.end() + 4096].split(b">>\n", 1)[0]:
            scan.encrypted = True
    _fix_indirect_lengths(data, scan)
    return scan


def _fix_indirect_lengths(data: bytes, scan: _Scan) -> None:
    """A /Length given as `N 0 R` is read from object N once every object is known."""
    for stream in scan.streams.values():
        raw = _value(stream.head, b"Length")
        if raw is None or not _REF_RE.fullmatch(raw.strip()):
            continue
        length = _int(raw, scan.bodies)
        if length is None or not 0 <= length <= len(data) - stream.start:
            continue
        if data[stream.start + length : stream.start + length + 12].lstrip(_WS).startswith(b"endstream"):
            stream.end = stream.start + length


def _read_object_streams(data: bytes, scan: _Scan, footprint: Footprint) -> None:
    """The objects compressed inside /Type /ObjStm streams, read into scan.packed."""
    for stream in list(scan.streams.values()):
        if b"ObjStm" not in _names(_value(stream.head, b"Type")):
            continue
        chunks: list[bytes] = []
        size = 0
        for chunk in _decode(data, stream):
            size += len(chunk)
            if size > _OBJSTM_CAP:
                footprint.unmeasured.append(f"object stream {stream.number} (over {_OBJSTM_CAP >> 20} MB)")
                break
            chunks.append(chunk)
        text = b"".join(chunks)
        first = _int(_value(stream.head, b"First"), scan.bodies) or 0
        count = _int(_value(stream.head, b"N"), scan.bodies) or 0
        numbers = [int(x) for x in re.findall(rb"\d+", text[:first])[: 2 * count]]
        pairs = list(zip(numbers[0::2], numbers[1::2], strict=False))
        for k, (number, offset) in enumerate(pairs):
            stop = pairs[k + 1][1] if k + 1 < len(pairs) else len(text) - first
            scan.packed[number] = text[first + offset : first + stop][:65536]


def _decode(data: bytes, stream: _Stream) -> Iterator[bytes]:
    """The stream's decoded bytes, chunk by chunk, through its filter chain (nothing held)."""
    filters = _names(_value(stream.head, b"Filter"))
    raw = memoryview(data)[stream.start : stream.end]
    chunks: Iterator[bytes] = (bytes(raw[i : i + CHUNK]) for i in range(0, len(raw), CHUNK))
    for k, name in enumerate(filters):
        decoder = DECODERS.get(name)
        if decoder is None:
            raise LookupError(name.decode(errors="replace"))
        if decoder in SIZE_ONLY and k < len(filters) - 1:
            raise LookupError(f"{name.decode()} before {filters[k + 1].decode()}")
        chunks = decoder(chunks)
    return chunks


def _image_bytes(head: bytes, bodies: dict[int, bytes]) -> int | None:
    """An image XObject's decoded size from its declared width, height, colour space and depth."""
    if b"Image" not in _names(_value(head, b"Subtype")):
        return None
    width = _int(_value(head, b"Width"), bodies) or 0
    height = _int(_value(head, b"Height"), bodies) or 0
    if _value(head, b"ImageMask") == b"true":
        return (width * height + 7) // 8
    bpc = _int(_value(head, b"BitsPerComponent"), bodies) or 8
    space = _names(_value(head, b"ColorSpace"))
    # Indirect or ICC colour spaces do not say their component count here: count four, the most.
    components = _COMPONENTS.get(space[0], 4) if space else 4
    return (width * height * components * bpc + 7) // 8


def _deref(value: bytes | None, scan: _Scan) -> bytes:
    """A dictionary given inline or by reference, as text ("" when absent)."""
    if value is None:
        return b""
    ref = _REF_RE.fullmatch(value.strip())
    if ref:
        number = int(ref.group(1))
        stream = scan.streams.get(number)
        return stream.head if stream is not None else scan.body(number)
    return value


def _pages_drawing(scan: _Scan) -> dict[int, int]:
    """Content stream number -> how many pages draw it (each page object's /Contents).

    Forms (XObjects) count once, like any stream: a page's resources may list forms its content never
    draws (a resource dictionary shared by every page), and pdfium parses a form only where it is
    drawn. A form drawn by many pages is left to the worker's CPU and memory limits.
    """
    drawn: dict[int, int] = {}
    # Both definitions of an object that is top-level and packed count: the budget errs high.
    for body in [*scan.bodies.values(), *scan.packed.values()]:
        contents = _value(body, b"Contents")
        if contents is None or not re.search(rb"/Type\s*/Page(?![a-zA-Z])", body):
            continue
        refs = {int(r) for r in _REF_RE.findall(contents)}
        if len(refs) == 1 and next(iter(refs)) not in scan.streams:  # an indirect array of streams
            refs = {int(r) for r in _REF_RE.findall(scan.body(next(iter(refs))))}
        for ref in refs:
            drawn[ref] = drawn.get(ref, 0) + 1
    return drawn


def measure(data: bytes, *, budget: int, image_budget: int | None = None) -> Footprint:
    """The decoded sizes of data's streams; OverBudget as soon as decoded or drawn passes budget, or
    one image passes image_budget (default: budget)."""
    scan = _scan(data)
    footprint = Footprint(streams=len(scan.streams) + len(scan.anonymous), encrypted=scan.encrypted)
    if scan.encrypted:
        footprint.unmeasured.append("every stream (the file is encrypted)")
        return footprint
    _read_object_streams(data, scan, footprint)
    pages_drawing = _pages_drawing(scan)
    # Content streams first, the most drawn first: a stream drawn by every page passes the budget soonest.
    order = sorted(scan.streams.values(), key=lambda s: -pages_drawing.get(s.number, 0))
    for stream in [*order, *scan.anonymous]:
        times = pages_drawing.get(stream.number, 0) if stream in order else 0
        size = _measure_stream(data, stream, scan, footprint, (budget, image_budget or budget), times)
        footprint.largest = max(footprint.largest, size)
    return footprint


def _measure_stream(
    data: bytes, stream: _Stream, scan: _Scan, footprint: Footprint, budgets: tuple[int, int], times: int
) -> int:
    budget, image_budget = budgets
    image = _image_bytes(stream.head, scan.bodies)
    if image is not None:
        # An image is decoded only where a page is rendered, one at a time: each is bounded alone.
        footprint.images += image
        footprint.largest_image = max(footprint.largest_image, image)
        if image > image_budget:
            raise OverBudget(f"image {stream.number} ({image:,} bytes declared)")
        return 0
    size = 0
    try:
        for chunk in _decode(data, stream):
            size += len(chunk)
            if footprint.decoded + size > budget or footprint.drawn + size * times > budget:
                what = f"drawn by {times} pages" if times > 1 else "decoded"
                raise OverBudget(f"stream {stream.number} ({what}, more than {size:,} bytes so far)")
    except LookupError as exc:
        footprint.unmeasured.append(f"stream {stream.number} (filter {exc})")
    footprint.decoded += size
    footprint.drawn += size * times
    return size
