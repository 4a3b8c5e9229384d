"""Who may see what: the viewer's scope, applied in the data layer.

Every ``queries`` function that returns figures or rows takes a :class:`Scope`, so no
page, callback, download or export can return rows outside it, whatever the browser
sends. The rules (issue 4):

- **service manager**: everything;
- **team manager**: their team's people and children, plus service-wide aggregates;
- **IRO / CP chair**: their own children and records, their own figures, team and
  service aggregates; other individuals appear only anonymised;
- **admin**: users, roles, loads, the audit log, the data-quality page and service-wide
  aggregates; no child-level rows and no named individuals.

A request outside scope raises :class:`~queries.core.errors.AccessDenied` with a sentence the
person can act on; a list that names people replaces the ones outside scope with
"Another IRO 1", "Another IRO 2"... and blanks their ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from queries.core import sqlfiles
from queries.core.errors import AccessDenied

ROLES: dict[str, str] = {
    "service_manager": "Service manager",
    "team_manager": "Team manager",
    "iro": "IRO / CP chair",
    "admin": "Admin",
    "data_quality": "Data-quality analyst",
}
# The operator at the server's command line (sqa kpis, sqa audit, the benchmark): every
# figure and the audit trail. Never an account's role.
_ALL_ROLES = {**ROLES, "system": "System (command line)"}
ANONYMOUS = "Another IRO"


@dataclass(frozen=True)
class Filters:
    """Who a figure is about: a team and/or one member of staff (None = everyone)."""

    team: str | None = None
    staff: str | None = None

    def params(self) -> dict[str, Any]:
        return {"team": self.team or None, "staff": self.staff or None}


EVERYONE = Filters()


@dataclass(frozen=True)
class Scope:
    """The signed-in viewer: their account, role and (for IROs and team managers) place."""

    user: str
    role: str
    staff_id: str | None = None  # an IRO's or chair's own id in the extract's staff file
    team: str | None = None  # a team manager's team

    def __post_init__(self) -> None:
        if self.role not in _ALL_ROLES:
            raise AccessDenied(f"unknown role '{self.role}'; use one of: {', '.join(ROLES)}")
        if self.role == "iro" and not self.staff_id:
            raise AccessDenied(f"the IRO account '{self.user}' has no staff id")
        if self.role == "team_manager" and not self.team:
            raise AccessDenied(f"the team manager account '{self.user}' has no team")

    @property
    def sees_everyone(self) -> bool:
        return self.role in ("service_manager", "system")

    @property
    def sees_children(self) -> bool:
        return self.role not in ("admin", "data_quality")

    @property
    def sees_data_quality_rows(self) -> bool:
        """The rows set aside at load hold child ids and source values: for the people who
        fix source records (data-quality analysts) and service managers, not admins."""
        return self.role in ("service_manager", "data_quality", "system")

    @property
    def sees_data_quality(self) -> bool:
        """The data-quality page: load history and the set-aside counts by file and reason."""
        return self.role in ("service_manager", "admin", "data_quality", "system")

    @property
    def sees_comments(self) -> bool:
        """Feedback free text is for managers only."""
        return self.role in ("service_manager", "team_manager", "system")

    @property
    def is_admin(self) -> bool:
        return self.role in ("admin", "system")


SYSTEM = Scope("system", "system")


def require_admin(scope: Scope) -> None:
    if not scope.is_admin:
        raise AccessDenied("Accounts and the audit trail are for admins only.")


def people(con: duckdb.DuckDBPyConnection, scope: Scope) -> frozenset[str] | None:
    """The staff ids whose own figures and names ``scope`` may see (None = everyone)."""
    if scope.sees_everyone:
        return None
    if scope.role == "iro":
        return frozenset({str(scope.staff_id)})
    if scope.role == "team_manager":
        rows = con.execute(sqlfiles.read("scope", "team_staff"), {"team": scope.team})
        return frozenset(str(r[0]) for r in rows.fetchall())
    return frozenset()


def figure_filters(con: duckdb.DuckDBPyConnection, scope: Scope, filters: Filters) -> Filters:
    """``filters`` for an aggregate, if ``scope`` may see it: anyone's team or the service,
    but one person's figures only when that person is within scope."""
    if filters.staff:
        allowed = people(con, scope)
        if allowed is not None and filters.staff not in allowed:
            raise AccessDenied(
                f"You can see your own figures and your team's and the service's, not those "
                f"of staff id '{filters.staff}'. Choose 'Everyone' or yourself."
            )
    return filters


def record_filters(con: duckdb.DuckDBPyConnection, scope: Scope, filters: Filters) -> Filters:
    """``filters`` narrowed to the children ``scope`` may see, for child-level rows."""
    require_children(scope)
    figure_filters(con, scope, filters)
    if scope.role == "iro":
        return Filters(filters.team, scope.staff_id)
    if scope.role == "team_manager":
        if filters.team not in (None, "", scope.team):
            raise AccessDenied(
                f"You can see the records of the {scope.team} team only, not {filters.team}."
            )
        return Filters(scope.team, filters.staff)
    return filters


def require_children(scope: Scope) -> None:
    if not scope.sees_children:
        raise AccessDenied("Your role (admin) does not include child-level records; ask a manager.")


def require_data_quality(scope: Scope) -> None:
    if not scope.sees_data_quality:
        raise AccessDenied(
            "The data-quality page is for service managers, data-quality analysts and admins."
        )


def require_data_quality_rows(scope: Scope) -> None:
    if not scope.sees_data_quality_rows:
        raise AccessDenied(
            "The rows set aside at load hold child ids and any value from the extract, so "
            "they are for service managers and data-quality analysts only."
        )


def require_packs(scope: Scope) -> None:
    if scope.role == "iro":
        raise AccessDenied(
            "Board packs and snapshots are for managers and admins; your own figures are on "
            "My figures."
        )


def require_comments(scope: Scope) -> None:
    if not scope.sees_comments:
        raise AccessDenied("Feedback comments are for service and team managers only.")


def anonymise(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    df: pd.DataFrame,
    id_col: str = "staff_id",
    name_col: str = "staff_name",
) -> pd.DataFrame:
    """``df`` with people outside ``scope`` renamed "Another IRO n" and their ids blanked.

    The numbers follow the order of the blanked ids, so one person keeps one label across
    the rows of a frame (a caseload's months) without the label revealing who it is.
    """
    allowed = people(con, scope)
    if allowed is None or df.empty:
        return df
    out = df.copy()
    hidden = ~out[id_col].astype("string").isin(list(allowed)).fillna(False)
    ids = sorted(out.loc[hidden, id_col].dropna().astype(str).unique(), key=_stable)
    labels = {sid: f"{ANONYMOUS} {i}" for i, sid in enumerate(ids, 1)}
    out[name_col] = out[name_col].astype("object")
    out.loc[hidden, name_col] = out.loc[hidden, id_col].map(labels).fillna(ANONYMOUS)
    out[id_col] = out[id_col].astype("object")
    out.loc[hidden, id_col] = ""
    return out


def _stable(staff_id: str) -> str:
    """A fixed order that is not alphabetical, so a label does not hint at a name."""
    return hashlib.sha256(staff_id.encode()).hexdigest()


def visible_names(con: duckdb.DuckDBPyConnection, scope: Scope) -> frozenset[str] | None:
    """The names of the people ``scope`` may see (None = everyone)."""
    allowed = people(con, scope)
    if allowed is None:
        return None
    if not allowed:
        return frozenset()
    rows = con.execute(sqlfiles.read("scope", "staff_names"), {"ids": list(allowed)}).fetchall()
    return frozenset(str(r[0]) for r in rows)
