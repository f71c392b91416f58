"""GROBID's TEI holds every word of the PDF, hidden text's too: the parse stage never releases it then.

The stage function runs in a real flow against the GROBID stub (its real HTTP protocol); the TEI
of a PDF with hidden text stays in the working area, a clean PDF's TEI is an output as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from config.settings import get_settings
from tasks.models import AwardEntry, AwardKind
from tasks.store import open_store, paper_key
from tests.parse.grobid_server import GrobidStub
from tests.parse.pdfs import PAPER_SENTENCES, PAPER_TITLE, escape, paper_pdf
from tests.parse.test_hidden_text import GROBID_TEI, HIDDEN


@pytest.mark.parametrize("hidden", [True, False], ids=["hidden text", "clean"])
def test_a_tei_with_hidden_text_stays_in_the_working_area(
    prefect_harness: None, grobid: GrobidStub, tmp_path: Path, hidden: bool
) -> None:
    from prefect import flow

    from tasks.backends import backends_for
    from tasks.stages import PaperWork, parse_paper

    colour = b"1 1 1 rg" if hidden else b"0 g"
    pdf = paper_pdf(colour + b" BT /F1 11 Tf 72 620 Td (%s) Tj ET 0 g" % escape(HIDDEN))
    grobid.tei_by_sha[hashlib.sha256(pdf).hexdigest()] = GROBID_TEI.format(
        title=PAPER_TITLE, abstract=" ".join(PAPER_SENTENCES), hidden=HIDDEN
    )
    settings = get_settings().with_values(
        **{"store.uri": str(tmp_path / "store"), "grobid.url": grobid.url, "parse.parser": "grobid"}
    )
    store = open_store(str(tmp_path / "store"))
    stored = store.put(paper_key("conf-2026", "p1", "paper.pdf"), pdf)

    @flow
    def parse(s: Any) -> Any:
        entry = AwardEntry(id="p1", title=PAPER_TITLE, award=AwardKind.BEST_PAPER)
        return parse_paper.fn(PaperWork("conf-2026", entry, pdf=stored), backends_for(s))

    outputs = parse(settings).outputs
    assert store.exists(paper_key("conf-2026", "p1", "tei.xml"))  # the operator still has it
    assert ("tei.xml" in outputs) is not hidden
    # Hidden, the sentence is cut from the parse; visible, it is the paper's own.
    assert (b"zebracorn" in store.get(outputs["parsed.json"].key)) is not hidden
