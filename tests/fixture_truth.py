"""Ground truth of the four fixture PDFs, read from their first pages (../shared/fixtures/README.md)."""

from __future__ import annotations

from typing import Any

TRUTH: dict[str, dict[str, Any]] = {
    "specter": {
        "title": "SPECTER: Document-level Representation Learning using Citation-informed Transformers",
        "authors": ["Arman Cohan", "Sergey Feldman", "Iz Beltagy", "Doug Downey", "Daniel S. Weld"],
        "abstract": (
            "Representation learning is a critical ingredient for natural language processing systems."
        ),
        "pages": 13,
        "url": "https://github.com/allenai/specter",
    },
    "literature_graph": {
        "title": "Construction of the Literature Graph in Semantic Scholar",
        "authors": [
            "Waleed Ammar",
            "Dirk Groeneveld",
            "Chandra Bhagavatula",
            "Iz Beltagy",
            "Miles Crawford",
            "Doug Downey",
            "Jason Dunkelberger",
            "Ahmed Elgohary",
            "Sergey Feldman",
            "Vu Ha",
            "Rodney Kinney",
            "Sebastian Kohlmeier",
            "Kyle Lo",
            "Tyler Murray",
            "Hsu-Han Ooi",
            "Matthew Peters",
            "Joanna Power",
            "Sam Skjonsberg",
            "Lucy Lu Wang",
            "Chris Wilhelm",
            "Zheng Yuan",
            "Madeleine van Zuylen",
            "Oren Etzioni",
        ],
        "abstract": (
            "We describe a deployed scalable system for organizing published scientific literature into a "
            "heterogeneous graph to facilitate algorithmic manipulation and discovery."
        ),
        "pages": 8,
        "url": "https://github.com/allenai/science-parse",
    },
    "papermage": {
        "title": (
            "PaperMage: A Unified Toolkit for Processing, Representing, and Manipulating Visually-Rich "
            "Scientific Documents"
        ),
        "authors": [
            "Kyle Lo",
            "Zejiang Shen",
            "Benjamin Newman",
            "Joseph Chee Chang",
            "Russell Authur",
            "Erin Bransom",
            "Stefan Candra",
            "Yoganand Chandrasekhar",
            "Regan Huff",
            "Bailey Kuehl",
            "Amanpreet Singh",
            "Chris Wilhelm",
            "Angele Zamarron",
            "Marti A. Hearst",
            "Daniel S. Weld",
            "Doug Downey",
            "Luca Soldaini",
        ],
        "abstract": (
            "Despite growing interest in applying natural language processing (NLP) and computer vision (CV) "
            "models to the scholarly domain, scientific documents remain challenging to work with."
        ),
        "pages": 13,
        "url": "https://github.com/allenai/papermage",
    },
    "futoma2017": {
        "title": (
            "An Improved Multi-Output Gaussian Process RNN with Real-Time Validation for Early Sepsis "
            "Detection"
        ),
        "authors": [
            "Joseph Futoma",
            "Sanjay Hariharan",
            "Katherine Heller",
            "Mark Sendak",
            "Nathan Brajer",
            "Meredith Clement",
            "Armando Bedoya",
            "Cara O'Brien",
        ],
        "abstract": (
            "Sepsis is a poorly understood and potentially life-threatening complication that can occur as a "
            "result of infection."
        ),
        "pages": 12,
        "url": "https://github.com/jfutoma/MGP-RNN",
    },
}
