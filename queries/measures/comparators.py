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

AREA_TYPES = ("england", "region", "local_authority")


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


def load_neighbours(path: Path) -> dict[str, list[str]]:
    """Each authority's statistical neighbours, closest first, from ``path`` (columns
    authority, rank, neighbour, source); none when the file does not exist."""
    if not path.exists():
        return {}
    found: dict[str, list[tuple[int, str]]] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            authority = (row.get("authority") or "").strip()
            neighbour = (row.get("neighbour") or "").strip()
            try:
                rank = int((row.get("rank") or "").strip())
            except ValueError as exc:
                raise ConfigError(f"{path.name} line {line}: rank is a whole number") from exc
            if not authority or not neighbour:
                raise ConfigError(f"{path.name} line {line}: authority and neighbour are needed")
            found.setdefault(authority, []).append((rank, neighbour))
    return {a: [n for _r, n in sorted(ns)] for a, ns in found.items()}


def neighbours_figure(
    comparators: list[Comparator], measure: str, neighbours: list[str], fy: int
) -> tuple[float, str, int] | None:
    """(pooled rate, year, how many neighbours) over the statistical neighbours' published
    figures for the latest year at or before ``fy`` that has any: their numerators summed
    over their denominators, as the DfE pools an area's figure."""
    rows = [
        c
        for c in comparators
        if c.measure == measure
        and c.area_type == "local_authority"
        and c.area in neighbours
        and c.year <= fy
    ]
    if not rows:
        return None
    year = max(c.year for c in rows)
    used = [c for c in rows if c.year == year]
    rate = sum(c.numerator for c in used) / sum(c.denominator for c in used)
    return rate, fy_label(year), len(used)


def with_published(
    targets: dict[str, Target],
    comparators: list[Comparator],
    fy: int,
    region: str = "",
    neighbours: list[str] | None = None,
) -> dict[str, Target]:
    """``targets`` with the England (and, given a region, the regional) figure published for
    financial year ``fy`` or the latest before it, each with its year; given the
    authority's statistical neighbours (the DfE's list), their pooled published figure
    replaces the targets file's."""
    out = {}
    for measure, t in targets.items():
        england = latest(comparators, measure, "england", "England", fy)
        regional = latest(comparators, measure, "region", region, fy) if region else None
        pooled = neighbours_figure(comparators, measure, neighbours or [], fy)
        out[measure] = dataclasses.replace(
            t,
            england=england.rate if england else t.england,
            england_year=england.year_label if england else t.comparator_year,
            region=regional.rate if regional else None,
            region_name=region,
            region_year=regional.year_label if regional else "",
            stat_neighbours=pooled[0] if pooled else t.stat_neighbours,
            comparator_year=(
                f"{pooled[1]}, {pooled[2]} neighbour{'' if pooled[2] == 1 else 's'}"
                if pooled
                else t.comparator_year
            ),
        )
    return out
