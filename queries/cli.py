"""``sqa``: the command-line interface to the data layer.

Every figure on screen can be had as JSON here (``sqa kpis``, ``sqa series``), so other
tools and the tests can check it. Errors print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from queries.access.scope import ROLES, SYSTEM, Scope
from queries.core import db, sqlfiles
from queries.core.errors import ConfigError, LoadBusyError, LoadHeldBack, SqaError
from queries.core.settings import load_settings
from queries.ingest import demo, loader, store
from queries.measures import kpis, qa, targets, variation
from queries.measures.periods import fy_label, parse_date, parse_fy
from queries.state import accounts, database, snapshots
from queries.state.copy import copy_state


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
    result = kpis.kpi_range(con, date_from, date_to, _filters(args), scope=SYSTEM)
    counts = qa.count_range(con, date_from, date_to, _filters(args), scope=SYSTEM)
    gaps = kpis.not_recorded(con)
    gone = kpis.left_out(con, date_from, date_to, _filters(args), scope=SYSTEM)
    out_kpis = {}
    for k, v in result.items():
        entry = v.as_dict()
        if k in gone:  # events the data cannot judge: outside both, and said so
            entry["left_out"] = gone[k]
        out_kpis[k] = entry
    _print(
        {
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "kpis": out_kpis,
            "counts": {
                k: {"count": None, "not_recorded": gaps[k]} if k in gaps else {"count": n}
                for k, n in counts.items()
            },
        }
    )
    return 0


def cmd_series(args: argparse.Namespace) -> int:
    fy = parse_fy(args.fy)
    if args.measure in sqlfiles.COUNTS:
        con, _ = db.cursor(_db_path(args))
        periods = qa.count_series(
            con, args.measure, fy, fy, args.grain, _filters(args), scope=SYSTEM
        )
        gap = kpis.not_recorded(con).get(args.measure)
        _print(
            {
                "measure": args.measure,
                "financial_year": fy_label(fy),
                "grain": args.grain,
                **({"not_recorded": gap} if gap else {}),
                "periods": [
                    {"period": b, "count": None if gap else n} for b, n in periods[fy_label(fy)]
                ],
            }
        )
        return 0
    kpis.check_measure(args.measure)
    con, _ = db.cursor(_db_path(args))
    series = kpis.monthly_series(con, args.measure, fy, fy, _filters(args), scope=SYSTEM)
    gap = kpis.not_recorded(con).get(args.measure)
    _print(
        {
            "measure": args.measure,
            "financial_year": fy_label(fy),
            **({"not_recorded": gap} if gap else {}),
            "months": [m.as_dict() for m in series[fy_label(fy)]],
        }
    )
    return 0


def cmd_spc(args: argparse.Namespace) -> int:
    """The measure's Making Data Count SPC chart, month by month, as JSON."""
    settings = load_settings()
    target = targets.load_targets(settings.targets_file).get(args.measure)
    if target is None:
        raise ConfigError(f"unknown measure '{args.measure}'; see `sqa kpis` for the names")
    breaks = targets.load_breaks(settings.spc_breaks_file)
    con, _ = db.cursor(_db_path(args))
    chart = variation.spc_chart(
        con,
        args.measure,
        args.from_month,
        args.to_month,
        _filters(args),
        scope=SYSTEM,
        target=target,
        breaks=breaks.get(args.measure, []) + breaks.get("*", []),
        chart=args.chart,
        fix_after=args.fix_after,
    )
    _print({"measure": args.measure, **chart.as_dict()})
    return 0


