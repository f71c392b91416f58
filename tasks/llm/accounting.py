"""Token usage, latency and cost of chat-model calls, priced from a user-editable TOML table."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from tasks.models import CallUsage, UsageTotals

DEFAULT_PRICES_FILE = Path(__file__).resolve().parents[2] / "config" / "prices.toml"
PER_TOKENS = 1_000_000


@lru_cache(maxsize=8)
def _load_prices(path: Path, mtime: float) -> dict[str, tuple[float, float]]:
    # mtime is part of the cache key so an edited table is read again.
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    models = data.get("models", {})
    if not isinstance(models, dict):
        raise ValueError(f'{path}: [models."provider:model"] tables expected')
    out = {}
    for name, entry in models.items():
        try:
            out[name] = (float(entry["input"]), float(entry["output"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: model {name!r} needs numeric input and output prices") from exc
    return out


def prices(path: Path | None = None) -> dict[str, tuple[float, float]]:
    """Price table: "provider:model" -> (USD per 1M input tokens, USD per 1M output tokens)."""
    path = path or DEFAULT_PRICES_FILE
    if not path.is_file():
        raise FileNotFoundError(f"price table {path} does not exist")
    return _load_prices(path, path.stat().st_mtime)


def cost_usd(
    model: str, input_tokens: int, output_tokens: int, table: dict[str, tuple[float, float]]
) -> float | None:
    """Cost of one call in USD, or None when the model has no price in the table."""
    if model not in table:
        return None
    price_in, price_out = table[model]
    return round((input_tokens * price_in + output_tokens * price_out) / PER_TOKENS, 8)


def tokens_of(message: object) -> tuple[int, int]:
    """(input, output) tokens from an AIMessage's usage_metadata; (0, 0) when the provider sent none."""
    usage_metadata = getattr(message, "usage_metadata", None)  # an AIMessage's; duck-typed, no import
    if usage_metadata:
        return usage_metadata.get("input_tokens", 0), usage_metadata.get("output_tokens", 0)
    return 0, 0


class Ledger:
    """Collects the calls made for one paper and sums them."""

    def __init__(self, model: str, prices_file: Path | None) -> None:
        self.model = model
        self.table = prices(prices_file)
        self.calls: list[CallUsage] = []

    def record(self, purpose: str, message: object, latency_s: float) -> CallUsage:
        input_tokens, output_tokens = tokens_of(message)
        call = CallUsage(
            purpose=purpose,
            model=self.model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=round(latency_s, 3),
            cost_usd=cost_usd(self.model, input_tokens, output_tokens, self.table),
        )
        self.calls.append(call)
        return call

    def totals(self) -> UsageTotals:
        notices = []
        if self.calls and any(c.cost_usd is None for c in self.calls):
            notices.append(f"No price for {self.model} in the price table: cost unknown")
        if any(c.input_tokens == 0 and c.output_tokens == 0 for c in self.calls):
            notices.append("The provider reported no token usage for some calls")
        return summed(self.calls, notices)


def summed(calls: list[CallUsage], notices: list[str]) -> UsageTotals:
    """Calls and their totals; the cost is unknown when any call's is."""
    costs = [c.cost_usd for c in calls]
    return UsageTotals(
        calls=list(calls),
        input_tokens=sum(c.input_tokens for c in calls),
        output_tokens=sum(c.output_tokens for c in calls),
        latency_s=round(sum(c.latency_s for c in calls), 3),
        cost_usd=None if any(c is None for c in costs) else round(sum(c or 0.0 for c in costs), 8),
        notices=list(dict.fromkeys(notices)),
    )


def combined(*parts: UsageTotals | None, notice: str | None = None) -> UsageTotals | None:
    """Several totals as one (every UsageTotals is its calls summed: Ledger.totals); None when there is
    no part."""
    present = [u for u in parts if u is not None]
    if not present:
        return None
    notices = [n for u in present for n in u.notices] + ([notice] if notice else [])
    return summed([c for u in present for c in u.calls], notices)
