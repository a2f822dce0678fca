"""subjects: timers, outbox rows and live cards refer to a subject (kind + id), not to a lead;
one `cards` table replaces `lead_cards` and `escalation_cards` (#13)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cards",
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_cards_member_id_members")
        ),
        sa.PrimaryKeyConstraint("subject_kind", "subject_id", "member_id", name=op.f("pk_cards")),
    )
    op.execute(
        "INSERT INTO cards (subject_kind, subject_id, member_id, chat_id, message_id, updated_at) "
        "SELECT 'lead', lead_id, member_id, chat_id, message_id, updated_at FROM lead_cards"
    )
    op.execute(
        "INSERT INTO cards (subject_kind, subject_id, member_id, chat_id, message_id) "
        "SELECT 'escalation', escalation_id, member_id, chat_id, message_id "
        "FROM escalation_cards"
    )
    op.drop_table("lead_cards")
    op.drop_table("escalation_cards")

    with op.batch_alter_table("timers") as batch_op:
        batch_op.add_column(sa.Column("subject_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
    op.execute("UPDATE timers SET subject_kind = 'lead', subject_id = lead_id")
    with op.batch_alter_table("timers") as batch_op:
        batch_op.alter_column("subject_kind", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("subject_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index("ix_timers_lead_kind")
        batch_op.drop_constraint("fk_timers_lead_id_leads", type_="foreignkey")
        batch_op.drop_column("lead_id")
        batch_op.create_index(
            "ix_timers_subject_kind", ["subject_kind", "subject_id", "kind"], unique=False
        )

    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("subject_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
    # An escalation's card was a kind of its own; it is now the card of that subject.
    op.execute(
        "UPDATE outbox SET subject_kind = 'escalation', subject_id = escalation_id, "
        "kind = 'card' WHERE escalation_id IS NOT NULL"
    )
    op.execute(
        "UPDATE outbox SET subject_kind = 'lead', subject_id = lead_id "
        "WHERE escalation_id IS NULL AND lead_id IS NOT NULL"
    )
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_constraint("fk_outbox_lead_id_leads", type_="foreignkey")
        batch_op.drop_constraint("fk_outbox_escalation_id_escalations", type_="foreignkey")
        batch_op.drop_column("lead_id")
        batch_op.drop_column("escalation_id")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("escalation_id", sa.Integer(), nullable=True))
    op.execute("UPDATE outbox SET lead_id = subject_id WHERE subject_kind = 'lead'")
    op.execute(
        "UPDATE outbox SET escalation_id = subject_id, kind = 'escalation', "
        "lead_id = (SELECT escalations.lead_id FROM escalations "
        "WHERE escalations.id = outbox.subject_id) "
        "WHERE subject_kind = 'escalation'"
    )
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.create_foreign_key("fk_outbox_lead_id_leads", "leads", ["lead_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_outbox_escalation_id_escalations", "escalations", ["escalation_id"], ["id"]
        )
        batch_op.drop_column("subject_kind")
        batch_op.drop_column("subject_id")

    with op.batch_alter_table("timers") as batch_op:
        batch_op.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
    # Only leads had timers before subjects.
    op.execute("DELETE FROM timers WHERE subject_kind <> 'lead'")
    op.execute("UPDATE timers SET lead_id = subject_id")
    with op.batch_alter_table("timers") as batch_op:
        batch_op.alter_column("lead_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_timers_lead_id_leads", "leads", ["lead_id"], ["id"])
        batch_op.drop_index("ix_timers_subject_kind")
        batch_op.drop_column("subject_kind")
        batch_op.drop_column("subject_id")
        batch_op.create_index("ix_timers_lead_kind", ["lead_id", "kind"], unique=False)

    op.create_table(
        "lead_cards",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_cards_lead_id_leads")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_lead_cards_member_id_members")
        ),
        sa.PrimaryKeyConstraint("lead_id", "member_id", name=op.f("pk_lead_cards")),
    )
    op.create_table(
        "escalation_cards",
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_cards_escalation_id_escalations"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_escalation_cards_member_id_members")
        ),
        sa.PrimaryKeyConstraint("escalation_id", "member_id", name=op.f("pk_escalation_cards")),
    )
    op.execute(
        "INSERT INTO lead_cards (lead_id, member_id, chat_id, message_id, updated_at) "
        "SELECT subject_id, member_id, chat_id, message_id, updated_at FROM cards "
        "WHERE subject_kind = 'lead'"
    )
    op.execute(
        "INSERT INTO escalation_cards (escalation_id, member_id, chat_id, message_id) "
        "SELECT subject_id, member_id, chat_id, message_id FROM cards "
        "WHERE subject_kind = 'escalation'"
    )
    op.drop_table("cards")
