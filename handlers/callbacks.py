"""Every button's callback data: one class per subject, with an enum of what its buttons do.

Ids and codes only: Telegram takes 64 bytes of callback data at most (`pack()` raises past
that, and a test packs each class at its longest).

Cards already sitting in members' chats carry the data an older version of the bot packed,
so the wire format is kept: each class's prefix, its fields' order, and the enum *values*
(the short codes) never change; a field is added only at the end, with a default. Names
(`LeadAction.MOVE`, `action`) are free to change: they are never sent.

Each action has one handler, registered as `LeadCb.filter(F.action == LeadAction.MOVE)`:
the filters are disjoint, so no router's place in the list matters. (The `F` rule is resolved
inside the async callback filter, not in a thread as a bare `F` filter would be.) Data that
does not parse (an action no button carries, a status that does not exist, an id out of
range, a field too many) fails every filter and is answered as a stale button by the
fallback (`handlers/menu.py`), through the error router (`StaleButton`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, TypeVar

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from domain.assignment import AssignMode
from domain.lead_fields import LeadField
from domain.model import JunkReason, Role, SkipReason
from domain.services.profile import ProfileField
from domain.statuses import LeadStatus
from handlers.errors import StaleButton

# A row id, a page or an index, within what the tables hold (PostgreSQL's integer). Data
# outside it was never sent by the bot: it fails the button's filter, and the press is
# answered as a stale button instead of reaching the database.
INT_MAX = 2**31 - 1
Num = Annotated[int, Field(ge=0, le=INT_MAX)]
# A moment as epoch seconds; 0 for none.
Epoch = Annotated[int, Field(ge=0, le=int(datetime.max.replace(tzinfo=UTC).timestamp()))]

E = TypeVar("E", bound=StrEnum)


def carried(kind: type[E], code: str) -> E:
    """A code a button carries in a free-text field, read as the enum it stands for; a code
    no button of ours sends makes the button stale."""
    try:
        return kind(code)
    except ValueError:
        raise StaleButton() from None


# -- the lead card ---------------------------------------------------------------------------


class LeadAction(StrEnum):
    OPEN = "opn"  # the lead's live card, sent anew (from a list, an escalation, a reminder)
    CARD = "crd"  # «« Назад»: a menu of the card back to the card
    MOVE = "go"  # to the status in `target`
    ASSIGN = "asg"  # the managers to assign, page `value`
    ASSIGN_TO = "pick"  # assign to the member `value`
    REASSIGN = "rea"  # the managers to hand the lead to, page `value`
    REASSIGN_TO = "rpk"  # hand over to `value`; `target`: the responsible the picker showed
    CALL_MENU = "call"  # «Перенести звонок»: when to call
    CALL_IN_HOUR = "c1h"
    CALL_TOMORROW = "c10"  # tomorrow at 10:00
    CALL_AT = "cty"  # a date and time to type
    RENAME = "ren"  # a title to type
    EDIT = "edt"  # the fields to edit
    EDIT_FIELD = "ef"  # a value to type for the field in `target`
    JUNK = "jnk"  # the junk reasons
    JUNK_REASON = "jr"  # the reason in `target` picked: confirm (OTHER: a reason to type)
    JUNK_CONFIRM = "jok"  # junk for the reason in `target`, confirmed
    UNDO = "und"  # take back the member's last move of the lead (#14 §5)
    NOTE = "nte"  # «Добавить заметку»: a note to type (#14 §5)
    SKIP_MENU = "skp"  # «→ Обработан» from «Назначен»: why without the checklist
    SKIP_REASON = "skr"  # to «Обработан» for the reason in `target` (OTHER: one to type)
    CONVERT = "cnv"  # the ways to convert
    CONVERT_NEW = "cnn"  # deal, contact and a new company: confirm
    CONVERT_ONTO = "cne"  # deal and contact onto the company `value`: confirm
    CONVERT_CONFIRM = "cok"  # convert (onto the company `value`, 0: a new one)
    HISTORY = "his"  # the history, sent as a new message
    HISTORY_PAGE = "hip"  # page `value` of the history message pressed on
    CHECKLIST = "chk"  # start or resume the lead's checklist (handlers/checklist.py)


class LeadCb(CallbackData, prefix="ld"):
    action: LeadAction
    id: Num  # the lead
    status: LeadStatus | None = None  # the status the card showed: a stale card is refused
    target: str = ""  # a status, a field, a junk reason or a member id, by the action
    value: Num = 0  # a page, a member id or a company id, by the action

    @property
    def target_status(self) -> LeadStatus:
        return carried(LeadStatus, self.target)

    @property
    def junk_reason(self) -> JunkReason:
        return carried(JunkReason, self.target)

    @property
    def skip_reason(self) -> SkipReason:
        return carried(SkipReason, self.target)

    @property
    def field(self) -> LeadField:
        return carried(LeadField, self.target)

    @property
    def previous_responsible(self) -> int | None:
        """REASSIGN_TO: whom the picker showed as responsible (none: the lead had nobody)."""
        return int(self.target) if self.target.isascii() and self.target.isdigit() else None


# -- a deal (the deals issue fills its card) -------------------------------------------------


class DealAction(StrEnum):
    OPEN = "opn"  # the deal, sent as a new message (from its lead's card)


class DealCb(CallbackData, prefix="dl"):
    action: DealAction
    id: Num  # the deal


# -- the lead lists (the «Лиды» menu) ----------------------------------------------------------


class LeadListAction(StrEnum):
    MY = "my"  # my leads
    DEPARTMENT = "dep"  # the department's leads
    UNASSIGNED = "new"  # the department's leads nobody holds
    MANAGER = "mgr"  # the leads of the manager `manager`
    MANAGERS = "mgrs"  # the managers with their open leads
    BOARD = "board"  # the leads counted by stage
    NEW_LEAD = "add"  # the new-lead form


class LeadListCb(CallbackData, prefix="ll"):
    action: LeadListAction
    status: LeadStatus | None = None  # the status filter
    manager: Num = 0  # MANAGER: whose leads
    page: Num = 0


# -- a lead being made: the draft from a forwarded message, the new-lead form -----------------


class DraftAction(StrEnum):
    CREATE = "ok"
    DROP = "no"


class DraftCb(CallbackData, prefix="dr"):
    action: DraftAction
    id: Num  # the draft


class FormAction(StrEnum):
    SKIP = "skip"  # the question asked
    SAVE = "save"  # the lead summed up
    CANCEL = "cancel"


class FormCb(CallbackData, prefix="fm"):
    action: FormAction


# -- the checklist walk (R2.6) -----------------------------------------------------------------


class ChecklistAction(StrEnum):
    CHOOSE = "c"  # the choice `choice` for the question `index`
    TOGGLE = "t"  # a choice of a multiple-choice question marked or unmarked
    MULTI_DONE = "m"  # the marked choices saved
    SKIP = "s"  # «Пропустить», or «Оставить» an answer given before
    BACK = "b"  # the question before `index`
    PAUSE = "p"
    CANCEL = "x"
    RESUME = "r"  # a paused walk resumed
    EDIT = "e"  # the summary's «Изменить»: back to the question `index`
    FINISH = "f"  # the summary's «Готово»
    KEEP = "k"  # «Оставить» the value the lead holds in the question's field as the answer
    EDIT_LIST = "l"  # the summary's «Изменить ответ»: the questions, page `index`
    SUMMARY = "u"  # from that list back to the summary


class ChecklistCb(CallbackData, prefix="ck"):
    action: ChecklistAction
    id: Num  # the lead
    index: Num = 0  # the question (EDIT_LIST: the page)
    choice: Num = 0  # the choice


# -- escalations, the department's settings and call reminders (R2.2, R2.5) --------------------


class EscalationAction(StrEnum):
    REMIND = "rem"
    REASSIGN = "rea"  # the managers to hand the lead to, page `value`
    HAND_OVER = "rpk"  # hand the lead over to the member `value`
    PENALTY = "pen"  # a penalty: its comment to type


class EscalationCb(CallbackData, prefix="es"):
    action: EscalationAction
    id: Num  # the escalation
    value: Num = 0


class SettingKey(StrEnum):
    """The department's durations /settings changes: the keys of
    domain.services.department_settings.SETTINGS (a test keeps the two equal)."""

    CONTACT = "contact"
    PROCESSING = "processing"
    UNASSIGNED = "unassigned"


class SettingCb(CallbackData, prefix="st"):
    key: SettingKey  # the one action: ask for the setting's new value


class AssignModeAction(StrEnum):
    SET = "set"  # the department `department_id`'s new leads find a manager so: `mode`


class AssignModeCb(CallbackData, prefix="am"):
    """/settings: how a department's new leads find a manager (#14 §6)."""

    action: AssignModeAction
    department_id: Num
    mode: AssignMode


