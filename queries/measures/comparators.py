"""Published comparators: the DfE's England and regional figures for a measure, year by
year, each with its source, from an editable CSV file (``SQA_COMPARATORS_FILE``, by
default ``data/comparators.csv``).

A row gives the published numerator and denominator (so the rate is worked out the same
way for every year and area) and a ``source`` sentence naming the publication, its year
and table. A figure is shown with its year; for a period, the latest published year at or
before the period's own financial year is used, never a later one.
"""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from queries.core.errors import ConfigError, QueryError
from queries.core.sqlfiles import MEASURES
from queries.measures.periods import fy_label, parse_fy
from queries.measures.targets import Target

AREA_TYPES = ("england", "region")


@dataclass(frozen=True)
class Comparator:
    measure: str
    area_type: str
    area: str
    year: int  # the financial year's start year (2022 for 2022-23)
    numerator: int
    denominator: int
    source: str

    @property
    def rate(self) -> float:
        return self.numerator / self.denominator

    @property
    def year_label(self) -> str:
        return fy_label(self.year)


def load_comparators(path: Path) -> list[Comparator]:
    """Every row of ``path`` (none when it does not exist), checked."""
    if not path.exists():
        return []
    out: list[Comparator] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            where = f"{path.name} line {line}"
            measure = (row.get("measure") or "").strip()
            if measure not in MEASURES:
                raise ConfigError(f"{where}: unknown measure '{measure}'")
            kind = (row.get("area_type") or "").strip().lower()
            if kind not in AREA_TYPES:
                raise ConfigError(f"{where}: area_type '{kind}' is not one of {AREA_TYPES}")
            area = (row.get("area") or "").strip()
            if not area:
                raise ConfigError(f"{where}: the area is blank")
            try:
                year = parse_fy((row.get("year") or "").strip())
            except QueryError as exc:
                raise ConfigError(f"{where}: year should be a financial year like 2024-25") from exc
            try:
                numerator = int((row.get("numerator") or "").replace(",", ""))
                denominator = int((row.get("denominator") or "").replace(",", ""))
            except ValueError as exc:
                raise ConfigError(f"{where}: numerator and denominator are whole numbers") from exc
            if not 0 <= numerator <= denominator or denominator == 0:
                raise ConfigError(f"{where}: need 0 <= numerator <= denominator, denominator > 0")
            source = (row.get("source") or "").strip()
            if not source:
                raise ConfigError(f"{where}: say where the figure was published (source)")
            out.append(Comparator(measure, kind, area, year, numerator, denominator, source))
    return out


def latest(
    comparators: list[Comparator], measure: str, area_type: str, area: str, fy: int
) -> Comparator | None:
    """The latest published figure for the area at or before financial year ``fy``."""
    found = [
        c
        for c in comparators
        if c.measure == measure and c.area_type == area_type and c.area == area and c.year <= fy
    ]
    return max(found, key=lambda c: c.year) if found else None


def with_published(
    targets: dict[str, Target], comparators: list[Comparator], fy: int, region: str = ""
) -> dict[str, Target]:
    """``targets`` with the England (and, given a region, the regional) figure published for
    financial year ``fy`` or the latest before it, each with its year and source."""
    out = {}
    for measure, t in targets.items():
        england = latest(comparators, measure, "england", "England", fy)
        regional = latest(comparators, measure, "region", region, fy) if region else None
        out[measure] = dataclasses.replace(
            t,
            england=england.rate if england else t.england,
            england_year=england.year_label if england else t.comparator_year,
            region=regional.rate if regional else None,
            region_name=region,
            region_year=regional.year_label if regional else "",
        )
    return out
