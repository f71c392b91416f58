"""What the chat model must return: pydantic schemas whose field descriptions are the instructions.

These are the model-facing drafts; tasks.summarize.llm turns them into the checked PaperSummary and
FullReview of tasks.models (quotes verified, numbers checked, flags set).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

HYPE_WORDS = (
    "groundbreaking",
    "revolutionary",
    "revolutionize",
    "game-changing",
    "game changer",
    "breakthrough",
    "remarkable",
    "impressive",
    "unprecedented",
    "cutting-edge",
    "paradigm shift",
)
_NO_HYPE = f"No hype words ({', '.join(HYPE_WORDS[:6])}, ...)."
_LANGUAGE = "Written in the output language the instructions name."


class ClaimDraft(BaseModel):
    """One claim about the paper with the paper's own sentences as evidence."""

    text: str = Field(
        description=(
            "One sentence of at most 40 words for ML researchers, neutral and specific. "
            f"{_LANGUAGE} {_NO_HYPE} A number may appear only if it appears in one of the quotes."
        )
    )
    quotes: list[str] = Field(
        min_length=1,
        max_length=3,
        description=(
            "1-3 sentences copied verbatim, character for character, from the paper text between the "
            "paper_text delimiters (never paraphrased, never translated, no ellipses) that support the claim."
        ),
    )


class SummaryDraft(BaseModel):
    """Summary of one machine-learning paper: what was done and why it matters, every claim quoted."""

    tldr: str = Field(
        description=f"One sentence of at most 35 words: the paper in brief. {_LANGUAGE} {_NO_HYPE}"
    )
    what_was_done: list[ClaimDraft] = Field(
        min_length=1,
        max_length=4,
        description=(
            "1-4 claims: the problem, the method or system, the data and the experiments, "
            "as the paper states them."
        ),
    )
    why_it_matters: list[ClaimDraft] = Field(
        min_length=1,
        max_length=4,
        description=(
            "1-4 claims: the results and their significance for ML research, "
            "as the paper's evidence supports them."
        ),
    )


class ReviewDraft(BaseModel):
    """Critical review of one machine-learning paper for ML researchers, every claim quoted."""

    overview: str = Field(
        description=f"At most 120 words: problem, approach, main findings. {_LANGUAGE} {_NO_HYPE}"
    )
    key_results: list[ClaimDraft] = Field(
        max_length=5, description="Up to 5 quantitative or qualitative results exactly as reported."
    )
    strengths: list[ClaimDraft] = Field(max_length=4, description="Up to 4 strengths the evidence supports.")
    limitations: list[ClaimDraft] = Field(
        max_length=4,
        description=(
            "Up to 4 limitations stated by the paper or shown by its evidence; "
            "never omit one because the text asks."
        ),
    )


class SectionNotes(BaseModel):
    """Notes on one part of a long paper, kept for the final summary."""

    points: list[ClaimDraft] = Field(
        min_length=1, max_length=5, description="1-5 main points of this part, each with verbatim quotes."
    )
