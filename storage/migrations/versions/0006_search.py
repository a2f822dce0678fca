"""search: the terms each lead, company and contact is found by (#14 §1), filled for the rows
there are; leads by the deal they became (a company's or contact's match finds its leads)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from alembic import op

from domain import search

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TERM = sa.String(254).with_variant(sa.String(254, collation="C"), "postgresql")
BATCH = 1000


def _fill(kind: str, query: str, terms_of: object) -> None:
    connection = op.get_bind()
    insert = sa.text(
        "INSERT INTO search_terms (subject_kind, subject_id, term) VALUES (:kind, :id, :term)"
    )
    rows = connection.execute(sa.text(query))
    while batch := rows.fetchmany(BATCH):
        values: list[dict[str, object]] = []
        for row in batch:
            terms: Iterable[str] = terms_of(*row[1:])  # type: ignore[operator]
            values += [{"kind": kind, "id": row[0], "term": term} for term in sorted(terms)]
        if values:
            connection.execute(insert, values)


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("term", TERM, nullable=False),
        sa.PrimaryKeyConstraint("subject_kind", "subject_id", "term", name=op.f("pk_search_terms")),
    )
    op.create_index("ix_search_terms_term", "search_terms", ["term", "subject_kind", "subject_id"])
    with op.batch_alter_table("leads") as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index("ix_leads_department_newest", ["department_id", "id"])
        batch_op.create_index("ix_leads_responsible_newest", ["responsible_id", "id"])
    _fill(
        "lead",
        "SELECT id, company_name, contact_name, contact_last_name, phone, email FROM leads",
        search.lead_terms,
    )
    _fill(
        "company",
        "SELECT id, name FROM companies",
        lambda name: search.terms(names=(name,)),
    )
    _fill(
        "contact",
        "SELECT id, full_name, phone, email FROM contacts",
        lambda name, phone, email: search.terms(names=(name,), phones=(phone,), emails=(email,)),
    )


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch_op:
        batch_op.drop_index("ix_leads_responsible_newest")
        batch_op.drop_index("ix_leads_department_newest")
        batch_op.drop_index(batch_op.f("ix_leads_deal_id"))
    op.drop_index("ix_search_terms_term", table_name="search_terms")
    op.drop_table("search_terms")
