"""Sentence splitters on the real papers: which one ends each abstract's first sentence where it ends?

Every real PDF of ../shared/fixtures (pdfs/, corpus/, corpus2/) has its abstract's first sentence in
its truth. The abstract comes from the local parser; where it does not start with the truth's
sentence the parser is to blame, not the splitter, and the paper is left out (counted). Each splitter
then must give exactly that sentence first. A second figure: the sentences of every paragraph of the
48 papers as each splitter cuts them, and how often the splitters agree with ours.

    .venv/bin/python bench/sentences.py                  # tasks/text.py against what is installed
    .venv/bin/python bench/sentences.py --show 11        # and 20 disagreements per library (seed 11)
    pip install pysbd syntok sentencex blingfire         # the libraries it compares, when wanted
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.text import split_sentences  # noqa: E402
from tests.fixture_truth import every_real_paper, norm, parse_real  # noqa: E402

Splitter = Callable[[str], list[str]]


def libraries() -> dict[str, Splitter]:
    found: dict[str, Splitter] = {"ours (tasks/text.py)": split_sentences}
    try:
        import pysbd

        seg = pysbd.Segmenter(language="en", clean=False)
        found["pysbd"] = lambda t: [s.strip() for s in seg.segment(t)]
    except ImportError:
        pass
    try:
        from syntok import segmenter

        def syntok_split(text: str) -> list[str]:
            return [
                "".join(t.spacing + t.value for t in sentence).strip()
                for paragraph in segmenter.analyze(text)
                for sentence in paragraph
            ]

        found["syntok"] = syntok_split
    except ImportError:
        pass
    try:
        from sentencex import segment

        found["sentencex"] = lambda t: [s.strip() for s in segment("en", t) if s.strip()]
    except ImportError:
        pass
    try:
        import blingfire

        found["blingfire"] = lambda t: [s for s in blingfire.text_to_sentences(t).split("\n") if s]
    except ImportError:
        pass
    return found


def main() -> None:
    papers = every_real_paper()
    if not papers:
        raise SystemExit("the shared fixtures are not here: nothing to measure")
    abstracts: list[tuple[str, str, str]] = []
    skipped = []
    paragraphs: list[str] = []
    for name, paper in sorted(papers.items()):
        parsed = parse_real(name)
        text = " ".join(parsed.abstract.split())
        paragraphs += [p for s in parsed.sections for p in s.paragraphs]
        if norm(text).startswith(norm(paper.abstract_start)):
            abstracts.append((name, text, paper.abstract_start))
        else:
            skipped.append(name)
    splitters = libraries()
    print(f"{len(abstracts)} abstracts whose parse starts with the truth's sentence ({len(skipped)} out)")
    print(f"{'splitter':<22}{'first sentence right':>22}{'agrees with ours':>18}{'s':>8}")
    ours = {i: split_sentences(p) for i, p in enumerate(paragraphs)}
    for label, split in splitters.items():
        started = time.perf_counter()
        right = [name for name, text, truth in abstracts if norm((split(text) or [""])[0]) == norm(truth)]
        cut = {i: split(p) for i, p in enumerate(paragraphs)}
        elapsed = time.perf_counter() - started
        agree = sum(1 for i in cut if [norm(s) for s in cut[i]] == [norm(s) for s in ours[i]])
        print(
            f"{label:<22}{len(right):>12} of {len(abstracts):<7}{agree / max(len(cut), 1):>17.1%}"
            f"{elapsed:>8.1f}"
        )
        for name, text, _truth in abstracts:
            if name not in right and label.startswith("ours"):
                print(f"    {name}: {(split(text) or [''])[0][:120]!r}")
        if SHOW and not label.startswith("ours"):
            show_disagreements(label, paragraphs, ours, cut)


def show_disagreements(
    label: str, paragraphs: list[str], ours: dict[int, list[str]], cut: dict[int, list[str]]
) -> None:
    """A seeded sample of paragraphs where a library and ours cut differently, at the first place
    they differ, for a person to judge which one a reader would agree with."""
    import random

    def ends(sentences: list[str]) -> set[int]:
        total, out = 0, set()
        for sentence in sentences:
            total += len(norm(sentence).replace(" ", ""))
            out.add(total)
        return out

    differ = [i for i in cut if [norm(s) for s in cut[i]] != [norm(s) for s in ours[i]]]
    for i in random.Random(SHOW).sample(differ, min(20, len(differ))):
        a, b = ends(ours[i]), ends(cut[i])
        flat = norm(" ".join(ours[i])).replace(" ", "")
        first = min(a ^ b)
        who = "ours" if first in a else label
        print(f"    {who:>10} cuts: {flat[max(0, first - 50) : first]!r} | {flat[first : first + 30]!r}")


SHOW = int(sys.argv[sys.argv.index("--show") + 1]) if "--show" in sys.argv else 0  # a seed: print a sample

if __name__ == "__main__":
    main()
