"""Adapters: write the contract's extract from what an authority already has.

- :mod:`queries.ingest.adapters.sql`: any SQL source through SQLAlchemy, one query per contract
  table from a mapping file (the bundled ``ssd`` mapping reads the Standard Safeguarding
  Dataset);
- :mod:`queries.ingest.adapters.ssda903`: the SSDA903 return's header, episodes and reviews CSVs;
- :mod:`queries.ingest.adapters.cin`: the CIN census XML (section 47 enquiries, initial
  conferences, child protection plans and their reviews).

Each produces rows per contract table; :class:`Extract` writes them as the extract's CSV
files into a new folder and swaps it in whole, so ``sqa load`` never sees half an extract.
Records that cannot be read are left out and listed as problems naming the file, the record
and the field; a file that cannot be read at all fails the whole command.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from queries.core.errors import ExtractError
from queries.ingest.contract import TABLES, TABLES_BY_NAME

# Used where a return holds no staff ids (SSDA903, the CIN census): every review and
# conference is "by" this one placeholder, so views that need IRO or chair ids say so.
NOT_RECORDED = "NOT_RECORDED"
NOT_RECORDED_STAFF = {
    "staff_id": NOT_RECORDED,
    "staff_name": "Not recorded in this return",
    "role": "IRO_CP_CHAIR",
    "team": "Not recorded",
}


class AdapterError(ExtractError):
    """A source could not be turned into an extract at all."""


@dataclass
class Extract:
    """Rows per contract table, and the problems met on the way."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    # What the source cannot tell, for the manifest: columns it has no field for, where its
    # review history begins, which returns were merged, and files it did not use.
    columns_not_in_source: dict[str, list[str]] = field(default_factory=dict)
    review_coverage_from: dt.date | None = None
    merged_returns: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def add(self, table: str, row: Mapping[str, Any]) -> None:
        self.rows.setdefault(table, []).append(dict(row))

    def extend(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.add(table, row)

    def merge(self, other: Extract) -> None:
        for table, rows in other.rows.items():
            seen = {tuple(sorted(r.items())) for r in self.rows.get(table, [])}
            for row in rows:
                if tuple(sorted(row.items())) not in seen:
                    self.add(table, row)
        self.problems += other.problems
        self.sources += other.sources
        for table, cols in other.columns_not_in_source.items():
            self.columns_not_in_source[table] = sorted(
                set(self.columns_not_in_source.get(table, [])) | set(cols)
            )
        if other.review_coverage_from is not None:
            self.review_coverage_from = max(
                d for d in (self.review_coverage_from, other.review_coverage_from) if d
            )
        self.merged_returns += other.merged_returns
        self.ignored += other.ignored

    def write(self, out_dir: Path) -> dict[str, int]:
        """Every contract file the rows cover (required ones always, header-only when
        the sources hold no such records, and said so in ``extract_manifest.json``),
        written to a new folder that then replaces ``out_dir`` whole."""
        absent = [t.name for t in TABLES if t.required and t.name not in self.rows]
        extra: dict[str, Any] = {
            "columns_not_in_source": self.columns_not_in_source,
            "review_coverage_from": (
                self.review_coverage_from.isoformat() if self.review_coverage_from else None
            ),
            "merged_returns": self.merged_returns,
            "ignored_files": self.ignored,
        }
        return write_tables(out_dir, self.rows, " + ".join(self.sources), absent, extra)


def write_tables(
    out_dir: Path,
    tables: Mapping[str, Iterable[Mapping[str, Any]]],
    source: str = "",
    not_in_source: Iterable[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Write each table's rows (streamed) as its contract CSV in a new folder, then swap
    the folder in for ``out_dir``. Any failure, in a row generator too, leaves
    ``out_dir`` as it was. Required files with no rows are written header-only."""
    unknown = [name for name in tables if name not in TABLES_BY_NAME]
    if unknown:
        raise AdapterError(f"not contract tables: {', '.join(unknown)}")
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.writing-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    written: dict[str, int] = {}
    try:
        for table in TABLES:
            if table.name not in tables and not table.required:
                continue
            columns = [c.name for c in table.columns]
            n = 0
            with (tmp / table.file_name).open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(columns)
                for row in tables.get(table.name, ()):
                    writer.writerow([_text(row.get(c)) for c in columns])
                    n += 1
            written[table.name] = n
        manifest = {  # after every table is written: a streamed source fills ``extra`` in
            "source": source,
            "not_in_source": sorted(set(not_in_source)),
            **{k: v for k, v in (extra or {}).items() if v},
        }
        (tmp / "extract_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise AdapterError(f"cannot write the extract to {out_dir}: {exc.strerror}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_date(text: str | None, formats: tuple[str, ...]) -> dt.date | None:
    """A date in one of ``formats``; None for blank; ValueError otherwise."""
    raw = (text or "").strip()
    if not raw:
        return None
    for fmt in formats:
        try:
            return dt.datetime.strptime(raw[:10], fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)
