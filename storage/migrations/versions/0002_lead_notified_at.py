"""leads.notified_at: R2.15's clock starts when the responsible's card reaches him

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "leads", sa.Column("notified_at", storage.types.UTCDateTime(timezone=True), nullable=True)
    )
    # Leads already assigned were told when they were assigned, as the clock assumed.
    op.execute("UPDATE leads SET notified_at = assigned_at WHERE assigned_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch_op:
        batch_op.drop_column("notified_at")
