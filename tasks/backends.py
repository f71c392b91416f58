"""The backends of one run, chosen once from its settings and handed to every stage as one value.

A run chooses its store, parser, summarizer, comic script writer and panel renderer once (each
from config/backends.py's registry, by the stage's own chooser), says why in `notices` (logged
once, not once per paper), and hands this value to the stages: a stage asks it, never the
settings, what to use, and the cache key names the identity of the same choice. Each backend says
where it runs ("cpu": the process pool; "io" / "gpu": a thread waiting on a service or device), and
`waits(stage)` says from that whether the stage is waiting work (a model, GROBID, a download, the
GPU: as wide as that service's own limit) or computing work (as wide as the cores).
A plain value: it pickles to process pools and Dask workers (the store is built where it is used).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config.settings import Settings
from tasks.comic.draw import PageOptions
from tasks.comic.panels.base import PanelRenderer
from tasks.comic.panels.choice import choose_panel_renderer
from tasks.comic.script.choice import choose_script_writer
from tasks.comic.script.writers import ScriptWriter
from tasks.parse.choice import ParserChoice, run_parser
from tasks.store import ArtifactStore, store_for
from tasks.summarize.backends import Summarizer, choose_summarizer


@dataclass(frozen=True)
class Backends:
    """What one run uses, chosen once: see the module's docstring."""

    settings: Settings
    parser: ParserChoice
    summarizer: Summarizer
    writer: ScriptWriter
    renderer: PanelRenderer
    page: PageOptions
    # Why each choice, by the stage that uses it: said once per run, when a paper first reaches it.
    stage_notices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    comic_notices: tuple[str, ...] = field(default=())  # what each comic's notices say of its drawing
    renderer_requested: str = ""  # what the settings asked for: a stand-in's comic.json names it

    @property
    def store(self) -> ArtifactStore:
        return store_for(self.settings.store)

    def waits(self, stage: str) -> bool:
        """True when the stage spends its time waiting on a service or device, not computing here."""
        if stage == "acquire":  # a download, or the store
            return True
        if stage == "parse":
            return self.parser.parser.runs_on == "io"
        if stage == "summarize":
            return self.summarizer.runs_on == "io"
        if stage == "comic":  # a model's script, or the GPU; the sketch's drawing takes a core's slot
            return self.writer.runs_on == "io" or self.renderer.runs_on == "gpu"
        return False  # repro: reading the parsed text

    def waits_on_model(self) -> bool:
        return self.summarizer.runs_on == "io" or self.writer.runs_on == "io"

    @property
    def notices(self) -> tuple[str, ...]:
        return tuple(n for notices in self.stage_notices.values() for n in notices)


def backends_for(settings: Settings) -> Backends:
    """Every backend of a run, chosen from its settings (a parser named explicitly that cannot run,
    e.g. GROBID down with parse.parser "grobid", fails each paper saying why)."""
    parser = run_parser(settings)
    summarizer = choose_summarizer(settings)
    writer = choose_script_writer(settings)
    renderer = choose_panel_renderer(settings)
    return Backends(
        settings=settings,
        parser=parser,
        summarizer=summarizer.summarizer,
        writer=writer.writer,
        renderer=renderer.renderer,
        page=PageOptions.of(settings.comic, settings.llm.language),
        stage_notices={
            "parse": tuple(parser.notices),
            "summarize": tuple(summarizer.notices),
            "comic": (*writer.notices, *renderer.notices, *renderer.logged),
        },
        comic_notices=(*renderer.notices, *writer.notices),
        renderer_requested=f"requested={settings.comic.renderer}:{settings.comic.model}",
    )
