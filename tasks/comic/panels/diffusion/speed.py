"""Speed options of the diffusion renderer: which ones run here, applying each, and undoing it.

The options (settings.comic.speed, plus comic.compile): the attention backend, fused QKV projections,
a channels-last VAE, float8 dynamic activation + weight quantization of the denoiser's linear layers
(torchao) and torch.compile. Each is "on", "off" or "auto"; `plan_speed` decides once from the
hardware what runs, logs why, and turns off with a warning what the hardware cannot run (FP8 below
compute capability 8.9, anything CUDA-only on a CPU). `apply_option` applies one option in place and
returns its undo, so the quality guard (diffusion/quality.py) can refuse an option that changes
the picture. They are applied in `OPTIONS` order: compile last, since it traces what the others made.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from config.settings import ComicSpeedSettings

logger = logging.getLogger(__name__)

OPTIONS = ("attention", "fused_qkv", "channels_last_vae", "fp8", "compile")
# Our names -> diffusers' attention dispatch backends (diffusers.models.attention_dispatch).
ATTENTION_BACKENDS = {
    "native": "native",
    "cudnn": "_native_cudnn",
    "flash": "flash",
    "flash3": "_flash_3",
    "efficient": "_native_efficient",
    "math": "_native_math",
    "sage": "sage",
}
ATTENTION_PACKAGES = {"flash": "flash_attn", "flash3": "flash_attn_interface", "sage": "sageattention"}
CUDA_ONLY_ATTENTION = {"cudnn", "flash", "flash3", "efficient", "sage"}
FP8_CAPABILITY = (8, 9)  # Ada and Hopper have FP8 tensor cores; torchao refuses anything older
HOPPER = (9, 0)


@dataclass(frozen=True)
class Hardware:
    """Where the pipeline runs: device string, its name and CUDA compute capability (None on a CPU)."""

    device: str
    name: str
    capability: tuple[int, int] | None = None

    @property
    def cuda(self) -> bool:
        return self.device.startswith("cuda") and self.capability is not None

    def describe(self) -> str:
        if self.capability is None:
            return self.name
        return f"{self.name} (compute capability {self.capability[0]}.{self.capability[1]})"


def detect_hardware(device: str) -> Hardware:
    """The device's name and compute capability, read from torch."""
    if device.startswith("cuda") and torch.cuda.is_available():
        index = torch.device(device).index or 0
        return Hardware(device, torch.cuda.get_device_name(index), torch.cuda.get_device_capability(index))
    return Hardware(device, "CPU" if device == "cpu" else device)


