"""Chat models for every stage: one factory (client.py), one way to ask for structured output
(structured.py), one ledger of tokens and cost (accounting.py), versioned prompt files (prompts.py).

Nothing here imports LangChain at import time: an extractive, sketch-only run never pays for it.
"""

from tasks.llm.client import (
    MASK,
    LLMError,
    as_llm_error,
    chat_model,
    llm_slot,
    masked,
    model_identity,
    provider_and_model,
)
from tasks.llm.structured import LLMCallError, StructuredCaller, ask_once, llm_identity, side_by_side

__all__ = [
    "MASK",
    "LLMCallError",
    "LLMError",
    "StructuredCaller",
    "as_llm_error",
    "ask_once",
    "chat_model",
    "llm_identity",
    "llm_slot",
    "masked",
    "model_identity",
    "provider_and_model",
    "side_by_side",
]
