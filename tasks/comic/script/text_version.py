"""The comic as text, panel by panel: caption, who says what, what is drawn, the figure presented.

A reader who cannot see the image reads this instead (review.html and digest.html link it from the
comic; comic.json stores it). It says what the script says and nothing more: the panel's caption
and dialogue as lettered, its scene as drawn, and for a panel that presents one of the paper's
figures, that figure's label and its own caption from figures.json.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tasks.models import ComicScript, ComicText, ComicTextFigure, ComicTextPanel, FigureRef


def _own_caption(figure: FigureRef) -> str:
    """The caption as printed, less its "Figure 3:" / "Fig. 3." head (the label says it)."""
    head = re.compile(rf"^(?:Figure|Fig\.?)\s*{figure.number}\s*[:.|]?\s*", re.IGNORECASE)
    return head.sub("", " ".join(figure.caption.split()), count=1) or figure.caption


def comic_text(script: ComicScript, figures: Sequence[FigureRef] = ()) -> ComicText:
    """The text version of `script`; `figures` are the paper's figures (figures.json) it may present.

    A panel naming a figure that is not among `figures` keeps its text and says nothing about the
    figure: there is no caption of it to give.
    """
    by_number = {f.number: f for f in figures}
    panels = []
    for panel in script.panels:
        figure = by_number.get(panel.figure) if panel.figure is not None else None
        panels.append(
            ComicTextPanel(
                caption=panel.caption,
                dialogue=list(panel.dialogue),
                shows=panel.scene,
                figure=ComicTextFigure(label=figure.label, caption=_own_caption(figure)) if figure else None,
            )
        )
    return ComicText(title=script.title, panels=panels)
