"""A ParsedPaper as readable markdown (`paperpanels parse --format markdown`)."""

from __future__ import annotations

from tasks.models import ParsedPaper


def to_markdown(parsed: ParsedPaper) -> str:
    """A readable markdown rendering of a parsed paper."""
    out = [f"# {parsed.title}", ""]
    for author in parsed.authors:
        extra = "; ".join(author.affiliations)
        out.append(
            f"- **{author.name}**"
            + (f" — {extra}" if extra else "")
            + (f" <{author.email}>" if author.email else "")
        )
    if parsed.authors:
        out.append("")
    if parsed.keywords:
        out += [f"*Keywords:* {', '.join(parsed.keywords)}", ""]
    if parsed.abstract:
        out += ["## Abstract", "", parsed.abstract, ""]
    for section in parsed.sections:
        heading = f"{section.number} {section.heading}".strip() if section.number else section.heading
        out += [f"## {heading or '(untitled section)'}", ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
    if parsed.captions:
        out += ["## Figures and tables", ""]
        for caption in parsed.captions:
            label = caption.label or caption.kind.title()
            page = f" (p. {caption.page})" if caption.page else ""
            out.append(f"- **{label}**{page}: {caption.text}")
        out.append("")
    out += [
        "## References",
        "",
        f"{len(parsed.references)} references, {len(parsed.citations)} in-text citations linked.",
        "",
    ]
    if parsed.urls:
        out += ["## URLs", "", *(f"- <{url}>" for url in parsed.urls), ""]
    if parsed.notices:
        out += ["## Notices", "", *(f"- {notice}" for notice in parsed.notices), ""]
    out.append(f"*Parsed by {parsed.parser} {parsed.parser_version}, {parsed.page_count} pages.*")
    return "\n".join(out) + "\n"
