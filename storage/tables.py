"""SQLAlchemy 2 typed tables. Rows stay inside storage: repositories map them to domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class DepartmentRow(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class MemberRow(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    position: Mapped[str | None] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    blocked_at: Mapped[datetime | None]  # the member blocked the bot: nothing reaches him
    created_at: Mapped[datetime]


class InvitationRow(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class CompanyRow(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    address: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]


class ContactRow(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    position: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class LeadRow(Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_responsible_status", "responsible_id", "status"),
        Index("ix_leads_department_status", "department_id", "status"),
        # The search walks the leads in scope newest first (#14 §1).
        Index("ix_leads_department_newest", "department_id", "id"),
        Index("ix_leads_responsible_newest", "responsible_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    title_is_auto: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    status_changed_at: Mapped[datetime | None]
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    company_name: Mapped[str | None] = mapped_column(String(200))
    company_key: Mapped[str | None] = mapped_column(String(200), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(128))
    contact_last_name: Mapped[str | None] = mapped_column(String(128))
    position: Mapped[str | None] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(500))
    comment: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    assigned_how: Mapped[str | None] = mapped_column(String(16))  # the bot chose him (#14 §6)
    created_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
    first_contact_at: Mapped[datetime | None]
    next_contact_at: Mapped[datetime | None]
    junk_reason: Mapped[str | None] = mapped_column(String(500))
    checklist_answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checklist_id: Mapped[int | None] = mapped_column(ForeignKey("checklists.id"))
    checklist_cursor: Mapped[int | None]  # the question a paused checklist resumes at
    version: Mapped[int] = mapped_column(default=0, server_default="0")  # bumped by each write
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)


class LeadEventRow(Base):
    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(32))
    field_name: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


# The search terms' order is the code points' on every database (domain/search.py's prefix
# ranges rely on it): PostgreSQL's "C" collation, SQLite's default.
TERM = String(254).with_variant(String(254, collation="C"), "postgresql")


class SearchTermRow(Base):
    """A term a lead, company or contact is found by (#14 §1): written with the subject."""

    __tablename__ = "search_terms"
    __table_args__ = (Index("ix_search_terms_term", "term", "subject_kind", "subject_id"),)

    subject_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(TERM, primary_key=True)


class PipelineRow(Base):
    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(default=False)
    stages: Mapped[list[str]] = mapped_column(JSON)


class DealRow(Base):
    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"))
    stage: Mapped[str] = mapped_column(String(32))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    checklist_answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class FsmStateRow(Base):
    """aiogram's FSM state and data per storage key, so a conversation survives a restart."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[str] = mapped_column(Text, default="{}")  # JSON text: comparable everywhere


class OutboxRow(Base):
    """A message the bot owes someone; the sender claims, delivers and stamps it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_unsent",
            "id",
            sqlite_where=text("sent_at IS NULL"),
            postgresql_where=text("sent_at IS NULL"),
        ),
        # Each member's oldest unsent row, read from the index alone (the sender's heads).
        Index(
            "ix_outbox_unsent_by_member",
            "member_id",
            "id",
            sqlite_where=text("sent_at IS NULL"),
            postgresql_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))
    subject_kind: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)
    fresh: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    not_before: Mapped[datetime | None]  # set by the sender for a retry
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


class CardRow(Base):
    """Where a member's live card of a subject (a lead, an escalation...) is, so it is
    edited in place. One per subject per member."""

    __tablename__ = "cards"

    subject_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime | None]


class LeadDraftRow(Base):
    __tablename__ = "lead_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class TimerRow(Base):
    """A deadline or a reminder (R2.2, R2.5, R2.14, R2.15). The row, not a job, decides."""

    __tablename__ = "timers"
    __table_args__ = (
        Index(
            "ix_timers_pending",
            "due_at",
            sqlite_where=text("fired_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("fired_at IS NULL AND cancelled_at IS NULL"),
        ),
        Index("ix_timers_subject_kind", "subject_kind", "subject_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))


class EscalationRow(Base):
    """A breach told to the supervisors, once; and what one of them did about it."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    lead_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    due_at: Mapped[datetime]
    detected_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    resolution: Mapped[str | None] = mapped_column(String(500))
    # #14 §5: a reminder and a penalty, each once, neither resolving the breach.
    reminded_at: Mapped[datetime | None]
    reminded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    penalized_at: Mapped[datetime | None]
    penalized_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class PenaltyRow(Base):
    """A penalty recorded by a supervisor (R2.2): who, which lead, which rule, why."""

    __tablename__ = "penalties"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    rule: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]


class DepartmentSettingsRow(Base):
    """A supervisor's values for the rules set by the company order; empty: the defaults."""

    __tablename__ = "department_settings"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    contact_sla_minutes: Mapped[float | None]
    processing_deadline_minutes: Mapped[float | None]
    unassigned_limit_minutes: Mapped[float | None]
    # #14 §5: a lead reaches «Обработан» only by the checklist (R2.6); NULL: not required.
    checklist_required: Mapped[bool | None]


class LeadAssignmentRow(Base):
    """How a department's new leads find a manager (#14 §6); no row: by hand. The turn of
    round robin is here so that it survives a restart and two processes take turns in it:
    the intake holds this row from reading the turn to the commit of the assignment."""

    __tablename__ = "lead_assignment"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    last_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class ChecklistRow(Base):
    """A version of a department's checklist (none: the default); a lead keeps its version."""

    __tablename__ = "checklists"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    questions: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
