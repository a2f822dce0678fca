"""No dead ends (#14 §5): department_settings.checklist_required (a lead reaches
«Обработан» only by the checklist where the department says so, R2.6); an escalation's
reminder and penalty kept apart from its resolution, so neither takes the other remedies
away

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMEDIES = ("reminded", "penalized")


def _add_member_column(table: str, column: str, constraint: str) -> None:
    """A nullable column naming a member. SQLite takes its foreign key only inline in ADD
    COLUMN (Alembic would copy the table, and `escalations` is referenced by rows that its
    foreign keys keep); such a column is dropped in place again."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {constraint} REFERENCES members (id)"
        )
        return
    op.add_column(
        table,
        sa.Column(column, sa.Integer(), sa.ForeignKey("members.id", name=constraint)),
    )


def upgrade() -> None:
    op.add_column(
        "department_settings", sa.Column("checklist_required", sa.Boolean(), nullable=True)
    )
    # Not a batch: SQLite would copy `escalations` and drop the original, which the foreign
    # keys of its cards and penalties refuse once they have rows.
    for remedy in REMEDIES:
        op.add_column(
            "escalations",
            sa.Column(f"{remedy}_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        )
        _add_member_column("escalations", f"{remedy}_by", f"fk_escalations_{remedy}_by_members")


def downgrade() -> None:
    # Plain drops (SQLite >= 3.35 drops a column in place; PostgreSQL drops its foreign key
    # with it), for the reason the upgrade is not a batch.
    for remedy in reversed(REMEDIES):
        op.drop_column("escalations", f"{remedy}_by")
        op.drop_column("escalations", f"{remedy}_at")
    op.drop_column("department_settings", "checklist_required")
