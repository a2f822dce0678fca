"""Killing real `crmbot run` processes while leads flow, and counting what reached people.

Shared by the kill tests (tests/test_crash_recovery.py, in CI) and the soak (bench/crash_soak.py,
by hand). The bot runs as the operator runs it, against the fake Telegram; the test seeds
leads straight through the use cases, as the website's intake or a supervisor would make them.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from domain.lead_fields import LeadField
from domain.model import LeadSource, Member, Profile, Role
from domain.ports import SystemClock
from domain.services import leads, onboarding
from domain.sla import SlaDefaults, WorkSchedule
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_engine
from storage.tables import EscalationRow, LeadRow, OutboxRow
from storage.uow import SqlUnitOfWorkFactory
from tests.fake_telegram import ChatMessage, FakeTelegram, TelegramUser
from tests.support import INTAKE_TOKEN, free_port
from tests.test_cli import CRMBOT, clean_env

CONTACT_SECONDS = 6.0  # R2.15 shortened: the escalations come while the test watches


class BotProcess:
    """One `crmbot run`, its log in a file."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        log: Path,
        started: float,
        offset: int,
        port: int,
    ) -> None:
        self.port = port  # of its HTTP endpoints: the lead intake, /healthz
        self.process = process
        self.log = log
        self.started = started  # wall clock, when it was spawned
        self._offset = offset  # where this life's lines start in the log

    @classmethod
    async def spawn(
        cls, url: str, fake: FakeTelegram, folder: Path, name: str, **env: str
    ) -> BotProcess:
        port = free_port()
        values = {
            "BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE": fake.base_url,
            "DATABASE_URL": url,
            "HTTP_PORT": str(port),
            "INTAKE_TOKEN": INTAKE_TOKEN,
            "WORK_HOURS": "24/7",
            # The periodic sweep is only the safety net: the alarm must fire deadlines.
            "TIMER_SWEEP_SECONDS": "30",
            "CONTACT_SLA_MINUTES": str(CONTACT_SECONDS / 60),
            "TELEGRAM_CHAT_INTERVAL_SECONDS": "0",
            "LOG_LEVEL": "INFO",
        }
        values.update(env)
        log = folder / f"{name}.log"
        offset = log.stat().st_size if log.exists() else 0
        started = time.time()
        with log.open("ab") as log_file:
            process = await asyncio.create_subprocess_exec(
                CRMBOT,
                "run",
                cwd=folder,
                env=clean_env(**values),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
            )
        return cls(process, log, started, offset, port)

    def text(self) -> str:
        """What this life of the process wrote."""
        with self.log.open("rb") as log:
            log.seek(self._offset)
            return log.read().decode(errors="replace")

    async def wait_log(self, needle: str, timeout: float = 20.0, after: int = 0) -> None:
        """Until `needle` shows in the log past its first `after` characters."""
        deadline = time.monotonic() + timeout
        while needle not in self.text()[after:]:
            if self.process.returncode is not None:
                raise AssertionError(f"the bot stopped ({self.process.returncode}):\n{self.text()}")
            assert time.monotonic() < deadline, f"no {needle!r} in the log:\n{self.text()}"
            await asyncio.sleep(0.05)

    async def kill(self) -> float:
        """SIGKILL: nothing of it runs any more. When it died (wall clock)."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        return time.time()

    async def stop(self) -> int:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)

    @property
    def sends(self) -> bool:
        """Whether this process says it holds the sending lock now."""
        text = self.text()
        return text.rfind("outbox: this process sends") > text.rfind("outbox: standing by")


@dataclass
class Firm:
    """A department with its supervisor and one manager; leads assigned to him."""

    url: str
    fake: FakeTelegram
    factory: SqlUnitOfWorkFactory
    engine: Any
    boss: TelegramUser
    manager: TelegramUser
    supervisor: Member
    manager_member: Member
    lead_ids: list[int] = field(default_factory=list)

    @classmethod
    async def create(cls, url: str, fake: FakeTelegram) -> Firm:
        engine = create_engine(url)
        await upgrade_engine(engine)
        policy = SlaDefaults(
            contact=timedelta(seconds=CONTACT_SECONDS),
            processing=timedelta(hours=1),
            unassigned=timedelta(hours=1),
            schedule=WorkSchedule(ZoneInfo("UTC"), always=True),
        )
        factory = SqlUnitOfWorkFactory(create_session_factory(engine), sla_defaults=policy)
        boss, manager = TelegramUser(fake, "Борис"), TelegramUser(fake, "Анна")
        now = SystemClock().now()
        members = {}
        async with factory() as uow:
            admin = await onboarding.bootstrap_admin(uow, 1, "Админ", [1], now)
            assert admin is not None
            department = await onboarding.create_department(uow, admin, "Продажи")
            for user, role in ((boss, Role.SUPERVISOR), (manager, Role.MANAGER)):
                issued = await onboarding.issue_invitation(uow, admin, role, department.id, now)
                members[role] = await onboarding.accept_invitation(
                    uow,
                    issued.invitation.token,
                    user.id,
                    Profile(user.user["first_name"], "+79120000000", "x@example.ru", "x"),
                    now,
                )
                fake.chats.setdefault(user.id, [])  # they have opened the bot
        return cls(
            url,
            fake,
            factory,
            engine,
            boss,
            manager,
            members[Role.SUPERVISOR],
            members[Role.MANAGER],
        )

    async def assign_new_leads(self, count: int) -> list[int]:
        """`count` leads from the website, each assigned to the manager at once: his cards
        go out, and R2.15's clock runs for each."""
        made = []
        for _ in range(count):
            now = SystemClock().now()
            async with self.factory() as uow:
                intake = await leads.create_lead(
                    uow,
                    values={LeadField.NAME: f"Клиент {len(self.lead_ids) + 1}"},
                    source=LeadSource.WEB,
                    department_id=self.supervisor.department_id or 0,
                    creator=None,
                    now=now,
                )
                lead_id = intake.lead.id or 0
            async with self.factory() as uow:
                await leads.assign_lead(
                    uow, self.supervisor, lead_id, self.manager_member.id or 0, now
                )
            self.lead_ids.append(lead_id)
            made.append(lead_id)
        return made

    def cards(self, lead_id: int) -> list[ChatMessage]:
        """The manager's new cards of the lead (each a message of its own)."""
        return [m for m in self.manager.messages if m.text.startswith(f"#{lead_id} · ")]

    def pool_cards(self, lead_id: int) -> list[ChatMessage]:
        """The supervisor's cards of a lead nobody holds yet."""
        return [m for m in self.boss.messages if m.text.startswith(f"#{lead_id} · ")]

    def escalations(self, lead_id: int) -> list[ChatMessage]:
        return [
            m
            for m in self.boss.messages
            if m.text.startswith("🚨") and f"Лид #{lead_id} «" in m.text
        ]

    def all_escalated(self) -> bool:
        return all(self.escalations(lead_id) for lead_id in self.lead_ids)

    async def close(self) -> None:
        await self.engine.dispose()