def has_package(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@dataclass(frozen=True)
class SpeedPlan:
    """The options that run: `attention` None leaves the pipeline's own attention."""

    attention: str | None = None
    fused_qkv: bool = False
    channels_last_vae: bool = False
    fp8: bool = False
    compile: bool = False
    compile_mode: str = "default"
    compile_fullgraph: bool = True
    compile_vae: bool = True
    compile_backend: str = "inductor"

    def enabled(self) -> list[str]:
        return [o for o in OPTIONS if (self.attention is not None if o == "attention" else getattr(self, o))]

    def without(self, option: str) -> SpeedPlan:
        off: dict[str, Any] = {option: None if option == "attention" else False}
        return replace(self, **off)

    def only(self, options: list[str]) -> SpeedPlan:
        """This plan with every option not in `options` off (compile settings kept)."""
        plan = self
        for option in self.enabled():
            if option not in options:
                plan = plan.without(option)
        return plan

    def describe(self, option: str) -> str:
        if option == "attention":
            return f"{self.attention}-attention"
        if option == "compile":
            graph = ",fullgraph" if self.compile_fullgraph else ""
            backend = "" if self.compile_backend == "inductor" else f",{self.compile_backend}"
            return f"compile({self.compile_mode}{graph}{backend})"
        return option.replace("_", "-")

    @property
    def label(self) -> str:
        """ "eager", or the options joined by '+', e.g. "cudnn-attention+fused-qkv+fp8+compile(default)"."""
        return "+".join(self.describe(o) for o in self.enabled()) or "eager"


@dataclass
class SpeedDecision:
    """The plan for this hardware, why each option is on or off, and warnings for refused requests."""

    plan: SpeedPlan
    hardware: Hardware
    reasons: dict[str, str]
    notices: list[str]

    def summary(self) -> str:
        why = "; ".join(f"{o}: {r}" for o, r in self.reasons.items())
        return f"speed options on {self.hardware.describe()}: {self.plan.label} ({why})"


@dataclass
class _Verdicts:
    """Why each option is on or off, and a warning for each request the hardware refuses."""

    announce: bool
    reasons: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def refuse(self, option: str, why: str) -> bool:
        note = f"Speed option {option} requested but off: {why}."
        if self.announce:
            logger.warning("comic: %s", note)
        self.notices.append(note)
        self.reasons[option] = f"off, {why}"
        return False

    def toggle(self, option: str, value: str, unsupported: str | None, auto_on: bool, auto_why: str) -> bool:
        """Whether `option` runs; `unsupported` is why the hardware cannot run it (None: it can)."""
        if value == "off":
            self.reasons[option] = "off by setting"
            return False
        if unsupported is not None:
            if value == "on":
                return self.refuse(option, unsupported)
            self.reasons[option] = f"off, {unsupported}"
            return False
        if value == "on":
            self.reasons[option] = "on by setting"
            return True
        self.reasons[option] = ("on, " if auto_on else "off, ") + auto_why
        return auto_on


def plan_speed(
    speed: ComicSpeedSettings,
    compile: str | bool,
    hardware: Hardware,
    *,
    available: Callable[[str], bool] = has_package,
    announce: bool = True,
) -> SpeedDecision:
    """What runs here: "auto" options on where this hardware supports them; refused requests warned.

    `available(package)` says whether a Python package can be imported (torchao, flash_attn, ...).
    `announce` False plans silently (a cache key's identity); the pipeline's own planning logs.
    """
    if isinstance(compile, bool):
        compile = "on" if compile else "off"
    hw, verdicts = hardware, _Verdicts(announce)
    toggle = verdicts.toggle
    plan = SpeedPlan(
        fused_qkv=toggle("fused_qkv", speed.fused_qkv, None, hw.cuda, "auto on CUDA GPUs"),
        channels_last_vae=toggle(
            "channels_last_vae", speed.channels_last_vae, None, hw.cuda, "auto on CUDA GPUs"
        ),
        fp8=toggle(
            "fp8", speed.fp8, _fp8_unsupported(hw, available), hw.cuda, "auto on compute capability >= 8.9"
        ),
        compile=toggle(
            "compile", compile, None, hw.cuda, "auto on CUDA GPUs (on a CPU Inductor compiles for minutes)"
        ),
        attention=_attention(speed.attention, hw, available, verdicts),
        compile_mode=speed.compile_mode,
        compile_fullgraph=speed.compile_fullgraph,
        compile_vae=speed.compile_vae,
    )
    decision = SpeedDecision(plan, hw, verdicts.reasons, verdicts.notices)
    if announce:
        logger.info("comic: %s", decision.summary())
    return decision


def _fp8_unsupported(hw: Hardware, available: Callable[[str], bool]) -> str | None:
    """Why FP8 cannot run here, or None."""
    cap = hw.capability or (0, 0)
    if not hw.cuda or cap < FP8_CAPABILITY:
        return "no FP8 on a CPU" if not hw.cuda else f"compute capability {cap[0]}.{cap[1]} < 8.9 has no FP8"
    if not available("torchao"):
        return "torchao is not installed (pip install 'paperpanels[gpu]')"
    return None


def _attention(
    wanted: str, hw: Hardware, available: Callable[[str], bool], verdicts: _Verdicts
) -> str | None:
    """The attention backend that runs (None: the pipeline's own), its reason told to `verdicts`."""
    reasons = verdicts.reasons
    if wanted == "auto":
        if hw.cuda and (hw.capability or (0, 0)) >= HOPPER:
            reasons["attention"] = "cudnn, auto on Hopper"
            return "cudnn"
        reasons["attention"] = "PyTorch's default SDPA, auto"
    elif wanted == "native":
        reasons["attention"] = "PyTorch's default SDPA by setting"
    elif wanted in CUDA_ONLY_ATTENTION and not hw.cuda:
        verdicts.refuse("attention", f"{wanted} attention it needs a CUDA GPU")
    elif wanted in ATTENTION_PACKAGES and not available(ATTENTION_PACKAGES[wanted]):
        verdicts.refuse("attention", f"{wanted} attention needs the {ATTENTION_PACKAGES[wanted]} package")
    else:
        reasons["attention"] = f"{wanted} by setting"
        return wanted
    return None


def denoiser_of(pipe: Any) -> torch.nn.Module:
    module = getattr(pipe, "transformer", None) or pipe.unet
    assert isinstance(module, torch.nn.Module)
    return module


def _nothing() -> None:
    return None


def apply_option(pipe: Any, option: str, plan: SpeedPlan) -> Callable[[], None]:
    """Apply one option of `plan` to the pipeline in place; returns a function that undoes it."""
    if option not in OPTIONS:
        raise ValueError(f"unknown speed option {option!r}; expected one of {OPTIONS}")
    apply: Callable[[Any, SpeedPlan], Callable[[], None]] = globals()[f"_apply_{option}"]
    return apply(pipe, plan)


def _apply_attention(pipe: Any, plan: SpeedPlan) -> Callable[[], None]:
    den = denoiser_of(pipe)
    assert plan.attention is not None
    den.set_attention_backend(ATTENTION_BACKENDS[plan.attention])  # type: ignore[operator]
    return den.reset_attention_backend  # type: ignore[return-value]


def _apply_fused_qkv(pipe: Any, plan: SpeedPlan) -> Callable[[], None]:
    modules: list[Any] = [denoiser_of(pipe), getattr(pipe, "vae", None)]
    fused = [m for m in modules if hasattr(m, "fuse_qkv_projections")]
    if not fused:
        raise SpeedOptionError(f"{type(denoiser_of(pipe)).__name__} cannot fuse its QKV projections")
    for module in fused:
        module.fuse_qkv_projections()

    def undo() -> None:
        for module in fused:
            module.unfuse_qkv_projections()

    return undo


def _apply_channels_last_vae(pipe: Any, plan: SpeedPlan) -> Callable[[], None]:
    vae = pipe.vae
    vae.to(memory_format=torch.channels_last)
    return lambda: vae.to(memory_format=torch.contiguous_format)


def fp8_linear(module: torch.nn.Module) -> bool:
    """A linear layer the FP8 GEMM can take: both sides multiples of 16."""
    return (
        isinstance(module, torch.nn.Linear) and module.in_features % 16 == 0 and module.out_features % 16 == 0
    )


def _snapshot_device(nbytes: int, device: torch.device) -> torch.device:
    """Keep the undo copy on the GPU when it fits twice over (fast, no host RAM), else on the CPU."""
    if device.type == "cuda" and torch.cuda.mem_get_info(device)[0] > 2 * nbytes:
        return device
    return torch.device("cpu")


def _apply_fp8(pipe: Any, plan: SpeedPlan) -> Callable[[], None]:
    from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, PerRow, quantize_

    den = denoiser_of(pipe)
    targets = {name: m for name, m in den.named_modules() if fp8_linear(m)}
    if not targets:
        raise SpeedOptionError(f"{type(den).__name__} has no linear layer FP8 can take")
    weights = {name: m.weight for name, m in targets.items()}
    device = next(iter(weights.values())).device
    keep = _snapshot_device(sum(w.numel() * w.element_size() for w in weights.values()), device)
    saved = {name: w.detach().to(keep, copy=True) for name, w in weights.items()}
    # Per-row scales: the published FLUX recipe's granularity, closer to bf16 than per-tensor.
    quantize_(
        den,
        Float8DynamicActivationFloat8WeightConfig(granularity=PerRow()),
        filter_fn=lambda module, fqn: fqn in targets,
    )

    def undo() -> None:
        for name, module in targets.items():
            module.weight = torch.nn.Parameter(saved[name].to(device), requires_grad=False)
        saved.clear()

    return undo


def _apply_compile(pipe: Any, plan: SpeedPlan) -> Callable[[], None]:
    kwargs: dict[str, Any] = {"fullgraph": plan.compile_fullgraph, "backend": plan.compile_backend}
    if plan.compile_backend == "inductor" and plan.compile_mode != "default":
        kwargs["mode"] = plan.compile_mode
    # Static shapes: a page size compiles once (and is cached on disk); no slower dynamic kernels.
    kwargs["dynamic"] = False
    compiled = [denoiser_of(pipe)]
    compiled[0].compile(**kwargs)
    vae = getattr(pipe, "vae", None)
    if plan.compile_vae and vae is not None and hasattr(vae, "decoder"):
        vae.decoder.compile(**{**kwargs, "fullgraph": False})
        compiled.append(vae.decoder)

    def undo() -> None:
        for module in compiled:
            module._compiled_call_impl = None

    return undo


def apply_plan(pipe: Any, plan: SpeedPlan) -> None:
    """Every option of the plan, in order, with no quality guard."""
    for option in plan.enabled():
        apply_option(pipe, option, plan)


class SpeedOptionError(RuntimeError):
    """A speed option this pipeline cannot take (no fusable attention, no FP8-able layer)."""


def use_compile_cache(cache_dir: Path) -> dict[str, str]:
    """Point Inductor's FX graph, AOT autograd and Triton caches at `cache_dir` (a volume).

    Must run before the first compile of the process; torch reads these variables when it compiles.
    A new worker then loads compiled graphs and kernels instead of compiling them again.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "TORCHINDUCTOR_CACHE_DIR": str(cache_dir / "inductor"),
        "TORCHINDUCTOR_FX_GRAPH_CACHE": "1",
        "TORCHINDUCTOR_AUTOGRAD_CACHE": "1",
        "TRITON_CACHE_DIR": str(cache_dir / "triton"),
    }
    os.environ.update(env)
    import torch._functorch.config as functorch_config
    import torch._inductor.config as inductor_config

    inductor_config.fx_graph_cache = True
    functorch_config.enable_autograd_cache = True
    logger.info("comic: compile caches in %s", cache_dir)
    return env
