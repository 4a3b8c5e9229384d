"""The extract contract as data: files, keys, columns, codes and references.

This is the whitelist every identifier in generated SQL comes from: a column name that is
not written here never reaches a query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "text", "date", "code"]


@dataclass(frozen=True)
class Column:
    """One column of a contract file.

    ``required`` means the column must be in the header. ``not_null`` means a blank value
    sets the row aside. ``codes`` lists the allowed upper-case codes for kind ``code``;
    ``lenient_codes`` keeps a row whose code is blank or unknown (stored as null, reported
    as a warning) instead of setting it aside. ``refs`` names ``table.column`` that a
    non-blank value must exist in. ``future_ok`` lets a date lie after the extract date.
    """

    name: str
    kind: Kind = "text"
    required: bool = False
    not_null: bool = False
    codes: tuple[str, ...] = ()
    lenient_codes: bool = False
    refs: str | None = None
    future_ok: bool = False


@dataclass(frozen=True)
class Table:
    """One file of the extract."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = True
    # (start column, end column): a row whose end is before its start is set aside.
    span: tuple[str, str] | None = None
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _req(name: str, kind: Kind = "text", **kw: object) -> Column:
    return Column(name, kind, required=True, not_null=True, **kw)  # type: ignore[arg-type]


ROLES = ("IRO", "CP_CHAIR", "IRO_CP_CHAIR", "MANAGER", "OTHER")
PN_CODES = tuple(f"PN{i}" for i in range(8))

TABLES: tuple[Table, ...] = (
    Table(
        "staff",
        ("staff_id",),
        (
            _req("staff_id", "id"),
            _req("staff_name"),
            _req("role", "code", codes=ROLES),
            _req("team"),
            Column("start_date", "date"),
            Column("end_date", "date", future_ok=True),
        ),
        span=("start_date", "end_date"),
        description="IROs, CP chairs and managers",
    ),
    Table(
        "children",
        ("child_id",),
        (
            _req("child_id", "id"),
            _req("date_of_birth", "date"),
            Column("sex"),
            Column("ethnicity"),
            Column("disability"),
        ),
        description="One row per child",
    ),
    Table(
        "cla_periods",
        ("period_id",),
        (
            _req("period_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("start_date", "date"),
            Column("end_date", "date"),
            Column("legal_status"),
            Column("placement_type"),
            Column("placement_location", "code", codes=("IN_AREA", "OUT_OF_AREA")),
            Column("sw_team"),
            # N: the source does not show when this period began (its first episode in
            # the data carries on an earlier one); reviews in it have no due date. Blank
            # (or anything else) means the start is known, as in the nightly extract.
            Column("start_known"),
        ),
        span=("start_date", "end_date"),
        description="Periods of care",
    ),
    Table(
        "cla_reviews",
        ("review_id",),
        (
            _req("review_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("review_date", "date"),
            _req("iro_id", "id", refs="staff.staff_id"),
            Column("participation_code", "code", required=True, codes=PN_CODES, lenient_codes=True),
            Column("review_format", "code", codes=("IN_PERSON", "VIRTUAL", "HYBRID")),
            Column("minutes_completed_date", "date"),
        ),
        span=("review_date", "minutes_completed_date"),
        description="CLA reviews held",
    ),
    Table(
        "iro_allocations",
        ("allocation_id",),
        (
            _req("allocation_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("iro_id", "id", refs="staff.staff_id"),
            _req("start_date", "date"),
            Column("end_date", "date", future_ok=True),
        ),
        required=False,
        span=("start_date", "end_date"),
        description="IRO allocations",
    ),
    Table(
        "s47_enquiries",
        ("enquiry_id",),
        (
            _req("enquiry_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("s47_start_date", "date"),
            Column("strategy_discussion_date", "date"),
            Column("icpc_required", "code", codes=("Y", "N")),
            Column("sw_team"),
        ),
        description="Section 47 enquiries",
    ),
    Table(
        "cp_plans",
        ("plan_id",),
        (
            _req("plan_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("start_date", "date"),
            Column("end_date", "date"),
            Column("initial_category"),
        ),
        span=("start_date", "end_date"),
        description="Child protection plans",
    ),
    Table(
        "cp_conferences",
        ("conference_id",),
        (
            _req("conference_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("conference_date", "date"),
            _req("conference_type", "code", codes=("ICPC", "RCPC", "TRANSFER_IN")),
            _req("chair_id", "id", refs="staff.staff_id"),
            Column("enquiry_id", "id", refs="s47_enquiries.enquiry_id"),
            Column("plan_id", "id", refs="cp_plans.plan_id"),
            Column("outcome"),
        ),
        description="Child protection conferences held",
    ),
    Table(
        "direct_contacts",
        ("contact_id",),
        (
            _req("contact_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("iro_id", "id", refs="staff.staff_id"),
            _req("contact_date", "date"),
            Column("contact_type", "code", codes=("VISIT", "PHONE", "VIRTUAL", "OTHER")),
        ),
        required=False,
        description="IRO direct contacts between reviews",
    ),
    Table(
        "drps",
        ("drp_id",),
        (
            _req("drp_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("raised_by", "id", refs="staff.staff_id"),
            _req("raised_date", "date"),
            _req("level", "code", codes=("INFORMAL", "FORMAL")),
            Column("stage"),
            Column("sw_team"),
            Column("issue_category"),
            Column("response_due_date", "date", future_ok=True),
            Column("resolved_date", "date"),
            Column("outcome"),
        ),
        required=False,
        span=("raised_date", "resolved_date"),
        description="Dispute resolution process",
    ),
    Table(
        "practice_acknowledgements",
        ("pa_id",),
        (
            _req("pa_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("raised_by", "id", refs="staff.staff_id"),
            _req("raised_date", "date"),
            Column("sw_team"),
            Column("theme"),
        ),
        required=False,
        description="Practice acknowledgements",
    ),
    Table(
        "audits",
        ("audit_id",),
        (
            _req("audit_id", "id"),
            _req("child_id", "id", refs="children.child_id"),
            _req("auditor_id", "id", refs="staff.staff_id"),
            _req("audit_date", "date"),
            _req("audit_type", "code", codes=("MIDWAY", "TARGETED")),
            Column("theme"),
            Column("judgement"),
        ),
        required=False,
        description="Mid-way and targeted audits",
    ),
    Table(
        "feedback",
        ("response_id", "question_code"),
        (
            _req("response_id", "id"),
            _req("respondent_group", "code", codes=("CHILD", "PARENT", "CARER", "PROFESSIONAL")),
            _req("response_date", "date"),
            _req("question_code", "id"),
            Column("question_text"),
            _req("answer", "code", codes=("YES", "NO", "PARTLY", "NOT_ANSWERED")),
            Column("iro_id", "id", refs="staff.staff_id"),
            Column("comment"),
        ),
        required=False,
        description="Service-user feedback",
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def load_order() -> list[Table]:
    """Tables in an order where every referenced table comes first."""
    done: list[Table] = []
    names: set[str] = set()
    pending = list(TABLES)
    while pending:
        for table in pending:
            deps = {c.refs.split(".")[0] for c in table.columns if c.refs}
            if deps - {table.name} <= names:
                done.append(table)
                names.add(table.name)
                pending.remove(table)
                break
        else:  # pragma: no cover - the contract above has no cycles
            raise RuntimeError("reference cycle in the contract")
    return done
