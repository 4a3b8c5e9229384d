"""``sqa``: the command-line interface to the data layer.

Every figure on screen can be had as JSON here (``sqa kpis``, ``sqa series``), so other
tools and the tests can check it. Errors print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from queries import db, demo, kpis, loader, qa, sqlfiles, store
from queries.errors import ConfigError, LoadBusyError, LoadHeldBack, SqaError
from queries.periods import fy_label, parse_date, parse_fy
from queries.settings import load_settings


def _print(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _filters(args: argparse.Namespace) -> kpis.Filters:
    return kpis.Filters(team=args.team, staff=args.staff)


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else load_settings().db_path


def cmd_load(args: argparse.Namespace) -> int:
    settings = load_settings()
    as_of = None
    if args.as_of:
        try:
            as_of = dt.datetime.fromisoformat(args.as_of)
        except ValueError as exc:
            raise ConfigError(f"--as-of '{args.as_of}' is not a date or date-time") from exc
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=dt.UTC)
    report = loader.load_extract(
        Path(args.extract_dir),
        _db_path(args),
        settings.closure_dates,
        as_of,
        keep=settings.keep_loads,
        max_drop=settings.max_drop,
        accept_drop=args.accept_drop,
    )
    _print(report.as_dict())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings()
    limit = args.max_age_hours or settings.stale_hours
    state = store.status(_db_path(args), limit)
    _print(state.as_dict())
    last = state.last_attempt or {}
    if state.stale:
        print(
            f"sqa: the last good load is {state.age_hours:.0f} hours old (more than "
            f"{limit:g}); check the nightly load",
            file=sys.stderr,
        )
        return 1
    if last.get("status") in ("failed", "held_back"):
        print(
            f"sqa: the last load attempt did not complete ({last.get('status')}): "
            f"{last.get('error')}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    target = store.rollback(_db_path(args))
    _print({"db_path": str(_db_path(args)), "now_serving": target.name})
    return 0


def cmd_kpis(args: argparse.Namespace) -> int:
    date_from = parse_date(args.date_from, "--from")
    date_to = parse_date(args.date_to, "--to")
    con, _ = db.cursor(_db_path(args))
    result = kpis.kpi_range(con, date_from, date_to, _filters(args))
    counts = qa.count_range(con, date_from, date_to, _filters(args))
    _print(
        {
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "kpis": {k: v.as_dict() for k, v in result.items()},
            "counts": {k: {"count": n} for k, n in counts.items()},
        }
    )
    return 0


def cmd_series(args: argparse.Namespace) -> int:
    fy = parse_fy(args.fy)
    if args.measure in sqlfiles.COUNTS:
        con, _ = db.cursor(_db_path(args))
        periods = qa.count_series(con, args.measure, fy, fy, args.grain, _filters(args))
        _print(
            {
                "measure": args.measure,
                "financial_year": fy_label(fy),
                "grain": args.grain,
                "periods": [{"period": b, "count": n} for b, n in periods[fy_label(fy)]],
            }
        )
        return 0
    kpis.check_measure(args.measure)
    con, _ = db.cursor(_db_path(args))
    series = kpis.monthly_series(con, args.measure, fy, fy, _filters(args))
    _print(
        {
            "measure": args.measure,
            "financial_year": fy_label(fy),
            "months": [m.as_dict() for m in series[fy_label(fy)]],
        }
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    end = parse_date(args.end, "--end") if args.end else None
    out = Path(args.out_dir)
    counts = demo.write_demo_extract(out, end=end, scale=args.scale, seed=args.seed)
    _print({"extract_dir": str(out), "rows": counts})
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sqa", description="SQA Dashboard data commands: load an extract, read KPIs."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="DuckDB file (default: SQA_DB)")
        return p

    p = with_db(sub.add_parser("load", help="validate an extract folder and load it"))
    p.add_argument("extract_dir")
    p.add_argument("--as-of", help="when the extract was taken (default: newest file time)")
    p.add_argument(
        "--accept-drop",
        action="store_true",
        help="load even if a table shrank by more than SQA_MAX_DROP",
    )
    p.set_defaults(func=cmd_load)

    p = with_db(sub.add_parser("status", help="the serving load and its age; non-zero if stale"))
    p.add_argument(
        "--max-age-hours", type=float, help="stale after this many hours (default: SQA_STALE_HOURS)"
    )
    p.set_defaults(func=cmd_status)

    p = with_db(sub.add_parser("rollback", help="serve the load before the current one again"))
    p.set_defaults(func=cmd_rollback)

    for name, func, help_text in (
        ("kpis", cmd_kpis, "the five KPIs over a date range, as JSON"),
        ("series", cmd_series, "one KPI month by month for a financial year, as JSON"),
    ):
        p = with_db(sub.add_parser(name, help=help_text))
        if name == "kpis":
            p.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
            p.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        else:
            p.add_argument("--measure", required=True, help="a KPI name")
            p.add_argument("--fy", required=True, help="financial year, e.g. 2020-21")
            p.add_argument(
                "--grain",
                default="month",
                choices=qa.GRAINS,
                help="for count measures: week, month or quarter",
            )
        p.add_argument("--team", help="only this team (staff.team)")
        p.add_argument("--staff", help="only this IRO or chair (staff_id)")
        p.set_defaults(func=func)

    p = sub.add_parser("demo", help="write the synthetic demo extract to a folder")
    p.add_argument("out_dir")
    p.add_argument("--end", help="last day of data (default: end of last month)")
    p.add_argument("--scale", type=float, default=1.0, help="1 = one authority")
    p.add_argument("--seed", type=int, default=2021)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except LoadBusyError as exc:
        print(f"sqa: {exc}", file=sys.stderr)
        return 3
    except LoadHeldBack as exc:
        print(f"sqa: {exc}", file=sys.stderr)
        return 4
    except SqaError as exc:
        print(f"sqa: {exc}", file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        print(f"sqa: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sqa: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
