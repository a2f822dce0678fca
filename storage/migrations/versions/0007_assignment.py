"""lead_assignment: how a department's new leads find a manager, and whose turn it is;
leads.assigned_how: the bot chose the responsible, in that mode (#14 §6)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_assignment",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("last_member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_lead_assignment_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["last_member_id"],
            ["members.id"],
            name=op.f("fk_lead_assignment_last_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_lead_assignment")),
    )
    op.add_column("leads", sa.Column("assigned_how", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # Not a batch: SQLite would copy `leads` and drop the original, which its foreign keys
    # refuse once other tables hold rows that refer to leads. SQLite >= 3.35 drops a plain
    # column in place.
    op.drop_column("leads", "assigned_how")
    op.drop_table("lead_assignment")
