"""The conference calendar (config/calendar.yaml): which editions to watch now, and where."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator

from tasks.harvest.errors import HarvestError
from tasks.models import Model
from tasks.safe_yaml import load_yaml

DEFAULT_CALENDAR = Path(__file__).resolve().parents[2] / "config" / "calendar.yaml"


class CalendarError(HarvestError):
    """The calendar file is missing or invalid; names the file and the venue."""


class Source(Model):
    kind: Literal["feed", "page"]
    url: str

    def for_year(self, year: int) -> str:
        return self.url.replace("{year}", str(year))


class Venue(Model):
    name: str
    every_years: int = Field(1, ge=1)
    first_year: int = 2000
    window: tuple[str, str]  # MM-DD, MM-DD (UTC, inclusive)
    sources: list[Source] = Field(min_length=1)
    openreview: str | None = None

    @field_validator("window")
    @classmethod
    def _window(cls, v: tuple[str, str]) -> tuple[str, str]:
        for day in v:
            datetime.strptime(f"2024-{day}", "%Y-%m-%d")  # 2024: leap year, so 02-29 is fine
        return v

    def has_edition(self, year: int) -> bool:
        return year >= self.first_year and (year - self.first_year) % self.every_years == 0

    def in_window(self, when: date) -> bool:
        start, end = (f"{when.year}-{d}" for d in self.window)
        today = when.isoformat()
        return start <= today <= end if start <= end else today >= start or today <= end


class Edition(Model):
    """One edition the watch looks for now: its slug, year and where its awards appear."""

    venue: str
    name: str
    year: int
    sources: list[Source]
    openreview: str | None = None

    @property
    def slug(self) -> str:
        return f"{self.venue}-{self.year}"


class Calendar(Model):
    venues: dict[str, Venue]

    def editions_due(self, when: date) -> list[Edition]:
        """Editions whose announcement window contains `when` (the venue's edition of that year)."""
        due = []
        for key, venue in sorted(self.venues.items()):
            if venue.in_window(when) and venue.has_edition(when.year):
                sources = [Source(kind=s.kind, url=s.for_year(when.year)) for s in venue.sources]
                openreview = venue.openreview.replace("{year}", str(when.year)) if venue.openreview else None
                due.append(
                    Edition(
                        venue=key, name=venue.name, year=when.year, sources=sources, openreview=openreview
                    )
                )
        return due


def load_calendar(path: Path | None = None) -> Calendar:
    """The calendar at path (default config/calendar.yaml); CalendarError names what is wrong."""
    path = path or DEFAULT_CALENDAR
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        raise CalendarError(f"calendar {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise CalendarError(f"calendar {path}: not valid YAML: {exc}") from exc
    try:
        return Calendar.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CalendarError(f"calendar {path}: {where}: {first['msg']}") from None
