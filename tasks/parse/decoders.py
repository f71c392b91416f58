"""PDF stream filters, decoded incrementally: chunks in, chunks out, nothing held whole.

FlateDecode, ASCIIHexDecode and ASCII85Decode yield the decoded bytes (a later filter of the chain
reads them); RunLengthDecode and LZWDecode yield only as many zero bytes as they decode to (their
output size is all the measuring needs, and counting it costs a fraction of decoding it). Names as
pdfium accepts them: full and abbreviated. tasks/parse/streams.py chains them.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Iterator

CHUNK = 1 << 16

Decoder = Callable[[Iterator[bytes]], Iterator[bytes]]


def _inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    # A stream that is not zlib data yields what decoded before the error, as pdfium keeps it.
    inflater = zlib.decompressobj()
    try:
        for chunk in chunks:
            data = chunk
            while data and not inflater.eof:
                out = inflater.decompress(data, CHUNK)
                if not out and len(inflater.unconsumed_tail) == len(data):
                    return  # no progress: nothing more will come out of it
                yield out
                data = inflater.unconsumed_tail
            if inflater.eof:
                return
        yield inflater.flush()
    except zlib.error:
        return


def _hex(chunks: Iterator[bytes]) -> Iterator[bytes]:
    carry = b""
    for chunk in chunks:
        end = chunk.find(b">")
        text = carry + bytes(c for c in (chunk if end < 0 else chunk[:end]) if c in b"0123456789abcdefABCDEF")
        cut = len(text) - len(text) % 2
        carry = text[cut:]
        yield bytes.fromhex(text[:cut].decode())
        if end >= 0:
            break
    if carry:
        yield bytes.fromhex((carry + b"0").decode())


def _a85(chunks: Iterator[bytes]) -> Iterator[bytes]:
    carry = b""
    for chunk in chunks:
        end = chunk.find(b"~>")
        text = carry + re.sub(rb"\s+", b"", chunk if end < 0 else chunk[:end]).replace(b"z", b"!!!!!")
        cut = len(text) - len(text) % 5
        carry = text[cut:]
        try:
            yield base64.a85decode(text[:cut])
        except ValueError:
            return
        if end >= 0:
            break
    if carry:
        try:
            yield base64.a85decode(carry)
        except ValueError:
            return


def _runlength_size(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """RunLengthDecode's output, as zero bytes of the right count (only the size matters here)."""
    pending = b""
    for chunk in chunks:
        data, i, out = pending + chunk, 0, 0
        while i < len(data):
            length = data[i]
            if length == 128:
                yield bytes(out)
                return
            step = length + 2 if length < 128 else 2
            if i + step > len(data):
                break
            out += length + 1 if length < 128 else 257 - length
            i += step
        pending = data[i:]
        yield bytes(out)


def _lzw_size(chunks: Iterator[bytes], early: int = 1) -> Iterator[bytes]:
    """LZWDecode's output size (zero bytes of that count): a code's string is one longer than the last."""
    lengths = [1] * 258
    bits, buffer, nbits, previous = 9, 0, 0, -1
    for chunk in chunks:
        out = 0
        for byte in chunk:
            buffer, nbits = (buffer << 8) | byte, nbits + 8
            while nbits >= bits:
                nbits -= bits
                code = (buffer >> nbits) & ((1 << bits) - 1)
                if code == 256:
                    del lengths[258:]
                    bits, previous = 9, -1
                    continue
                if code == 257:
                    yield bytes(out)
                    return
                if code < len(lengths):
                    size = lengths[code]
                elif previous >= 0:
                    size = lengths[previous] + 1
                else:
                    yield bytes(out)
                    return
                if previous >= 0 and len(lengths) < 4096:
                    lengths.append(lengths[previous] + 1)
                previous = code
                out += size
                if len(lengths) + early >= (1 << bits) and bits < 12:
                    bits += 1
        buffer &= (1 << nbits) - 1
        yield bytes(out)


DECODERS: dict[bytes, Decoder] = {
    b"FlateDecode": _inflate, b"Fl": _inflate, b"ASCIIHexDecode": _hex, b"AHx": _hex,
    b"ASCII85Decode": _a85, b"A85": _a85, b"RunLengthDecode": _runlength_size, b"RL": _runlength_size,
    b"LZWDecode": _lzw_size, b"LZW": _lzw_size,
}  # fmt: skip
# Size-only decoders (they yield zeros): nothing can be decoded after them.
SIZE_ONLY = {_runlength_size, _lzw_size}