@dataclass
class Report:
    leads: int
    expected: int
    delivered: int
    duplicated: int
    missing: int
    lateness: list[float]
    late: list[tuple[int, float, float, float]]  # past 5 s: (lead, late, fired, sent after)
    duplicate_cards: int
    held_claimed: int
    unsent: int
    clock_after_card: list[int]  # leads whose R2.15 clock started after Telegram had the card
    wrong_deadline: list[int]  # escalations whose deadline is not hand-off + the SLA

    @property
    def p50(self) -> float:
        return statistics.median(self.lateness) if self.lateness else 0.0

    @property
    def p95(self) -> float:
        if not self.lateness:
            return 0.0
        ordered = sorted(self.lateness)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def lines(self) -> list[str]:
        return [
            f"leads: {self.leads}",
            f"escalations: expected {self.expected}, delivered {self.delivered}, "
            f"duplicated {self.duplicated}, missing {self.missing}",
            f"escalation lateness: p50 {self.p50:.2f} s, p95 {self.p95:.2f} s, "
            f"max {max(self.lateness, default=0.0):.2f} s"
            + (f" (past 5 s: {self.late})" if self.late else ""),
            f"duplicate cards: {self.duplicate_cards}",
            f"rows held claimed: {self.held_claimed}, unsent: {self.unsent}",
            f"clocks started after the card arrived: {len(self.clock_after_card)}, "
            f"deadlines not hand-off + SLA: {len(self.wrong_deadline)}",
        ]


