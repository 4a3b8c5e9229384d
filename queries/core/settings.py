"""Configuration: every ``SQA_*`` environment variable, read in one place.

Settings are data: each has a name, a default and one line of help, so the README table
and ``sqa settings`` come from the same list. Nothing else in the project reads
``os.environ``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from queries.core.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its environment variable, default (as text) and help."""

    env: str
    default: str
    help: str


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "SQA_DB",
        str(PROJECT_ROOT / "data" / "sqa.duckdb"),
        "The serving database: a link to the current load's DuckDB file in <SQA_DB>.loads/.",
    ),
    SettingSpec(
        "SQA_DEMO_EXTRACT",
        str(PROJECT_ROOT / "data" / "demo-extract"),
        "Where the generated demo extract is written when no database exists.",
    ),
    SettingSpec(
        "SQA_AUTO_DEMO",
        "1",
        "1: build the demo database on start when SQA_DB does not exist; 0: refuse.",
    ),
    SettingSpec(
        "SQA_CLOSURE_DATES",
        "",
        "Extra non-working days, comma-separated YYYY-MM-DD (authority closures).",
    ),
    SettingSpec(
        "SQA_STALE_HOURS",
        "36",
        "The dashboard warns when the last good load is older than this many hours.",
    ),
    SettingSpec(
        "SQA_MAX_DROP",
        "0.25",
        "A load whose rows in any table fall by more than this share is held back.",
    ),
    SettingSpec("SQA_KEEP_LOADS", "5", "How many good loads to keep for `sqa rollback`."),
    SettingSpec(
        "SQA_CACHE_TYPE",
        "FileSystemCache",
        "flask-caching backend: FileSystemCache (shared by a server's workers), RedisCache "
        "(shared by several servers), SimpleCache (per worker), or NullCache (off).",
    ),
    SettingSpec(
        "SQA_CACHE_DIR", str(PROJECT_ROOT / "data" / "cache"), "Folder for FileSystemCache."
    ),
    SettingSpec("SQA_CACHE_REDIS_URL", "", "redis:// URL for RedisCache."),
    SettingSpec(
        "SQA_TARGETS_FILE",
        str(PROJECT_ROOT / "data" / "targets.csv"),
        "Editable file of targets, amber thresholds and comparator figures.",
    ),
    SettingSpec(
        "SQA_COMPARATORS_FILE",
        str(PROJECT_ROOT / "data" / "comparators.csv"),
        "Published comparators (DfE England and regional figures, by year, with sources).",
    ),
    SettingSpec(
        "SQA_REGION",
        "",
        "The authority's region as the DfE names it (e.g. North West), for the regional "
        "comparator; blank shows none.",
    ),
    SettingSpec(
        "SQA_AUTHORITY",
        "",
        "The authority as the DfE names it (e.g. Hartlepool), to find its statistical "
        "neighbours in SQA_NEIGHBOURS_FILE; blank uses the targets file's figures.",
    ),
    SettingSpec(
        "SQA_NEIGHBOURS_FILE",
        str(PROJECT_ROOT / "data" / "statistical_neighbours.csv"),
        "Each authority's statistical neighbours, closest first (the DfE's list).",
    ),
    SettingSpec(
        "SQA_TODAY",
        "",
        "The day the review worklist counts from (YYYY-MM-DD); blank is today, in the UK. "
        "For demonstrations and tests on an old extract.",
    ),
    SettingSpec(
        "SQA_SPC_BREAKS_FILE",
        str(PROJECT_ROOT / "data" / "spc_breaks.csv"),
        "Known changes in practice (measure, from_month, reason) where SPC limits restart.",
    ),
    SettingSpec(
        "SQA_ACCOUNTS_DB",
        str(PROJECT_ROOT / "data" / "sqa-accounts.sqlite"),
        "SQLite file of accounts, roles and the append-only audit trail.",
    ),
    SettingSpec(
        "SQA_SNAPSHOTS_DB",
        str(PROJECT_ROOT / "data" / "sqa-snapshots.sqlite"),
        "SQLite file of month-end snapshots and board-pack commentary.",
    ),
    SettingSpec(
        "SQA_STATE_URL",
        "",
        "A database for accounts, sessions, audit, snapshots and commentary that several app "
        "servers share (postgresql+psycopg://user@host/db; the password from ~/.pgpass or "
        "PGPASSFILE); blank keeps them in the two SQLite files above.",
    ),
    SettingSpec(
        "SQA_STATE_MIGRATE",
        "1",
        "1: bring the state database's schema up to date when a process first opens it; "
        "0: refuse an out-of-date schema until `sqa migrate` is run.",
    ),
    SettingSpec(
        "SQA_SUPPRESS_BELOW",
        "5",
        "External packs show counts below this as <N and withhold rates built on them.",
    ),
    SettingSpec(
        "SQA_SOURCE_PASSWORD",
        "",
        "Password for `sqa extract --source` (never on the command line or in a log).",
    ),
    SettingSpec(
        "SQA_AUTH",
        "accounts",
        "How people sign in: accounts (built-in, passwords) or proxy (single sign-on).",
    ),
    SettingSpec(
        "SQA_PROXY_HEADER",
        "X-Remote-User",
        "In proxy mode: the header in which the proxy puts the signed-in user name.",
    ),
    SettingSpec(
        "SQA_TRUSTED_PROXIES",
        "127.0.0.1",
        "In proxy mode: comma-separated addresses or networks (CIDR) of trusted proxies.",
    ),
    SettingSpec(
        "SQA_LOCKOUT_ATTEMPTS",
        "5",
        "Failed sign-ins for one name from one address that throttle that address.",
    ),
    SettingSpec(
        "SQA_LOCKOUT_MINUTES", "15", "The window the throttle counts failures over, in minutes."
    ),
    SettingSpec("SQA_SESSION_HOURS", "8", "A sign-in lasts this many hours without use."),
    SettingSpec(
        "SQA_SESSION_MAX_HOURS",
        "12",
        "A session ends this many hours after sign-in, however busy (the absolute lifetime).",
    ),
    SettingSpec(
        "SQA_EXPORT_LIMIT",
        "10",
        "Board packs one person may build in 10 minutes (each costs seconds of CPU).",
    ),
    SettingSpec(
        "SQA_SECRET_KEY_FILE",
        str(PROJECT_ROOT / "data" / "secret-key"),
        "File holding the key that signs session cookies; made (mode 600) if missing.",
    ),
)

