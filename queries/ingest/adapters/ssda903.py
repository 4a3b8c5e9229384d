"""SSDA903 (the children looked after return) to the contract: header, episodes, reviews.

**What is read.** A return as the DfE's CSV files, or as XML. CSV files are matched by the
DfE's own table names exactly (``header``, ``episodes``, ``reviews``; case-insensitive, with
an optional year before or after the name, e.g. ``2019-episodes.csv``, ``2019_reviews.csv``,
``episodes_2020.csv``). The other tables of a full return (``sw_episodes``, ``uasc``,
``oc2``, ``oc3``, ``ad1``, ``placed_for_adoption``, ``previous_permanence``, ``missing``, ...)
are not used, and are listed as ignored. A name that is none of these is ignored and said so.
The XML is the return's own form: ``CHILD`` elements (under ``EXPSSDA903``, or
``Message/Children``) each holding a ``HEADER`` (CHILDID, DOB, SEX, ETHNIC, and its
``AREVIEW`` reviews: REVIEW, REVIEW_CODE) and its ``EPISODE`` elements (DECOM, RNE, DEC, REC,
LS, PL). Tags are matched case-insensitively, with or without a namespace.

**Several years.** ``read`` takes any number of paths: a folder of one return, a folder of
several years' files (grouped by the year in their names), a folder with one subfolder per
year, or an XML file. Returns are merged in year order and the later return wins for the
same child (header), episode (child + DECOM) or review (child + REVIEW date).

**Periods of care** from the merged episodes: a child's episodes in date order; an episode
with RNE ``S`` starts a new period, and so does any episode after one that ended for good;
an episode that ended with REC ``X1`` (episode ceases, care continues) carries the period
on. A period ends with the DEC of its last episode (blank = open). A period whose first
episode in the data is not RNE ``S`` carries on one that began before the data: its start
is unknown (``start_known = N``).

**Coverage.** A return holds the reviews held in its collection year, so the review history
starts on 1 April of the financial year of the earliest review in the returns given
(``review_coverage_from`` in the manifest). A review in a period that began before that, or
whose period's start is unknown, has no due date the data can tell: it is outside the
timeliness KPI, never late ("load earlier returns to judge these").

SSDA903 holds no IRO ids (every review is by ``NOT_RECORDED``), no minutes date and no
review format: those columns are declared not in the source, so the minutes KPI reads "Not
recorded in this source", never 0%. There are no child protection records in the return
(the CIN census has them: :mod:`queries.ingest.adapters.cin`).

Dates are DD/MM/YYYY (the return's format) or YYYY-MM-DD.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse

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
# The other tables of a full SSDA903 return: recognised, not used.
OTHER_TABLES = frozenset(
    {
        "sw_episodes", "uasc", "oc2", "oc3", "ad1", "placed_for_adoption",
        "previous_permanence", "prev_perm", "missing", "episodes_last", "header_last",
        "reviews_last", "placed_for_adoption_last", "sw_episodes_last",
    }
)  # fmt: skip
YEAR = r"(?:19|20)\d{2}(?:[-_/]?(?:\d{2}|\d{4}))?"
NAME = re.compile(rf"^(?:(?P<lead>{YEAR})[-_ ]?)?(?P<table>[a-z_]+?)(?:[-_ ]?(?P<tail>{YEAR}))?$")
# Columns the return has no field for: the measures that need them say so.
COLUMNS_NOT_IN_SOURCE = {"cla_reviews": ["minutes_completed_date", "review_format"]}


@dataclass
class Return:
    """One year's return, as read: rows per table, with where each came from."""

    label: str
    year: int | None  # the collection year's end (2020 = April 2019 to March 2020)
    order: int
    tables: dict[str, list[tuple[str, int, dict[str, str]]]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def _year_of(token: str | None) -> int | None:
    """The March a collection year ends in, from ``2020``, ``2019-20`` or ``2019_2020``."""
    if not token:
        return None
    digits = re.findall(r"\d+", token)
    first = int(digits[0])
    if len(digits) == 1:
        return first
    second = int(digits[1])
    return second if second > 99 else (first // 100) * 100 + second


def table_of(path: Path) -> tuple[str | None, int | None]:
    """(the DfE table a CSV file holds, or None; the year in its name, or None)."""
    m = NAME.match(path.stem.lower().strip())
    if not m:
        return None, None
    table = m.group("table").strip("_")
    if table not in FILES and table not in OTHER_TABLES:
        return None, None
    return table, _year_of(m.group("lead") or m.group("tail"))


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AdapterError(f"cannot read {path.name}: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
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


def _folder_returns(folder: Path, order: list[int]) -> list[Return]:
    """The returns in a folder: its CSVs grouped by the year in their names, each XML file,
    and each subfolder (named for its year) in turn."""
    groups: dict[int | None, Return] = {}
    paths: dict[int | None, dict[str, Path]] = {}
    found: list[Return] = []
    ignored: list[str] = []
    named = re.search(YEAR, folder.name)
    folder_year = _year_of(named.group(0)) if named else None
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            found += _folder_returns(path, order)
            continue
        suffix = path.suffix.lower()
        if suffix == ".xml":
            found.append(_xml_return(path, order))
            continue
        if suffix != ".csv":
            continue
        table, year = table_of(path)
        if table is None:
            ignored.append(f"{path.name} (not an SSDA903 table name)")
            continue
        if table in OTHER_TABLES:
            ignored.append(f"{path.name} (the {table} table is not used)")
            continue
        year = year or folder_year
        group = groups.get(year)
        if group is None:
            order[0] += 1
            label = f"{folder.name}" + (f" ({year - 1}-{year % 100:02d})" if year else "")
            group = groups[year] = Return(label, year, order[0])
        if table in paths.setdefault(year, {}):
            raise AdapterError(
                f"two SSDA903 {table} files for the same return in {folder}: "
                f"{paths[year][table].name} and {path.name}; keep one per year"
            )
        paths[year][table] = path
    for year, group in groups.items():
        lacking = [t for t in FILES if t not in paths[year]]
        if lacking:
            raise AdapterError(
                f"no SSDA903 {lacking[0]} file for the return in {folder}"
                + (f" for {group.year - 1}-{group.year % 100:02d}" if group.year else "")
                + f": expected {lacking[0]}.csv (optionally with the year, e.g. "
                f"2020-{lacking[0]}.csv) beside {', '.join(p.name for p in paths[year].values())}"
            )
        for table, path in paths[year].items():  # every file found before any is read
            rows = _rows(path, FILES[table])
            group.tables[table] = [(path.name, n, row) for n, row in rows] or [(path.name, 0, {})]
        group.ignored = ignored
        found.append(group)
    if not groups and ignored and not found:
        raise AdapterError(
            f"no SSDA903 header, episodes or reviews file in {folder} (found only: "
            f"{', '.join(ignored[:5])})"
        )
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].upper()


def _text(el: Element, name: str) -> str:
    for c in el:
        if _local(c.tag) == name:
            return (c.text or "").strip()
    return ""


def _xml_return(path: Path, order: list[int]) -> Return:
    try:
        root = parse(str(path)).getroot()
    except ParseError as exc:
        raise AdapterError(f"{path.name} is not well-formed XML: {exc}") from exc
    except DefusedXmlException as exc:
        raise AdapterError(
            f"{path.name} uses XML entities or a DTD, which a return never needs; refused"
        ) from exc
    elements = root.iter() if root is not None else iter(())
    children = [el for el in elements if _local(el.tag) == "CHILD" and len(el)]
    if not children:
        raise AdapterError(
            f"{path.name} is not an SSDA903 XML return: expected CHILD elements (under "
            "EXPSSDA903 or Message/Children) each with a HEADER"
        )
    order[0] += 1
    ret = Return(path.name, table_of(path.with_suffix(""))[1], order[0])
    tables: dict[str, list[tuple[str, int, dict[str, str]]]] = {t: [] for t in FILES}
    for n, child in enumerate(children, start=1):
        header = next((c for c in child if _local(c.tag) == "HEADER"), child)
        cid = _text(header, "CHILDID") or _text(header, "CHILD")
        tables["header"].append(
            (path.name, n, {k: _text(header, k) for k in ("DOB", "SEX", "ETHNIC")} | {"CHILD": cid})
        )
        for holder in (header, child):
            for rev in (c for c in holder if _local(c.tag) == "AREVIEW"):
                row = {
                    "CHILD": cid,
                    "REVIEW": _text(rev, "REVIEW"),
                    "REVIEW_CODE": _text(rev, "REVIEW_CODE"),
                }
                tables["reviews"].append((path.name, n, row))
        for ep in (c for c in child if _local(c.tag) == "EPISODE"):
            row = {k: _text(ep, k) for k in ("DECOM", "RNE", "DEC", "REC", "LS", "PL")}
            tables["episodes"].append((path.name, n, {**row, "CHILD": cid, "PLACE": row["PL"]}))
    ret.tables = {t: rows or [(path.name, 0, {})] for t, rows in tables.items()}
    return ret


def returns(paths: Iterable[Path]) -> list[Return]:
    """Every return under ``paths``, oldest collection year first (then as given)."""
    order = [0]
    found: list[Return] = []
    for path in paths:
        if path.is_file() and path.suffix.lower() == ".xml":
            found.append(_xml_return(path, order))
        elif path.is_dir():
            found += _folder_returns(path, order)
        else:
            raise AdapterError(
                f"{path} is not a folder of SSDA903 CSV files or an SSDA903 XML file"
            )
    if not found:
        raise AdapterError(
            "no SSDA903 return found: give a folder holding header.csv, episodes.csv and "
            "reviews.csv (or one subfolder per year), or the return's XML file"
        )
    return sorted(found, key=lambda r: (r.year or 0, r.order))


def _merged(
    rets: list[Return], table: str, key: tuple[str, ...]
) -> list[tuple[str, int, dict[str, str]]]:
    """One table across the returns: for the same key, the later return's row wins."""
    out: dict[tuple[str, ...], tuple[str, int, dict[str, str]]] = {}
    for ret in rets:
        for source, line, row in ret.tables.get(table, []):
            if not row:
                continue
            out[tuple(row.get(k, "").upper() for k in key)] = (source, line, row)
    return list(out.values())


def read(*paths: Path) -> Extract:
    """The extract from one or more SSDA903 returns (see the module's note)."""
    rets = returns(paths)
    ext = Extract(sources=["SSDA903"])
    ext.add("staff", NOT_RECORDED_STAFF)
    ext.columns_not_in_source.update(COLUMNS_NOT_IN_SOURCE)
    ext.merged_returns = [r.label for r in rets]
    ext.ignored = sorted({i for r in rets for i in r.ignored})
    read_in: dict[str, list[int]] = {}  # per source file: [records, records kept]

    def seen(source: str, kept: bool) -> None:
        counts = read_in.setdefault(source, [0, 0])
        counts[0] += 1
        counts[1] += int(kept)

    def date(source: str, line: int, child: str, name: str, raw: str) -> dt.date | None:
        try:
            return parse_date(raw, FORMATS)
        except ValueError:
            ext.problems.append(
                f"{source} line {line} (CHILD {child or '?'}): {name} '{raw}' is not a date "
                "(DD/MM/YYYY); the record is left out"
            )
            raise

    for source, line, row in _merged(rets, "header", ("CHILD",)):
        child = row["CHILD"]
        try:
            dob = date(source, line, child, "DOB", row["DOB"])
        except ValueError:
            seen(source, False)
            continue
        seen(source, True)
        ext.add(
            "children",
            {
                "child_id": child,
                "date_of_birth": dob,
                "sex": {"1": "M", "2": "F"}.get(row.get("SEX", ""), row.get("SEX", "")),
                "ethnicity": row.get("ETHNIC", ""),
            },
        )

    by_child: dict[str, list[tuple[dt.date, int, dict[str, Any]]]] = {}
    for source, line, row in _merged(rets, "episodes", ("CHILD", "DECOM")):
        child = row["CHILD"]
        try:
            start = date(source, line, child, "DECOM", row["DECOM"])
            end = date(source, line, child, "DEC", row["DEC"])
        except ValueError:
            seen(source, False)
            continue
        if start is None:
            ext.problems.append(
                f"{source} line {line} (CHILD {child}): DECOM is blank; the episode is left out"
            )
            seen(source, False)
            continue
        seen(source, True)
        by_child.setdefault(child, []).append((start, line, {**row, "_start": start, "_end": end}))
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
                    "placement_type": last.get("PLACE", "") or last.get("PL", ""),
                    "start_known": "Y" if first["RNE"].upper() == "S" else "N",
                },
            )

    earliest: dt.date | None = None
    for source, line, row in _merged(rets, "reviews", ("CHILD", "REVIEW")):
        child = row["CHILD"]
        try:
            held = date(source, line, child, "REVIEW", row["REVIEW"])
        except ValueError:
            seen(source, False)
            continue
        if held is None:
            ext.problems.append(f"{source} line {line} (CHILD {child}): REVIEW is blank; left out")
            seen(source, False)
            continue
        seen(source, True)
        earliest = held if earliest is None or held < earliest else earliest
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
    for source, (n, kept) in read_in.items():
        if n and not kept:
            problem = next(
                (p for p in ext.problems if p.startswith(source)), "no record was usable"
            )
            raise AdapterError(
                f"{source}: none of its {n:,} records could be read; the first problem: {problem}"
            )
    if earliest is not None:
        # From the data, not the file names: a year in a name can be misread, and a
        # coverage that starts too early would judge reviews whose history is missing.
        year = earliest.year if earliest.month >= 4 else earliest.year - 1
        ext.review_coverage_from = dt.date(year, 4, 1)
    return ext
