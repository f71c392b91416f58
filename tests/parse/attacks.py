"""Planted hidden text, one PDF per way of hiding it: shared by the parse, summarize and CLI tests.

Each attack draws one sentence on the paper-like page of tests/parse/pdfs.py so that no reader sees
it; were it visible, it would join the abstract. Built from raw content streams, no fixture files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.parse.pdfs import escape, paper_pdf


@dataclass(frozen=True)
class Attack:
    """How to hide a line: content around it, page resources, extra objects, catalog entries."""

    reason: str  # what the parser must name (HiddenText.reason)
    before: bytes = b""  # drawn just before the line
    after: bytes = b""  # drawn just after it
    line_ops: bytes = b""  # operators inside BT ... ET before the text (render mode, ...)
    size: float = 11
    y: float = 620
    resources: bytes = b""
    objects: list[bytes] = field(default_factory=list)
    catalog: bytes = b""
    in_form: bool = False  # the line is drawn inside a form XObject (a figure)


_IMAGE = (
    b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
    b"/BitsPerComponent 8 /Length 1 >>\nstream\n\xc0\nendstream"
)

ATTACKS: dict[str, Attack] = {
    # Hidden by the run itself.
    "white": Attack("white", before=b"1 1 1 rg", after=b"0 g"),
    "tiny": Attack("tiny", size=1),
    "off-page": Attack("off-page", y=5000),
    "clipped": Attack("clipped", before=b"q 0 0 1 1 re W n", after=b"Q"),
    "render mode 3": Attack("invisible", line_ops=b"3 Tr"),
    "render mode 7": Attack("invisible", line_ops=b"7 Tr"),
    "in a figure": Attack("white", before=b"1 1 1 rg", in_form=True),
    # Hidden by the paint order (issue 24).
    "under a white box": Attack("covered", after=b"1 1 1 rg 60 610 500 25 re f 0 g"),
    "on its own colour": Attack("background", before=b"0.2 0.4 0.8 rg 60 610 500 25 re f", after=b"0 g"),
    "in a layer that is off": Attack(
        "layer-off",
        before=b"/OC /oc1 BDC",
        after=b"EMC",
        resources=b"/Properties << /oc1 7 0 R >>",
        objects=[b"<< /Type /OCG /Name (Notes) >>"],
        catalog=b"/OCProperties << /OCGs [7 0 R] /D << /OFF [7 0 R] >> >> ",
    ),
    "under an image": Attack(
        "covered",
        after=b"q 500 0 0 25 60 610 cm /Im1 Do Q",
        resources=b"/XObject << /Im1 7 0 R >>",
        objects=[_IMAGE],
    ),
}
PAINT_ORDER_ATTACKS = ("under a white box", "on its own colour", "in a layer that is off", "under an image")


def _line(attack: Attack, sentence: str, y: float) -> bytes:
    ops = b"BT %s /F1 %g Tf 72 %g Td (%s) Tj ET" % (attack.line_ops, attack.size, y, escape(sentence))
    return b" ".join(part for part in (attack.before, ops, attack.after) if part)


def attack_pdf(name: str, sentence: str) -> bytes:
    """The paper-like page with `sentence` hidden the way the named attack hides it."""
    attack = ATTACKS[name]
    if not attack.in_form:
        return paper_pdf(
            _line(attack, sentence, attack.y),
            resources=attack.resources,
            objects=attack.objects,
            catalog=attack.catalog,
        )
    body = _line(attack, sentence, attack.y)
    form = (
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
        b"/Length %d >>\nstream\n" % len(body) + body + b"\nendstream"
    )
    return paper_pdf(b"q /X1 Do Q", resources=b"/XObject << /X1 7 0 R >>", objects=[form])


def paint_order_attacks_pdf(sentences: list[str]) -> bytes:
    """One page hiding four sentences, one per paint-order attack, in PAINT_ORDER_ATTACKS' order:
    under a white box, on a box of its own colour, in a layer that is off, under an image."""
    boxed, coloured, layered, imaged = (
        b"BT /F1 11 Tf 72 %d Td (%s) Tj ET" % (y, escape(text))
        for y, text in zip((620, 580, 540, 500), sentences, strict=True)
    )
    ops = [
        boxed + b" 1 1 1 rg 60 610 500 25 re f 0 g",
        b"0.2 0.4 0.8 rg 60 570 500 25 re f 0.2 0.4 0.8 rg " + coloured + b" 0 g",
        b"/OC /oc1 BDC " + layered + b" EMC",
        imaged + b" q 500 0 0 25 60 490 cm /Im1 Do Q",
    ]
    return paper_pdf(
        b"\n".join(ops),
        resources=b"/Properties << /oc1 7 0 R >> /XObject << /Im1 8 0 R >>",
        objects=[b"<< /Type /OCG /Name (Notes) >>", _IMAGE],
        catalog=b"/OCProperties << /OCGs [7 0 R] /D << /OFF [7 0 R] >> >> ",
    )