CACHE_TYPES = ("SimpleCache", "FileSystemCache", "RedisCache", "NullCache")


def _parse_dates(name: str, raw: str) -> tuple[dt.date, ...]:
    out = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            out.append(dt.date.fromisoformat(part))
        except ValueError as exc:
            raise ConfigError(
                f"{name}: '{part}' is not a date; give closure days as YYYY-MM-DD, "
                "separated by commas"
            ) from exc
    return tuple(sorted(set(out)))


def _parse_positive(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: '{raw}' is not a number of hours") from exc
    if value <= 0:
        raise ConfigError(f"{name}: must be more than 0, got {raw}")
    return value


def _parse_day(name: str, value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}: '{value}' is not a date; write it as YYYY-MM-DD") from exc


def _parse_share(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: '{raw}' is not a share; write it as 0.25 for 25%") from exc
    if not 0 < value < 1:
        raise ConfigError(f"{name}: must be between 0 and 1 (0.25 is 25%), got {raw}")
    return value


def _parse_count(name: str, raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name}: must be a whole number of at least 1, got '{raw}'")
    return int(raw)


def _parse_flag(name: str, raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ConfigError(f"{name}: use 1 (on) or 0 (off), got '{raw}'")
    return raw == "1"


AUTH_MODES = ("accounts", "proxy")


def _parse_auth(name: str, raw: str) -> str:
    if raw not in AUTH_MODES:
        raise ConfigError(f"{name}: '{raw}' is not one of {', '.join(AUTH_MODES)}")
    return raw


def _parse_networks(name: str, raw: str) -> tuple[str, ...]:
    out = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError as exc:
            raise ConfigError(
                f"{name}: '{part}' is not an address or network; write 10.0.0.5 or "
                "10.0.0.0/24, separated by commas"
            ) from exc
        out.append(part)
    return tuple(out)


def _parse_header(name: str, raw: str) -> str:
    if not raw or not all(c.isalnum() or c == "-" for c in raw):
        raise ConfigError(f"{name}: '{raw}' is not a header name (letters, digits, dashes)")
    return raw


def _parse_cache(name: str, raw: str) -> str:
    if raw not in CACHE_TYPES:
        raise ConfigError(f"{name}: '{raw}' is not one of {', '.join(CACHE_TYPES)}")
    return raw


@dataclass(frozen=True)
class Settings:
    """The project's configuration, validated."""

    db_path: Path
    demo_extract: Path
    auto_demo: bool
    closure_dates: tuple[dt.date, ...]
    stale_hours: float
    max_drop: float
    keep_loads: int
    cache_type: str
    cache_dir: Path
    cache_redis_url: str
    targets_file: Path
    comparators_file: Path
    region: str
    authority: str
    neighbours_file: Path
    today: dt.date | None
    spc_breaks_file: Path
    accounts_db: Path
    snapshots_db: Path
    state_url: str
    state_migrate: bool
    suppress_below: int
    source_password: str
    auth: str
    proxy_header: str
    trusted_proxies: tuple[str, ...]
    lockout_attempts: int
    lockout_minutes: int
    session_hours: float
    session_max_hours: float
    export_limit: int
    secret_key_file: Path

    @property
    def accounts_state(self) -> Path | str:
        """Where accounts, sessions and the audit trail live: the shared database, or the
        accounts SQLite file."""
        return self.state_url or self.accounts_db

    @property
    def snapshots_state(self) -> Path | str:
        """Where snapshots and commentary live: the shared database, or their SQLite file."""
        return self.state_url or self.snapshots_db


def state_database_url(text: str, name: str = "SQA_STATE_URL") -> sa.URL:
    """``text`` as the URL of a state database (PostgreSQL or SQLite); a sentence saying
    how to write it otherwise."""
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(
            f"{name}={text!r} is not a database URL; write it as "
            "postgresql+psycopg://user@host:5432/database"
        ) from exc
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise ConfigError(
            f"{name} names {url.get_backend_name()}; the state database is PostgreSQL "
            "(postgresql+psycopg://user@host/database) or SQLite (sqlite:////path/state.sqlite)"
        )
    return url


def _parse_state_url(name: str, value: str) -> str:
    text = value.strip()
    if text:
        state_database_url(text, name)
    return text


_PARSERS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "SQA_DB": ("db_path", lambda _n, v: Path(v)),
    "SQA_DEMO_EXTRACT": ("demo_extract", lambda _n, v: Path(v)),
    "SQA_AUTO_DEMO": ("auto_demo", _parse_flag),
    "SQA_CLOSURE_DATES": ("closure_dates", _parse_dates),
    "SQA_STALE_HOURS": ("stale_hours", _parse_positive),
    "SQA_MAX_DROP": ("max_drop", _parse_share),
    "SQA_KEEP_LOADS": ("keep_loads", _parse_count),
    "SQA_CACHE_TYPE": ("cache_type", _parse_cache),
    "SQA_CACHE_DIR": ("cache_dir", lambda _n, v: Path(v)),
    "SQA_CACHE_REDIS_URL": ("cache_redis_url", lambda _n, v: v),
    "SQA_TARGETS_FILE": ("targets_file", lambda _n, v: Path(v)),
    "SQA_COMPARATORS_FILE": ("comparators_file", lambda _n, v: Path(v)),
    "SQA_REGION": ("region", lambda _n, v: v.strip()),
    "SQA_AUTHORITY": ("authority", lambda _n, v: v.strip()),
    "SQA_TODAY": ("today", _parse_day),
    "SQA_NEIGHBOURS_FILE": ("neighbours_file", lambda _n, v: Path(v)),
    "SQA_SPC_BREAKS_FILE": ("spc_breaks_file", lambda _n, v: Path(v)),
    "SQA_ACCOUNTS_DB": ("accounts_db", lambda _n, v: Path(v)),
    "SQA_SNAPSHOTS_DB": ("snapshots_db", lambda _n, v: Path(v)),
    "SQA_STATE_URL": ("state_url", _parse_state_url),
    "SQA_STATE_MIGRATE": ("state_migrate", _parse_flag),
    "SQA_SUPPRESS_BELOW": ("suppress_below", _parse_count),
    "SQA_SOURCE_PASSWORD": ("source_password", lambda _n, v: v),
    "SQA_AUTH": ("auth", _parse_auth),
    "SQA_PROXY_HEADER": ("proxy_header", _parse_header),
    "SQA_TRUSTED_PROXIES": ("trusted_proxies", _parse_networks),
    "SQA_LOCKOUT_ATTEMPTS": ("lockout_attempts", _parse_count),
    "SQA_LOCKOUT_MINUTES": ("lockout_minutes", _parse_count),
    "SQA_SESSION_HOURS": ("session_hours", _parse_positive),
    "SQA_SESSION_MAX_HOURS": ("session_max_hours", _parse_positive),
    "SQA_EXPORT_LIMIT": ("export_limit", _parse_count),
    "SQA_SECRET_KEY_FILE": ("secret_key_file", lambda _n, v: Path(v)),
}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read every ``SQA_*`` variable (or ``environ``), apply ``overrides``, validate."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for spec in SPECS:
        field, parse = _PARSERS[spec.env]
        values[field] = parse(spec.env, env.get(spec.env, spec.default))
    values.update({k: v for k, v in overrides.items() if v is not None})
    if values["cache_type"] == "RedisCache" and not values["cache_redis_url"]:
        raise ConfigError(
            "SQA_CACHE_TYPE=RedisCache needs SQA_CACHE_REDIS_URL (redis://host:6379/0)"
        )
    return Settings(**values)
