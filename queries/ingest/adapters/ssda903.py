"""SSDA903 (the children looked after return) to the contract: header, episodes, reviews.

- **children** from the header file (CHILD, DOB, SEX, ETHNIC);
- **periods of care** from the episodes: a child's episodes in date order (DECOM); an
  episode with RNE ``S`` starts a new period, and so does any episode after one that
  ended for good; an episode that ended with REC ``X1`` (episode ceases, care continues)
  carries the period on. A period ends with the DEC of its last episode (blank = open);
- **reviews** from the reviews file (CHILD, REVIEW, REVIEW_CODE = PN0-PN7).

SSDA903 holds no IRO ids: every review is by the placeholder ``NOT_RECORDED``, so per-IRO
views show one line, "Not recorded in this return". There are no child protection records
in the return (the CIN census has them: :mod:`queries.ingest.adapters.cin`).

Dates are DD/MM/YYYY (the return's format) or YYYY-MM-DD.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from queries.ingest.adapters import (
    NOT_RECORDED,
    NOT_RECORDED_STAFF,
    AdapterError,
    Extract,
    parse_date,
)

FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
FILES = {
    "header": ("CHILD", "DOB"),
    "episodes": ("CHILD", "DECOM", "RNE", "DEC", "REC"),
    "reviews": ("CHILD", "REVIEW", "REVIEW_CODE"),
}


def _find(folder: Path, kind: str) -> Path:
    found = sorted(p for p in folder.glob("*.csv") if kind in p.stem.lower())
    if not found:
        raise AdapterError(
            f"no SSDA903 {kind} file in {folder}: expected a CSV whose name contains "
            f"'{kind}' (e.g. {kind}.csv)"
        )
    if len(found) > 1:
        raise AdapterError(
            f"more than one SSDA903 {kind} file in {folder} "
            f"({', '.join(p.name for p in found)}); keep one"
        )
    return found[0]


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_bytes().decode("cp1252")
    except OSError as exc:
        raise AdapterError(f"cannot read {path.name}: {exc.strerror}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [(h or "").strip().upper() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise AdapterError(
            f"{path.name} has no column {', '.join(missing)}; an SSDA903 {path.stem} file "
            f"needs {', '.join(required)} (found: {', '.join(header) or 'no header'})"
        )
    out = []
    for line, row in enumerate(reader, start=2):
        out.append((line, {(k or "").strip().upper(): (v or "").strip() for k, v in row.items()}))
    return out


def read(folder: Path) -> Extract:
    if not folder.is_dir():
        raise AdapterError(f"{folder} is not a folder of SSDA903 CSV files")
    ext = Extract(sources=["SSDA903"])
    ext.add("staff", NOT_RECORDED_STAFF)

    def date(path: Path, line: int, child: str, field: str, raw: str) -> dt.date | None:
        try:
            return parse_date(raw, FORMATS)
        except ValueError:
            ext.problems.append(
                f"{path.name} line {line} (CHILD {child or '?'}): {field} '{raw}' is not a "
                "date (DD/MM/YYYY); the record is left out"
            )
            raise

    header, episodes, reviews = (_find(folder, kind) for kind in FILES)  # all, before reading
    for line, row in _rows(header, FILES["header"]):
        child = row["CHILD"]
        try:
            dob = date(header, line, child, "DOB", row["DOB"])
        except ValueError:
            continue
        ext.add(
            "children",
            {
                "child_id": child,
                "date_of_birth": dob,
                "sex": {"1": "M", "2": "F"}.get(row.get("SEX", ""), row.get("SEX", "")),
                "ethnicity": row.get("ETHNIC", ""),
            },
        )

    by_child: dict[str, list[tuple[dt.date, int, dict[str, Any]]]] = defaultdict(list)
    for line, row in _rows(episodes, FILES["episodes"]):
        child = row["CHILD"]
        try:
            start = date(episodes, line, child, "DECOM", row["DECOM"])
            end = date(episodes, line, child, "DEC", row["DEC"])
        except ValueError:
            continue
        if start is None:
            ext.problems.append(
                f"{episodes.name} line {line} (CHILD {child}): DECOM is blank; the episode is "
                "left out"
            )
            continue
        by_child[child].append((start, line, {**row, "_start": start, "_end": end}))
    for child, eps in by_child.items():
        eps.sort(key=lambda e: (e[0], e[1]))
        periods: list[list[dict[str, Any]]] = []
        for _start, _line, ep in eps:
            previous = periods[-1][-1] if periods else None
            carries_on = previous is not None and (
                previous["_end"] is None or previous["REC"].upper() == "X1"
            )
            if ep["RNE"].upper() == "S" or not carries_on:
                periods.append([ep])
            else:
                periods[-1].append(ep)
        for eps_in in periods:
            first, last = eps_in[0], eps_in[-1]
            ended = last["_end"] if last["REC"].upper() != "X1" else None
            ext.add(
                "cla_periods",
                {
                    "period_id": f"{child}/{first['_start']:%Y%m%d}",
                    "child_id": child,
                    "start_date": first["_start"],
                    "end_date": ended,
                    "legal_status": last.get("LS", ""),
                    "placement_type": last.get("PLACE", ""),
                },
            )

    for line, row in _rows(reviews, FILES["reviews"]):
        child = row["CHILD"]
        try:
            held = date(reviews, line, child, "REVIEW", row["REVIEW"])
        except ValueError:
            continue
        if held is None:
            ext.problems.append(
                f"{reviews.name} line {line} (CHILD {child}): REVIEW is blank; left out"
            )
            continue
        ext.add(
            "cla_reviews",
            {
                "review_id": f"{child}/{held:%Y%m%d}",
                "child_id": child,
                "review_date": held,
                "iro_id": NOT_RECORDED,
                "participation_code": row["REVIEW_CODE"],
            },
        )
    return ext
