"""Targets, amber thresholds and comparator figures, read from an editable CSV file.

The file (``SQA_TARGETS_FILE``, by default ``data/targets.csv``) is data the service owns:
one row per KPI with ``target`` and ``amber_from`` as fractions (0.95 = 95%),
statistical-neighbour and England figures where known, and a ``source`` note. A blank
cell means "not set". :func:`rag` turns a rate into an indicator with a word and a symbol,
so colour is never the only signal.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from queries.core.errors import ConfigError
from queries.core.sqlfiles import COUNTS
from queries.core.sqlfiles import MEASURES as KPIS

IMPROVEMENTS = ("increase", "decrease", "neutral")


@dataclass(frozen=True)
class Target:
    measure: str
    target: float | None = None
    amber_from: float | None = None
    stat_neighbours: float | None = None
    england: float | None = None
    comparator_year: str = ""
    source: str = ""
    # Which way is better, for SPC: increase (every KPI by default), decrease or neutral
    # (every count by default).
    improvement: str = "increase"
    # Published comparators for a period (comparators.with_published): each with its year.
    england_year: str = ""
    region: float | None = None
    region_name: str = ""
    region_year: str = ""


@dataclass(frozen=True)
class Indicator:
    status: str  # "green", "amber", "red" or "none"
    symbol: str
    word: str


def _fraction(path: Path, line: int, name: str, raw: str) -> float | None:
    raw = raw.strip().rstrip("%")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{path.name} line {line}: {name} '{raw}' is not a number") from exc
    value = value / 100 if value > 1 else value
    if not 0 <= value <= 1:
        raise ConfigError(f"{path.name} line {line}: {name} must be between 0 and 1")
    return value


def load_targets(path: Path) -> dict[str, Target]:
    """Every KPI's row from ``path``; KPIs the file does not mention get an empty row."""
    found: dict[str, Target] = {}
    if path.exists():
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                measure = (row.get("measure") or "").strip()
                if measure not in KPIS and measure not in COUNTS:
                    raise ConfigError(
                        f"{path.name} line {line}: unknown measure '{measure}'; use one of "
                        f"{', '.join((*KPIS, *COUNTS))}"
                    )
                improvement = (row.get("improvement") or "").strip().lower()
                if improvement and improvement not in IMPROVEMENTS:
                    raise ConfigError(
                        f"{path.name} line {line}: improvement '{improvement}' is not one of "
                        f"{', '.join(IMPROVEMENTS)}"
                    )
                default = "increase" if measure in KPIS else "neutral"
                found[measure] = Target(
                    measure,
                    _fraction(path, line, "target", row.get("target") or ""),
                    _fraction(path, line, "amber_from", row.get("amber_from") or ""),
                    _fraction(path, line, "stat_neighbours", row.get("stat_neighbours") or ""),
                    _fraction(path, line, "england", row.get("england") or ""),
                    (row.get("comparator_year") or "").strip(),
                    (row.get("source") or "").strip(),
                    improvement or default,
                )
    return {k: found.get(k, Target(k)) for k in KPIS} | {
        k: found.get(k, Target(k, improvement="neutral")) for k in COUNTS
    }


def load_breaks(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Known changes in practice after which SPC limits are recalculated: one row per
    change (measure, from_month YYYY-MM, reason); measure ``*`` means every measure."""
    out: dict[str, list[tuple[str, str]]] = {}
    if not path.exists():
        return out
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            measure = (row.get("measure") or "").strip() or "*"
            month = (row.get("from_month") or "").strip()
            if len(month) != 7 or month[4] != "-" or not month.replace("-", "").isdigit():
                raise ConfigError(
                    f"{path.name} line {line}: from_month '{month}' is not a month (YYYY-MM)"
                )
            if measure != "*" and measure not in KPIS and measure not in COUNTS:
                raise ConfigError(f"{path.name} line {line}: unknown measure '{measure}'")
            out.setdefault(measure, []).append((month, (row.get("reason") or "").strip()))
    return out


def rag(rate: float | None, target: Target, not_recorded: str | None = None) -> Indicator:
    """Green at or above target, amber at or above ``amber_from``, red below; words too.
    A measure the source cannot give is "Not recorded", never red."""
    if not_recorded:
        return Indicator("none", "–", "Not recorded in this source")
    if rate is None:
        return Indicator("none", "–", "No events")
    if target.target is None:
        return Indicator("none", "·", "No target set")
    if rate >= target.target:
        return Indicator("green", "●", "On target")
    if target.amber_from is not None and rate >= target.amber_from:
        return Indicator("amber", "▲", "Close to target")
    return Indicator("red", "▼", "Below target")