def _utc(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def _overdue_while_up(due: float, arrived: float, downtimes: list[tuple[float, float]]) -> float:
    """How long a message was overdue while a sender lived, in the worst of its lives: a
    deadline that fell while nobody sent counts from the restart (its start-up included),
    and one still owed at a later kill counts again from the restart after that."""
    lives, start = [], float("-inf")
    for killed, respawned in sorted(downtimes):
        lives.append((start, killed))
        start = respawned
    lives.append((start, float("inf")))
    return max(
        (min(arrived, end) - max(due, begin) for begin, end in lives if max(due, begin) < end),
        default=0.0,
    )


async def audit(firm: Firm, downtimes: list[tuple[float, float]]) -> Report:
    """What reached people, against the database. `downtimes`: (killed, respawned or taken
    over) wall-clock pairs; lateness as `_overdue_while_up` counts it."""
    async with firm.engine.connect() as connection:
        fired = {
            lead_id: (due_at, detected_at)
            for lead_id, due_at, detected_at in await connection.execute(
                select(
                    EscalationRow.lead_id, EscalationRow.due_at, EscalationRow.detected_at
                ).where(EscalationRow.rule == "R2.15")
            )
        }
        due = {lead_id: due_at for lead_id, (due_at, _) in fired.items()}
        notified = dict(
            (
                await connection.execute(
                    select(LeadRow.id, LeadRow.notified_at).where(LeadRow.id.in_(firm.lead_ids))
                )
            ).all()
        )
        held = await connection.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.claimed_until.is_not(None))
        )
        unsent = await connection.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))
        )
    lateness = []
    delivered = duplicated = duplicate_cards = 0
    after_card, wrong_deadline = [], []
    late: list[tuple[int, float, float, float]] = []
    for lead_id in firm.lead_ids:
        cards = firm.cards(lead_id)
        duplicate_cards += max(0, len(cards) - 1)
        handed = notified.get(lead_id)
        if cards and handed is not None and handed > _utc(cards[0].arrived + 0.05):
            after_card.append(lead_id)
        messages = firm.escalations(lead_id)
        if not messages:
            continue
        delivered += 1
        duplicated += len(messages) - 1
        deadline = due.get(lead_id)
        if deadline is None:
            continue
        if handed is None or deadline != handed + timedelta(seconds=CONTACT_SECONDS):
            wrong_deadline.append(lead_id)
        lateness.append(_overdue_while_up(deadline.timestamp(), messages[0].arrived, downtimes))
        if lateness[-1] > 5:
            # How late it fired, and how long the outbox then took.
            fired_late = fired[lead_id][1].timestamp() - deadline.timestamp()
            sent_after = messages[0].arrived - fired[lead_id][1].timestamp()
            late.append(
                (lead_id, round(lateness[-1], 2), round(fired_late, 2), round(sent_after, 2))
            )
    counts = Counter(len(firm.escalations(lead_id)) > 0 for lead_id in firm.lead_ids)
    return Report(
        leads=len(firm.lead_ids),
        expected=len(firm.lead_ids),
        delivered=delivered,
        duplicated=duplicated,
        missing=counts[False],
        lateness=lateness,
        late=late,
        duplicate_cards=duplicate_cards,
        held_claimed=int(held or 0),
        unsent=int(unsent or 0),
        clock_after_card=after_card,
        wrong_deadline=wrong_deadline,
    )
