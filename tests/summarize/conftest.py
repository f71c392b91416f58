"""Hand-built parsed papers for the summarize tests, modelled on real papers' text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tasks.models import Author, Caption, ParsedPaper, Section

ABSTRACT = (
    "Representation learning is a critical ingredient for natural language processing systems. "
    "Recent Transformer language models like BERT learn powerful textual representations, but these "
    "models are targeted towards token- and sentence-level training objectives and do not leverage "
    "information on inter-document relatedness, which limits their document-level representation power. "
    "We propose SPECTER, a new method to generate document-level embedding of scientific documents based "
    "on pretraining a Transformer language model on a powerful signal of document-level relatedness: the "
    "citation graph. Unlike existing pretrained language models, SPECTER can be easily applied to "
    "downstream applications without task-specific fine-tuning. We show that SPECTER outperforms a "
    "variety of competitive baselines on the benchmark."
)


def make_paper(**overrides: object) -> ParsedPaper:
    """A SPECTER-like paper: abstract, introduction, method, results, conclusion, captions."""
    fields: dict[str, object] = {
        "title": "SPECTER: Document-level Representation Learning using Citation-informed Transformers",
        "authors": [Author(name="Arman Cohan"), Author(name="Sergey Feldman")],
        "abstract": ABSTRACT,
        "sections": [
            Section(
                number="1",
                heading="Introduction",
                paragraphs=[
                    "As the pace of scientific publication continues to increase, NLP tools that help users "
                    "search the literature have become critical. Pretrained LMs (Devlin et al., 2019) are "
                    "widely used, e.g. for words and sentences, but whole-document embeddings are "
                    "relatively underexplored.",
                    "In this paper, we introduce a new method for learning general-purpose vector "
                    "represen\u00adtations of scientific docu- ments. We also release SCIDOCS, a new "
                    "benchmark of seven document-level tasks.",
                ],
            ),
            Section(
                number="2",
                heading="Method",
                paragraphs=[
                    "We encode the title and abstract with a Transformer and take the final [CLS] "
                    "representation, as shown in Fig. 1 and discussed by Beltagy et al. in prior work.",
                    "L = max(d(P, P+) - d(P, P-) + m, 0) (1)",
                ],
            ),
            Section(
                number="5",
                heading="Results",
                paragraphs=[
                    "SPECTER achieves a MAP score of 83.8 on the co-view task, improving over the best "
                    "baseline by 2.7 points. Overall, we observe an average performance of 80.0 across "
                    "all tasks, a 3.1 point absolute improvement over the next-best baseline.",
                ],
            ),
            Section(
                number="6",
                heading="Conclusions",
                paragraphs=[
                    "We presented SPECTER, a model for learning representations of scientific papers. "
                    "However, our model only uses the title and abstract; using full text is left for "
                    "future work.",
                ],
            ),
        ],
        "captions": [
            Caption(kind="figure", label="Figure 1", text="Overview of SPECTER."),
            Caption(kind="table", label="1", text="Results on the SCIDOCS evaluation suite."),
        ],
        "page_count": 13,
        "parser": "test",
        "parser_version": "1",
        "pdf_sha256": "ab" * 32,
    }
    fields.update(overrides)
    return ParsedPaper.model_validate(fields)


@pytest.fixture
def paper() -> ParsedPaper:
    return make_paper()


@pytest.fixture
def paper_factory() -> Callable[..., ParsedPaper]:
    """make_paper itself, for tests that change a field or two."""
    return make_paper
