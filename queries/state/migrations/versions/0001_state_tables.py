"""The state tables: accounts, sessions, sign-in failures, held tables, the append-only
audit trail, snapshots and commentary.

A SQLite file made before migrations existed already holds some of these tables (the audit
perhaps without its structured columns): this revision creates only what is missing and
adds those columns, so such a file is adopted as it is, with every record kept.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TEXT, INT = sa.Text(), sa.Integer()


def _tables() -> list[sa.Table]:
    meta = sa.MetaData()
    return [
        sa.Table(
            "users", meta,
            sa.Column("username", TEXT, primary_key=True),
            sa.Column("role", TEXT, nullable=False),
            sa.Column("staff_id", TEXT),
            sa.Column("team", TEXT),
            sa.Column("password_hash", TEXT),
            sa.Column("failed", INT, nullable=False, server_default="0"),
            sa.Column("locked_until", TEXT),
            sa.Column("created_at", TEXT, nullable=False),
            sa.Column("updated_at", TEXT, nullable=False),
        ),
        sa.Table(
            "audit", meta,
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                      primary_key=True, autoincrement=True),
            sa.Column("at", TEXT, nullable=False),
            sa.Column("username", TEXT, nullable=False),
            sa.Column("action", TEXT, nullable=False),
            sa.Column("detail", TEXT, nullable=False),
            sa.Column("rows", INT, nullable=False),
            sa.Column("address", TEXT),
            sa.Column("role", TEXT),
            sa.Column("scope", TEXT),
            sa.Column("what", TEXT),
            sa.Column("filters", TEXT),
            sqlite_autoincrement=True,
        ),
        sa.Table(
            "sessions", meta,
            sa.Column("id", TEXT, primary_key=True),
            sa.Column("username", TEXT, nullable=False),
            sa.Column("created_at", TEXT, nullable=False),
            sa.Column("seen_at", TEXT, nullable=False),
            sa.Column("ended_at", TEXT),
            sa.Column("ended_why", TEXT),
            sa.Column("address", TEXT),
        ),
        sa.Table(
            "held_tables", meta,
            sa.Column("token", TEXT, primary_key=True),
            sa.Column("username", TEXT, nullable=False),
            sa.Column("created_at", TEXT, nullable=False),
            sa.Column("table_id", TEXT, nullable=False),
            sa.Column("caption", TEXT, nullable=False),
            sa.Column("body", TEXT, nullable=False),
        ),
        sa.Table(
            "sign_in_failures", meta,
            sa.Column("at", TEXT, nullable=False),
            sa.Column("username", TEXT, nullable=False),
            sa.Column("address", TEXT, nullable=False),
        ),
        sa.Table(
            "snapshots", meta,
            sa.Column("month", TEXT, primary_key=True),
            sa.Column("taken_at", TEXT, nullable=False),
            sa.Column("taken_by", TEXT, nullable=False),
            sa.Column("load_id", TEXT, nullable=False),
            sa.Column("extract_as_of", TEXT, nullable=False),
            sa.Column("figures", TEXT, nullable=False),
        ),
        sa.Table(
            "commentary", meta,
            sa.Column("period", TEXT, primary_key=True),
            sa.Column("measure", TEXT, primary_key=True),
            sa.Column("body", TEXT, nullable=False),
            sa.Column("author", TEXT, nullable=False),
            sa.Column("updated_at", TEXT, nullable=False),
        ),
    ]  # fmt: skip


INDEXES = {
    "audit_at": ("audit", ["at"]),
    "sessions_user": ("sessions", ["username"]),
    "sign_in_failures_at": ("sign_in_failures", ["at"]),
}

SQLITE_APPEND_ONLY = [
    "create trigger if not exists audit_no_update before update on audit "
    "begin select raise(abort, 'the audit log is append-only'); end",
    "create trigger if not exists audit_no_delete before delete on audit "
    "begin select raise(abort, 'the audit log is append-only'); end",
]
POSTGRESQL_APPEND_ONLY = [
    """
    create or replace function sqa_audit_append_only() returns trigger
    language plpgsql as $$
    begin
        raise exception 'the audit log is append-only' using errcode = 'insufficient_privilege';
    end $$
    """,
    "drop trigger if exists audit_no_change on audit",
    "create trigger audit_no_change before update or delete on audit "
    "for each row execute function sqa_audit_append_only()",
    "drop trigger if exists audit_no_truncate on audit",
    "create trigger audit_no_truncate before truncate on audit "
    "for each statement execute function sqa_audit_append_only()",
]


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    have = set(inspector.get_table_names())
    for table in _tables():
        if table.name not in have:
            table.create(bind)
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:  # a file from before the audit was structured
                op.add_column(table.name, sa.Column(column.name, column.type))
    for name, (table_name, columns) in INDEXES.items():
        if name not in {i["name"] for i in sa.inspect(bind).get_indexes(table_name)}:
            op.create_index(name, table_name, columns)
    statements = SQLITE_APPEND_ONLY if bind.dialect.name == "sqlite" else POSTGRESQL_APPEND_ONLY
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("the state tables hold the audit trail; they are never dropped")
