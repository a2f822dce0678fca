"""department_settings.checklist_required: a lead reaches «Обработан» only by the
checklist where the department says so (#14 §5, R2.6)

Revision ID: 0007
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "department_settings", sa.Column("checklist_required", sa.Boolean(), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("department_settings") as batch_op:
        batch_op.drop_column("checklist_required")
