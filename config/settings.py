"""The one settings object: env vars `PAPERPANELS_*` (nested with `__`), an optional TOML file.

Precedence, highest first: init arguments, environment, the TOML file named by
`PAPERPANELS_CONFIG_FILE` (or `./paperpanels.toml` when it exists), defaults.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from config.backends import choices
from config.redact import Redactor, redactor, url_secrets

CONFIG_DIR = Path(__file__).resolve().parent
CONFERENCES_DIR = CONFIG_DIR / "conferences"
FONTS_DIR = CONFIG_DIR / "fonts"


def _http_url(value: str | None, what: str) -> str | None:
    if value is not None and not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(f"{what} must be an http(s) URL, got {value!r}")
    return value


def _backend(kind: str) -> Any:
    """A setting naming a backend of `kind`: "auto" or one of config/backends.py's (checked when set,
    so a backend registered later is accepted); the JSON schema lists them (the UI form's enum)."""

    def known(value: str) -> str:
        if value not in choices(kind):
            raise ValueError(f"expected one of {', '.join(repr(c) for c in choices(kind))}")
        return value

    return Annotated[
        str, AfterValidator(known), WithJsonSchema({"type": "string", "enum": list(choices(kind))})
    ]


if TYPE_CHECKING:
    ParserName = str
    RendererName = str
else:
    ParserName = _backend("parser")
    RendererName = _backend("renderer")


class StoreSettings(BaseModel):
    uri: str = Field("./artifacts", description="Local directory or s3://bucket/prefix")
    endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, moto)")

    @field_validator("uri")
    @classmethod
    def _uri(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the store is empty: give a directory or s3://bucket/prefix")
        if "://" in v and not v.startswith(("s3://", "file://")):
            raise ValueError(f"unsupported store {v!r}: use a directory or s3://bucket/prefix")
        if v.startswith("s3://") and len(v.removeprefix("s3://").partition("/")[0]) < 3:
            raise ValueError(f"store {v!r}: a bucket name has at least 3 characters")
        return v

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        return _http_url(v, "the S3 endpoint")

    region: str | None = None
    # Both halves of the credentials are masked wherever settings are shown or logged.
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    # boto3 >= 1.36 sends CRC checksums by default, which some S3-compatible stores reject.
    checksum_mode: Literal["when_supported", "when_required"] = "when_supported"
    presign_expiry_s: int = Field(
        7 * 24 * 3600,
        ge=60,
        le=7 * 24 * 3600,
        description="Lifetime of pre-signed links in Prefect artifacts (S3 allows 7 days at most)",
    )
    gc_grace_s: float = Field(
        3600.0,
        ge=0,
        description="gc keeps any release (and temp file) younger than this: slow writers, readers mid-read",
    )
    release_lease_s: float = Field(
        600.0,
        ge=5,
        description="Lease of a publisher on the release it writes (renewed while it writes); "
        "gc keeps a release under a live lease",
    )


class GrobidSettings(BaseModel):
    url: str | None = Field(None, description="GROBID server URL; unset = local parser")
    timeout_s: float = Field(120.0, gt=0)
    consolidate_header: int = Field(0, ge=0, le=3, description="GROBID consolidateHeader (0 = off)")
    consolidate_citations: int = Field(0, ge=0, le=2, description="GROBID consolidateCitations")
    include_raw_citations: bool = True
    segment_sentences: bool = False
    tei_coordinates: list[str] = Field(default_factory=lambda: ["figure", "head", "p"])
    busy_retries: int = Field(6, ge=0, description="How many 503 (busy) answers to wait through")
    busy_sleep_s: float = Field(5.0, ge=0, description="First back-off after a 503; doubles, capped")
    concurrency: int = Field(4, ge=1, description="PDFs sent to GROBID at once (its default pool is 10)")

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return _http_url(v, "the GROBID url")


class ParseSettings(BaseModel):
    parser: ParserName = Field(
        "auto", description="auto = GROBID when configured and alive, else the local parser"
    )
    max_pages: int = Field(200, ge=1, description="PDFs with more pages are rejected")
    max_pdf_mb: float = Field(50.0, gt=0, description="Size cap for a PDF, downloaded or local")
    # Budgets of one PDF (tasks/parse/streams.py, tasks/compute.py): a paper over one fails alone.
    max_decoded_mb: float = Field(
        64.0, gt=0, description="What a PDF's content may decode to (counted once per page drawing it)"
    )
    max_image_mb: float = Field(512.0, gt=0, description="Decoded size one image of a PDF may declare")
    max_memory_mb: int = Field(
        2048, ge=256, description="Address space of the process that parses one PDF (RLIMIT_AS)"
    )
    cpu_s_per_page: float = Field(
        1.0, gt=0, description="CPU seconds one PDF may take to parse, per page (plus cpu_s_base)"
    )
    cpu_s_base: float = Field(10.0, gt=0, description="CPU seconds any PDF may take, whatever its pages")


# Model calls in flight at once when llm.concurrency is unset. A hosted API serves many calls at once
# and its quota is per minute (the `llm` rate limit, ops.llm_per_minute, allows a burst of that many):
# 16 at a hosted model's ~8 s a call publish 10 papers in 50-54 s against 59-63 s at 8 (bench/
# time_to_publish.py). A model on one machine answers a few at a time and the rest queue there,
# against their timeout.
HOSTED_LLM_CALLS = 16
LOCAL_LLM_CALLS = 4


class LLMSettings(BaseModel):
    model: str | None = Field(None, description="provider:model; unset = extractive summarizer")
    base_url: str | None = Field(None, description="OpenAI-compatible server (vLLM, llama.cpp, LM Studio)")
    api_key: SecretStr | None = None
    temperature: float = Field(0.2, ge=0, le=2)
    max_tokens: int = Field(2048, ge=1)
    timeout_s: float = Field(120.0, gt=0)
    max_retries: int = Field(3, ge=0, description="Retries of 429 / 5xx / timeouts, with back-off")
    language: str = Field("English", description="Output language of summaries and comics")
    context_tokens: int = Field(12000, ge=1000, description="Token budget for paper text per call")
    concurrency: int | None = Field(
        None,
        ge=1,
        description="LLM calls in flight at once, across papers; unset: 16 for a hosted API (the `llm` "
        "rate limit keeps to its quota), 4 for a model served on this machine or network (ollama, or a "
        "base_url on localhost, a compose service or a private address), which answers few calls at once",
    )
    prices_file: Path | None = Field(None, description="TOML price table; default config/prices.toml")

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str | None) -> str | None:
        return _http_url(v, "the LLM base url")

    @property
    def calls_at_once(self) -> int:
        """`concurrency`, or where unset the default for where the model is served (its description)."""
        if self.concurrency is not None:
            return self.concurrency
        return LOCAL_LLM_CALLS if self.served_nearby else HOSTED_LLM_CALLS

    @property
    def served_nearby(self) -> bool:
        """True for a model served on this machine or network: ollama, or a base_url on localhost, a
        one-label name (a compose service: http://vllm:8000/v1), a .local / .internal name, or a
        private, loopback or link-local address (a hosted API behind a base_url is a public name)."""
        if (self.model or "").partition(":")[0].strip().lower() == "ollama":
            return True
        host = urlsplit(self.base_url).hostname if self.base_url else None
        if not host:
            return False
        if "." not in host or host.endswith((".localhost", ".local", ".internal")):
            return True  # localhost, a compose service or a name on the local network, never a hosted API
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return address.is_private or address.is_loopback or address.is_link_local

    @field_validator("model")
    @classmethod
    def _model(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        provider, _, model = v.partition(":")
        if not provider.strip() or not model.strip():
            raise ValueError(f"LLM model {v!r} must be 'provider:model', e.g. 'openai:gpt-4o-mini'")
        return v


Toggle = Literal["auto", "on", "off"]


class ComicSpeedSettings(BaseModel):
    """Speed options of the diffusion renderer. "auto": on where the GPU supports it (Hopper), else off.

    What is used and why is announced in the logs and comic.json; an option the hardware cannot run
    is turned off with a warning, and the quality guard turns off one that changes the picture.
    """

    fused_qkv: Toggle = Field("auto", description="Fuse attention Q/K/V projections (auto: CUDA)")
    fp8: Toggle = Field(
        "auto",
        description="float8 dynamic activation+weight quantization of the denoiser's linear layers "
        "(torchao; needs compute capability >= 8.9; auto: on there)",
    )
    channels_last_vae: Toggle = Field("auto", description="VAE in channels-last memory format (auto: CUDA)")
    attention: Literal["auto", "native", "cudnn", "flash", "flash3", "efficient", "math", "sage"] = Field(
        "auto", description="Attention backend (auto: cudnn on Hopper, else PyTorch's own choice)"
    )
    compile_mode: Literal["default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"] = (
        "default"
    )
    compile_fullgraph: bool = Field(True, description="torch.compile with fullgraph (no graph breaks)")
    compile_vae: bool = Field(True, description="Also compile the VAE decoder when compiling")
    cache_dir: Path | None = Field(
        None,
        description="Inductor FX graph / AOT autograd / Triton cache and quality-guard verdicts "
        "(a volume: new workers skip the compile); unset = torch's default (/tmp)",
    )
    guard: bool = Field(True, description="Compare each option's panels with bf16 eager once per worker")
    min_psnr_db: float = Field(30.0, ge=0, description="Quality guard: least PSNR vs eager, in dB")
    max_abs_diff: float | None = Field(
        None, gt=0, le=1, description="Quality guard: largest pixel difference vs eager (0-1); unset = none"
    )


def _toggle(value: object) -> object:
    """Booleans (and their env spellings) as on / off: `compile = true` keeps working."""
    spelled = str(value).strip().lower()
    if isinstance(value, bool) or spelled in {"true", "false", "1", "0", "yes", "no"}:
        return "on" if spelled in {"true", "1", "yes"} else "off"
    return value


class ComicSettings(BaseModel):
    renderer: RendererName = "auto"
    model: str | None = Field(None, description="diffusers model id or local path")
    width: int = Field(2048, ge=256, le=8192)
    seed: int = 0
    steps: int | None = Field(None, ge=1, description="Inference steps; None = the model preset's")
    guidance: float | None = Field(None, description="Guidance scale; None = the model preset's")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    device: str = Field("auto", description="auto = cuda when available")
    character: str = Field("pip", description="Mascot preset in config/comic/characters")
    style: str = Field("clean-line", description="Art style preset in config/comic/styles")
    compile: Toggle = Field("auto", description="torch.compile the denoiser (auto: on for CUDA GPUs)")
    speed: ComicSpeedSettings = Field(default_factory=ComicSpeedSettings)
    cpu_offload: bool = Field(False, description="Model CPU offload for small GPUs")
    panels: int | None = Field(None, ge=3, le=6, description="Panels per comic; None = as the claims carry")

    @field_validator("compile", mode="before")
    @classmethod
    def _compile(cls, v: object) -> object:
        return _toggle(v)


class HarvestSettings(BaseModel):
    papers_dir: Path | None = Field(None, description="Folder of <arxiv id>.pdf / <openreview id>.pdf")
    download: bool = Field(True, description="Try to download PDFs that no local folder supplies")
    timeout_s: float = Field(30.0, gt=0, description="Longest one request may take, start to end")
    arxiv_interval_s: float = Field(3.0, ge=0, description="arXiv asks for one request every 3 s")
    semantic_scholar_interval_s: float = Field(
        1.0, ge=0, description="Semantic Scholar allows about one request a second without an API key"
    )
    user_agent: str = "paperpanels/0.1 (+https://github.com/paperpanels/paperpanels)"
    cache_dir: Path | None = Field(None, description="On-disk cache of API responses; unset = no cache")
    arxiv_api: str = "https://export.arxiv.org/api/query"
    openreview_api: str = "https://api2.openreview.net"
    semantic_scholar_api: str = "https://api.semanticscholar.org/graph/v1"
    dblp_api: str = Field("https://dblp.org/search/publ/api", description="DBLP publication search")
    acl_anthology_bib: str = Field(
        "https://aclanthology.org/anthology.bib.gz", description="The ACL Anthology's bibliography export"
    )
    github_api: str = Field("https://api.github.com", description="Asked for code repositories' licences")
    check_licences: bool = Field(
        True, description="Ask the GitHub API for each code repository's licence (needs download too)"
    )
    feeds: dict[str, list[str]] = Field(
        default_factory=dict, description="Announcement feeds / awards pages per conference slug"
    )
    min_confidence: float = Field(0.85, ge=0, le=1, description="Below this a match needs review")
    allowed_hosts: list[str] = Field(
        default_factory=list, description="Private/loopback hosts downloads may reach anyway"
    )
    allow_private: bool = Field(False, description="Allow downloads from any private address")
    calendar_file: Path | None = Field(None, description="Conference calendar; default config/calendar.yaml")
    watch_min_interval_s: float = Field(
        600.0, ge=0, description="Poll one announcement source at most this often (politeness)"
    )
    max_retry_after_s: float = Field(60.0, description="Longest Retry-After wait honoured")
    max_page_mb: float = Field(
        8.0, gt=0, description="Byte cap of an announcement page or feed: the fetch stops there"
    )
    poll_deadline_s: float = Field(
        180.0, gt=0, description="Longest one edition's poll may take (all its sources, reading included)"
    )


class OpsSettings(BaseModel):
    """How the pipeline is operated: deployments, schedules, the review gate, limits."""

    watch_cron: str = Field("0 6 * * *", description="Cron of the watch-awards deployment (UTC)")
    watch_interval_s: int | None = Field(
        None, ge=1, description="Run watch-awards every N seconds instead of on the cron"
    )
    watch_as_of: date | None = Field(
        None, description="Scheduled watch runs pick editions as if it were this day (replaying a window)"
    )
    notify_block: str | None = Field(
        None,
        description="Prefect notification block for 'digest published' / 'review waiting', "
        "as <block-type>/<name>, e.g. slack-webhook/paperpanels",
    )
    comic_deployment: str | None = Field(
        None, description="e.g. 'draw-comics/draw-comics': run comics there; unset = in-process"
    )
    serve_limit: int = Field(4, ge=1, description="Flow runs `paperpanels serve` executes at once")
    server_port: int = Field(
        4200,
        ge=1,
        le=65535,
        description="Port of `paperpanels server` on 127.0.0.1: a command without PREFECT_API_URL uses "
        "the server up there, else starts a temporary one",
    )
    review: bool = Field(False, description="Wait for a human approval before publishing")
    review_timeout_s: int = Field(24 * 3600, ge=1, description="How long a review waits")
    result_block: str | None = Field(None, description="S3Bucket block for task results, e.g. 'pp-results'")
    gpu_slots: int = Field(1, ge=1, description="Global concurrency limit `gpu`: GPUs available")
    llm_per_minute: int = Field(60, ge=1, description="Rate limit `llm`: calls per minute")
    arxiv_per_minute: int = Field(20, ge=1, description="Rate limit `arxiv`: requests per minute")
    work_pool: str = Field("paperpanels-process", description="Process work pool used by deploy")
    gpu_work_pool: str = Field("paperpanels-gpu", description="Work pool of the draw-comics deployment")
    locks: Literal["none", "memory", "file", "redis"] = Field(
        "file", description="Lock of identical stage runs: file = across processes of one machine"
    )
    redis_url: str | None = Field(None, description="Redis for locks across machines (needs prefect-redis)")
    lock_lease_s: float = Field(
        30.0,
        ge=1,
        description="Lease of a stage lock: renewed by a live holder; a dead one's lock is taken over",
    )
    task_runner: Literal["local", "threads", "dask"] = Field(
        "local",
        description="Where stages run: local = threads for I/O + processes for CPU-bound stages; "
        "threads = all on threads; dask = a Dask cluster (dask_address, else a local one)",
    )
    dask_address: str | None = Field(
        None, description="Dask scheduler for task_runner = dask, e.g. tcp://scheduler:8786; unset = local"
    )
    cpu_workers: int | None = Field(
        None, ge=1, description="Processes for CPU-bound stages (and local Dask workers); unset = cores"
    )
    process_min_papers: int = Field(
        24, ge=1, description="task_runner = local: fewer papers than this stay on threads (no process pool)"
    )
    backfill_concurrency: int = Field(2, ge=1, description="Conferences a backfill digests at once")
    backfill_deployment: str | None = Field(
        None,
        description="e.g. 'award-digest/award-digest': a backfill starts each conference as a "
        "flow run of this deployment (on its work pool); unset = subflows in the backfill's process",
    )


class PublishSettings(BaseModel):
    """Where the published site is served: links that must be absolute (previews, feed, sitemap)."""

    base_url: str | None = Field(
        None,
        description="Public address the store is served from, e.g. https://example.org/awards; "
        "unset = relative links (link previews and sitemap.xml then need the page's own address)",
    )

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", v):
            raise ValueError(
                f"publish.base_url must be an http(s) URL without query or fragment, "
                f"e.g. https://example.org/awards; got {v!r}"
            )
        return v.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERPANELS_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    store: StoreSettings = Field(default_factory=StoreSettings)
    grobid: GrobidSettings = Field(default_factory=GrobidSettings)
    parse: ParseSettings = Field(default_factory=ParseSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    comic: ComicSettings = Field(default_factory=ComicSettings)
    harvest: HarvestSettings = Field(default_factory=HarvestSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    publish: PublishSettings = Field(default_factory=PublishSettings)
    conferences_dir: Path = CONFERENCES_DIR
    concurrency: int = Field(4, ge=1, description="Papers of one conference processed at once")

    # PAPERPANELS_PAPERS_DIR is the documented short form of harvest.papers_dir.
    papers_dir: Path | None = Field(None, exclude=True)

    def model_post_init(self, _ctx: Any) -> None:
        if self.papers_dir and not self.harvest.papers_dir:
            self.harvest.papers_dir = self.papers_dir

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = config_file()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    def masked(self) -> dict[str, Any]:
        """Effective settings as JSON-able data, secrets shown as '**********' (in URLs too)."""
        data: dict[str, Any] = self.redactor(places=False).data(json.loads(self.model_dump_json()))
        return data

    def redactor(self, *, places: bool = True) -> Redactor:
        """What masks this configuration's secrets (and, with places, its local folders) in any text."""
        h, urls = self.harvest, [self.grobid.url, self.llm.base_url, self.store.endpoint_url]
        urls += [self.ops.redis_url, self.ops.dask_address, h.arxiv_api, h.openreview_api, h.github_api]
        keys = [self.llm.api_key, self.store.access_key_id, self.store.secret_access_key]
        secrets = [k.get_secret_value() for k in keys if k] + [s for u in urls for s in url_secrets(u)]
        if not places:
            return redactor(secrets)
        store = None if "://" in self.store.uri else self.store.uri
        folders = [(h.papers_dir, "the papers folder"), (store, "the store")]
        folders += [(self.conferences_dir, "the conferences folder"), (Path.home(), "~")]
        # As given and resolved: a message may name either.
        named = [(str(q), w) for p, w in folders if p for q in {Path(p), Path(p).resolve()}]
        return redactor(secrets, named)

    def with_values(self, **dotted: Any) -> Settings:
        """A copy with some values replaced, validated: `with_values(**{"comic.renderer": "sketch"})`.

        How a run's own settings (CLI options, the UI form) are made: a value handed to the flow,
        never a rewrite of the environment. None leaves a value as it is. Raises ValueError naming
        the setting when a value is invalid.
        """
        data = self.model_dump()  # SecretStr values stay SecretStr: nothing is unmasked or lost
        if "papers_dir" in dotted:  # the documented short form of harvest.papers_dir
            short = dotted.pop("papers_dir")
            dotted = {**dotted, "harvest.papers_dir": short}
        for name, value in dotted.items():
            if value is None:
                continue
            *path, leaf = name.split(".")
            target = data
            for part in path:
                if not isinstance(target.get(part), dict):
                    raise ValueError(f"unknown setting {name!r}")
                target = target[part]
            if leaf not in target:
                raise ValueError(f"unknown setting {name!r}")
            target[leaf] = value
        try:
            # model_validate on a BaseSettings validates the values given; no source is read again.
            return type(self).model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"setting {where}={first.get('input')!r}: {first['msg']}") from None


def config_file() -> Path | None:
    """The TOML settings file in force, if any; a named file that is missing is an error."""
    named = os.environ.get("PAPERPANELS_CONFIG_FILE")
    if named:
        path = Path(named)
        if not path.is_file():
            raise FileNotFoundError(f"PAPERPANELS_CONFIG_FILE={named!r} does not exist")
        return path
    default = Path("paperpanels.toml")
    return default if default.is_file() else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; call `get_settings.cache_clear()` after changing the environment."""
    return Settings()