def cmd_funnel(args: argparse.Namespace) -> int:
    """The funnel of IROs and chairs, or teams, for a KPI over a period, as JSON."""
    date_from = parse_date(args.date_from, "--from")
    date_to = parse_date(args.date_to, "--to")
    con, _ = db.cursor(_db_path(args))
    f = variation.funnel_units(
        con, args.measure, date_from, date_to, args.by, args.team, scope=SYSTEM,
        method=args.limits,
    )  # fmt: skip
    _print(
        {
            "measure": args.measure,
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "by": args.by,
            **f.as_dict(),
        }
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    end = parse_date(args.end, "--end") if args.end else None
    out = Path(args.out_dir)
    counts = demo.write_demo_extract(out, end=end, scale=args.scale, seed=args.seed)
    _print({"extract_dir": str(out), "rows": counts})
    return 0


DEMO_ACCOUNTS = (
    ("manager", "service_manager", None, None),
    ("team-north", "team_manager", None, "IRO Team North"),
    ("iro-s0001", "iro", "S0001", None),
    ("admin", "admin", None, None),
    ("data-quality", "data_quality", None, None),
)


def _read_password(args: argparse.Namespace) -> str | None:
    """A new password from stdin (--password-stdin) or a prompt; never from argv."""
    if getattr(args, "sso", False):
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise ConfigError("the two passwords differ; nothing changed")
    return first


def _account_json(a: accounts.Account) -> dict[str, Any]:
    return {
        "username": a.username,
        "role": a.role,
        "staff_id": a.staff_id,
        "team": a.team,
        "sign_in": "proxy only" if a.sso_only else "password",
        "locked_until": a.locked_until,
    }


def _operator() -> Scope:
    """Who ran the command, for the audit trail: the operating-system account."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Scope(f"cli:{who}"[:64], "system")


def cmd_users(args: argparse.Namespace) -> int:
    path = load_settings().accounts_state
    if args.action not in ("list", "demo"):
        # Every account change is on the trail, whoever makes it and whether it works.
        accounts.record(
            path,
            _operator(),
            "account",
            f"sqa users {args.action}",
            0,
            None,
            {"account": args.username, "change": args.action, "role": getattr(args, "role", None)},
        )
    if args.action == "list":
        _print([_account_json(a) for a in accounts.list_accounts(path)])
    elif args.action == "add":
        account = accounts.add(
            path, args.username, args.role, _read_password(args), args.staff_id, args.team
        )
        _print(_account_json(account))
    elif args.action == "remove":
        accounts.remove(path, args.username)
        _print({"removed": args.username})
    elif args.action == "set-role":
        accounts.set_role(path, args.username, args.role, args.staff_id, args.team)
        found = accounts.get(path, args.username)
        assert found is not None
        _print(_account_json(found))
    elif args.action == "set-password":
        password = _read_password(args)
        assert password is not None
        accounts.set_password(path, args.username, password)
        _print({"password_set": args.username})
    elif args.action == "unlock":
        accounts.unlock(path, args.username)
        _print({"unlocked": args.username})
    elif args.action == "lock":
        accounts.lock(path, args.username)
        _print({"locked": args.username, "sessions": "ended"})
    elif args.action == "demo":
        others = [
            a.username
            for a in accounts.list_accounts(path)
            if a.username not in {d[0] for d in DEMO_ACCOUNTS}
        ]
        if others:
            raise ConfigError(
                "demo accounts are for the demo data only, and this accounts file already "
                f"has other accounts ({', '.join(others[:3])}); nothing changed"
            )
        made = []
        for name, role, staff_id, team in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            if accounts.get(path, name) is None:
                accounts.add(path, name, role, password, staff_id, team)
            else:
                accounts.set_role(path, name, role, staff_id, team)
                accounts.set_password(path, name, password)
            made.append({"username": name, "role": role, "password": password})
        _print(made)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    since = parse_date(args.since, "--since")
    until = parse_date(args.until, "--until") if args.until else None
    frame = accounts.search(
        load_settings().accounts_state, SYSTEM, since, until, args.user, args.text, limit=10_000_000
    )
    sys.stdout.write(accounts.audit_csv(frame.iloc[::-1]))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring every state database this configuration uses up to the newest schema."""
    settings = load_settings()
    out = []
    for where in dict.fromkeys([settings.accounts_state, settings.snapshots_state]):
        before, after = database.migrate(where)
        out.append({"database": database.shown(where), "from": before, "to": after})
    _print(out)
    return 0


def cmd_state_copy(args: argparse.Namespace) -> int:
    settings = load_settings()
    source_accounts = Path(args.accounts) if args.accounts else settings.accounts_db
    source_snapshots = Path(args.snapshots) if args.snapshots else settings.snapshots_db
    copied = copy_state(source_accounts, source_snapshots, args.to)
    _print(
        {
            "from": [str(source_accounts), str(source_snapshots)],
            "to": database.shown(args.to),
            "rows": copied,
            "next": "set SQA_STATE_URL to this database on every app server",
        }
    )
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.list:
        _print(snapshots.list_months(settings.snapshots_state))
        return 0
    if not args.month:
        raise ConfigError("give --month YYYY-MM (or --list)")
    con, _ = db.cursor(_db_path(args))
    figures = snapshots.take(con, settings.snapshots_state, args.month, SYSTEM, args.replace)
    service = figures["groups"][snapshots.SERVICE]["kpis"]["month"]
    _print(
        {
            "month": args.month,
            "load_id": figures["load_id"],
            "extract_as_of": figures["extract_as_of"],
            "groups": list(figures["groups"]),
            "month_kpis": {k: {"numerator": n, "denominator": d} for k, (n, d) in service.items()},
        }
    )
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Write the contract's extract from SQL, SSDA903 and/or CIN census sources."""
    from queries.ingest.adapters import Extract, cin, sql, ssda903

    out = Path(args.out_dir)
    if args.source:
        if args.ssda903 or args.cin_census:
            raise ConfigError("use --source on its own, or --ssda903 and/or --cin-census")
        if not args.mapping:
            raise ConfigError("--source needs --mapping (a TOML file, or 'ssd')")
        report = sql.extract(args.source, args.mapping, out, load_settings().source_password)
        _print(report)
        return 0
    if not (args.ssda903 or args.cin_census):
        raise ConfigError(
            "give --source URL --mapping FILE, or --ssda903 DIR and/or --cin-census FILE"
        )
    ext = Extract()
    if args.ssda903:
        ext.merge(ssda903.read(*[Path(p) for p in args.ssda903]))
    if args.cin_census:
        ext.merge(cin.read(Path(args.cin_census)))
    if args.cin_chairs:
        if not args.cin_census:
            raise ConfigError("--cin-chairs goes with --cin-census (it names their chairs)")
        cin.apply_chairs(ext, Path(args.cin_chairs))
    counts = ext.write(out)
    for problem in ext.problems:
        print(f"sqa extract: {problem}", file=sys.stderr)
    _print(
        {
            "out_dir": str(out),
            "rows": counts,
            "problems": ext.problems,
            "merged_returns": ext.merged_returns,
            "review_coverage_from": (
                ext.review_coverage_from.isoformat() if ext.review_coverage_from else None
            ),
            "columns_not_in_source": ext.columns_not_in_source,
            "ignored_files": ext.ignored,
        }
    )
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

    p = with_db(sub.add_parser("snapshot", help="freeze a month's figures for board papers"))
    p.add_argument("--month", help="YYYY-MM, a month that has ended in the data")
    p.add_argument("--replace", action="store_true", help="freeze a frozen month again")
    p.add_argument("--list", action="store_true", help="list the snapshots taken")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("extract", help="write the extract from a SQL source, SSDA903 or CIN")
    p.add_argument("out_dir", help="the extract folder to write (replaced whole)")
    p.add_argument("--source", help="a SQLAlchemy URL, no password (SQA_SOURCE_PASSWORD)")
    p.add_argument("--mapping", help="TOML file of one query per table, or 'ssd'")
    p.add_argument(
        "--ssda903",
        action="append",
        help="an SSDA903 return: a folder of its CSVs (one year, several years, or one "
        "subfolder per year) or its XML file; give it once per return to merge several",
    )
    p.add_argument("--cin-census", help="a CIN census XML file")
    p.add_argument(
        "--cin-chairs",
        help="CSV of each conference's chair (LAchildID, conference_date, chair_id, "
        "chair_name, team): the census names none",
    )
    p.set_defaults(func=cmd_extract)

    p = with_db(sub.add_parser("spc", help="a measure's SPC chart (Making Data Count), JSON"))
    p.add_argument("--measure", required=True)
    p.add_argument("--from-month", required=True, help="YYYY-MM")
    p.add_argument("--to-month", required=True, help="YYYY-MM")
    p.add_argument("--team")
    p.add_argument("--staff")
    p.add_argument("--chart", choices=["xmr", "pprime"], default="xmr")
    p.add_argument("--fix-after", type=int, help="fix the limits on the first N points (N >= 12)")
    p.set_defaults(func=cmd_spc)

    p = with_db(sub.add_parser("funnel", help="a KPI's funnel of people or teams, JSON"))
    p.add_argument("--measure", required=True)
    p.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    p.add_argument("--by", choices=["staff", "team"], default="staff")
    p.add_argument("--team")
    p.add_argument("--limits", choices=["arcsine", "exact"], default="arcsine")
    p.set_defaults(func=cmd_funnel, staff=None)

    p = sub.add_parser("users", help="manage dashboard accounts and roles")
    users = p.add_subparsers(dest="action", required=True)
    u = users.add_parser("add", help="add an account (password from a prompt or stdin)")
    u.add_argument("username")
    u.add_argument("--role", required=True, choices=list(ROLES))
    u.add_argument("--staff-id", help="an IRO's or chair's staff_id (role iro)")
    u.add_argument("--team", help="a team manager's team (role team_manager)")
    u.add_argument("--sso", action="store_true", help="no password: signs in via the proxy")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    u = users.add_parser("remove", help="remove an account")
    u.add_argument("username")
    u = users.add_parser("set-role", help="change an account's role")
    u.add_argument("username")
    u.add_argument("role", choices=list(ROLES))
    u.add_argument("--staff-id")
    u.add_argument("--team")
    u = users.add_parser("set-password", help="set a new password (and unlock)")
    u.add_argument("username")
    u.add_argument("--password-stdin", action="store_true")
    u = users.add_parser("unlock", help="clear failed sign-ins and a lock")
    u.add_argument("username")
    u = users.add_parser("lock", help="lock an account everywhere and end its sessions")
    u.add_argument("username")
    users.add_parser("list", help="every account, as JSON")
    users.add_parser("demo", help="(demo data only) make one account per role; print passwords")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("audit", help="the audit trail as CSV, oldest first")
    p.add_argument("--since", required=True, help="YYYY-MM-DD")
    p.add_argument("--until", help="YYYY-MM-DD (inclusive)")
    p.add_argument("--user", help="only this account")
    p.add_argument("--text", help="only records whose action or detail contains this")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("migrate", help="bring the state database's schema up to date")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("state", help="move the app's own records between databases")
    state = p.add_subparsers(dest="action", required=True)
    s = state.add_parser("copy", help="copy the SQLite state into a new shared database")
    s.add_argument("--to", required=True, help="postgresql+psycopg://user@host/database")
    s.add_argument("--accounts", help="the accounts SQLite file (default SQA_ACCOUNTS_DB)")
    s.add_argument("--snapshots", help="the snapshots SQLite file (default SQA_SNAPSHOTS_DB)")
    s.set_defaults(func=cmd_state_copy)

    p = sub.add_parser("demo", help="write the synthetic demo extract to a folder")
    p.add_argument("out_dir")
    p.add_argument("--end", help="last day of data (default: end of last month)")
    p.add_argument("--scale", type=float, default=1.0, help="1 = one authority")
    p.add_argument("--seed", type=int, default=2021)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    args = (parser or build_parser()).parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (`sqa series ... | head -1`): a quiet, successful exit.
        # Point stdout at /dev/null so Python's own flush at exit does not complain.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
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
