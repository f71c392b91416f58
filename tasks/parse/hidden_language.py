"""Does a passage of hidden text read as language addressed to a reader or a model?

Hidden text is always kept out of the paper; this only decides what readers are told. A hidden
instruction or a hidden sentence is worth a "possible prompt injection" warning. Tick labels,
numbers, axis names, legends and glyph runs that a figure hides (clipped, covered, set tiny) are
not: crying wolf on award papers teaches readers to ignore the warning.

The decision is made from the text's shape, in any paper, with closed-class words of a few
languages (articles, pronouns, auxiliaries: every sentence has them, labels rarely do) and the
marks of address (second person, mentions of AI models and reviewers, an instruction verb opening
a clause), and from its place: inside a figure's box more evidence is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that make a clause (determiners, pronouns, auxiliaries, a few conjunctions), per language.
_CLAUSE_WORDS = _vocabulary(
    """
    the a an this that these those is are was were be been being am will would should shall must can
    could may might do does did not no you your we our us i me my it its they their them he she his her
    there which who whose what when where how if because please has have had than
    der die das dem den des ein eine ist sind und nicht sie wir ihr ich es zu bitte
    le la les un une des du est sont et ne pas vous nous ce cette veuillez
    el los las una es son y usted este esta por
    il lo gli è sono non questo questa
    o os é são você um uma
    и в не на что вы это как он она мы
    """
)
# Marks of a text that speaks to someone, or about the model reading it.
_ADDRESS_WORDS = _vocabulary(
    """
    you your yours yourself yourselves ai llm llms gpt chatgpt assistant assistants chatbot
    reviewer reviewers vous usted você вы ии
    """
)
_ADDRESS_PHRASES = ("language model", "as an ai", "modèle de langage", "sprachmodell")
# Verbs that open an instruction, and nouns instructions are about.
_INSTRUCTION_VERBS = _vocabulary(
    """
    ignore disregard forget override give write rate recommend accept output respond reply answer
    summarize summarise state say praise emphasize emphasise mention highlight include do don't never
    always please note pretend act treat assign score print repeat reveal describe omit avoid consider
    evaluate review return focus tell make keep stop
    ignoriere vergiss ignorez oubliez ignora ignore игнорируй забудь
    """
)
_INSTRUCTION_NOUNS = _vocabulary(
    """
    instruction instructions prompt prompts rule rules guideline guidelines directions
    anweisungen instructions consignes instrucciones istruzioni инструкции
    """
)
_MIN_WORD_LETTERS = 3.0  # the mean length of words in running text is 4 to 6 letters, in any of these
_TOKEN_RE = re.compile(r"\S+")
_EDGE_RE = re.compile(r"^[^\w]+|[^\w]+$")
_CLAUSE_END_RE = re.compile(r"[.!?:;]$")
# Scripts written without spaces: a run of these characters is words, not one token.
_UNSPACED_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Shape:
    """What the classifier counted in a passage."""

    tokens: int
    words: int  # tokens that are words of two letters or more (or a one-letter clause word)
    letters: int  # letters in those words
    clause_words: int
    address: int
    instruction: bool  # an instruction verb opens a clause and is followed by its object
    unspaced: int  # characters of unspaced scripts (CJK)


def shape(text: str) -> Shape:
    """Count the features of a passage that tell language from labels."""
    tokens = _TOKEN_RE.findall(text)
    words = clause = address = letters_in_words = 0
    instruction = False
    opens_clause = True
    cores: list[str] = []
    for token in tokens:
        core = _EDGE_RE.sub("", token).casefold()
        cores.append(core)
        letters = core.replace("'", "").replace("-", "")
        is_word = letters.isalpha() and (len(letters) >= 2 or core in _CLAUSE_WORDS)
        if is_word:
            words += 1
            letters_in_words += len(letters)
            clause += core in _CLAUSE_WORDS
            address += core in _ADDRESS_WORDS
            if opens_clause and core in _INSTRUCTION_VERBS:
                instruction = True
        opens_clause = bool(_CLAUSE_END_RE.search(token))
    folded = " ".join(cores)
    address += sum(folded.count(phrase) for phrase in _ADDRESS_PHRASES)
    about_instructions = any(core in _INSTRUCTION_NOUNS for core in cores)
    return Shape(
        tokens=len(tokens),
        words=words,
        letters=letters_in_words,
        clause_words=clause,
        address=address,
        instruction=instruction and (clause > 0 or address > 0 or about_instructions),
        unspaced=len(_UNSPACED_RE.findall(text)),
    )


def reads_as_language(text: str, *, in_figure: bool) -> bool:
    """True when hidden text reads as language addressed to a reader or a model.

    Outside figures: a sentence (four words or more, two of them clause words), text that speaks
    to someone or about an AI model (three words or more), or an instruction (three words or more:
    an instruction verb opening a clause, with a clause word, an address or talk of instructions).
    Inside a figure's box, where labels and legends live: a long sentence (eight words, three
    clause words), an instruction, or address together with a clause word. Words of a language's
    length must make up most of the text: numbers, symbols, codes and glyph runs are residue.
    Unspaced scripts (CJK) count characters.
    """
    s = shape(text)
    if s.unspaced >= (12 if in_figure else 8):
        return True
    # Mostly words, and words of a language's length: codes and glyph runs ("th he ar ko vi") are not.
    if s.tokens == 0 or s.words < 0.6 * s.tokens or s.letters < _MIN_WORD_LETTERS * s.words:
        return False
    if in_figure:
        spoken_to = (s.address > 0 and s.clause_words > 0) or s.instruction
        return (s.words >= 8 and s.clause_words >= 3) or (s.words >= 3 and spoken_to)
    return (s.words >= 4 and s.clause_words >= 2) or (s.words >= 3 and (s.address > 0 or s.instruction))