class RuleAction(StrEnum):
    """A department's rules switched on and off in /settings (#14 §5)."""

    CHECKLIST_ON = "con"  # a lead reaches «Обработан» only by the checklist
    CHECKLIST_OFF = "cof"


class RuleCb(CallbackData, prefix="rl"):
    action: RuleAction


class CallAction(StrEnum):
    CALLED = "done"


class CallCb(CallbackData, prefix="cl"):
    action: CallAction
    id: Num  # the lead
    at: Epoch = 0  # the agreed time the reminder is for: a reminder for another is stale


# -- the team: invitations, the department's members, the profile (R1.1, R1.2) ----------------


class InviteRoleCb(CallbackData, prefix="ir"):
    """The invitation's first step, its one action: the role picked."""

    role: Role


class InviteDepartmentCb(CallbackData, prefix="id"):
    """The invitation's second step (an admin's), its one action: the department picked."""

    role: Role
    department_id: Annotated[int, Field(ge=-1, le=INT_MAX)]  # or NEW_/NO_DEPARTMENT


NEW_DEPARTMENT = -1
NO_DEPARTMENT = 0


class TeamAction(StrEnum):
    ASK_OFF = "ask"  # «Отключить»: asks to confirm
    ASK_ON = "ask_on"  # «Включить»: asks to confirm
    OFF = "off"  # «Да, отключить»
    ON = "on"  # «Да, включить»
    KEEP = "keep"  # «Отмена»: the question taken back


class TeamCb(CallbackData, prefix="tm"):
    action: TeamAction
    member_id: Num


class ProfileAction(StrEnum):
    SAVE = "save"
    REDO = "redo"


class ProfileCb(CallbackData, prefix="pf"):
    action: ProfileAction


class ProfileFieldCb(CallbackData, prefix="pe"):
    """«Изменить» beside a field of the member's profile (#14 §5), its one action."""

    field: ProfileField


# Every class above; a test packs each at its longest and reads back today's codes.
CALLBACKS: tuple[type[CallbackData], ...] = (
    LeadCb,
    DealCb,
    LeadListCb,
    DraftCb,
    FormCb,
    ChecklistCb,
    EscalationCb,
    SettingCb,
    AssignModeCb,
    RuleCb,
    CallCb,
    InviteRoleCb,
    InviteDepartmentCb,
    TeamCb,
    ProfileCb,
    ProfileFieldCb,
)
