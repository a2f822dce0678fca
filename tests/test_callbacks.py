"""The buttons' callback data (#13): typed, and the same bytes on the wire as before.

Cards already in members' chats carry data an older bot packed: every code below is the
exact string the bot built before the data was typed (packed on main at 729ecd7), and it
must still read as the same press and pack back to the same bytes.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from enum import StrEnum

import pytest
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter

from domain.assignment import AssignMode
from domain.lead_fields import LeadField
from domain.model import JunkReason, Role, SkipReason
from domain.services.department_settings import SETTINGS
from domain.services.profile import ProfileField
from domain.statuses import LeadStatus
from handlers import routers
from handlers.callbacks import (
    CALLBACKS,
    INT_MAX,
    AssignModeAction,
    AssignModeCb,
    CallAction,
    CallCb,
    ChecklistAction,
    ChecklistCb,
    DealAction,
    DealCb,
    DraftAction,
    DraftCb,
    EscalationAction,
    EscalationCb,
    FormAction,
    FormCb,
    InviteDepartmentCb,
    InviteRoleCb,
    LeadAction,
    LeadCb,
    LeadListAction,
    LeadListCb,
    ProfileAction,
    ProfileCb,
    ProfileFieldCb,
    RuleAction,
    RuleCb,
    SettingCb,
    SettingKey,
    TeamAction,
    TeamCb,
)
from handlers.errors import StaleButton

L, S = LeadAction, LeadStatus
LAST_SECOND = int(datetime.max.replace(tzinfo=UTC).timestamp())
K = ChecklistAction
AM = AssignModeAction

# Every code of every class, as main packed it.
OLD_WIRE: dict[str, CallbackData] = {
    "ld:opn:5:::0": LeadCb(action=L.OPEN, id=5),
    "ld:crd:5:ASSIGNED::0": LeadCb(action=L.CARD, id=5, status=S.ASSIGNED),
    "ld:go:5:ASSIGNED:IN_PROCESS:0": LeadCb(
        action=L.MOVE, id=5, status=S.ASSIGNED, target="IN_PROCESS"
    ),
    "ld:asg:5:NEW::1": LeadCb(action=L.ASSIGN, id=5, status=S.NEW, value=1),
    "ld:rea:5:IN_PROCESS::0": LeadCb(action=L.REASSIGN, id=5, status=S.IN_PROCESS),
    "ld:pick:5:NEW::9": LeadCb(action=L.ASSIGN_TO, id=5, status=S.NEW, value=9),
    "ld:rpk:5:IN_PROCESS:7:9": LeadCb(
        action=L.REASSIGN_TO, id=5, status=S.IN_PROCESS, target="7", value=9
    ),
    "ld:call:5:ASSIGNED::0": LeadCb(action=L.CALL_MENU, id=5, status=S.ASSIGNED),
    "ld:c1h:5:ASSIGNED::0": LeadCb(action=L.CALL_IN_HOUR, id=5, status=S.ASSIGNED),
    "ld:c10:5:ASSIGNED::0": LeadCb(action=L.CALL_TOMORROW, id=5, status=S.ASSIGNED),
    "ld:cty:5:ASSIGNED::0": LeadCb(action=L.CALL_AT, id=5, status=S.ASSIGNED),
    "ld:ren:5:ASSIGNED::0": LeadCb(action=L.RENAME, id=5, status=S.ASSIGNED),
    "ld:ef:5:ASSIGNED:email:0": LeadCb(
        action=L.EDIT_FIELD, id=5, status=S.ASSIGNED, target="email"
    ),
    "ld:edt:5:ASSIGNED::0": LeadCb(action=L.EDIT, id=5, status=S.ASSIGNED),
    "ld:jnk:5:ASSIGNED::0": LeadCb(action=L.JUNK, id=5, status=S.ASSIGNED),
    "ld:jr:5:IN_PROCESS:other:0": LeadCb(
        action=L.JUNK_REASON, id=5, status=S.IN_PROCESS, target="other"
    ),
    "ld:jok:5:IN_PROCESS:spam:0": LeadCb(
        action=L.JUNK_CONFIRM, id=5, status=S.IN_PROCESS, target="spam"
    ),
    "ld:und:5:JUNK::0": LeadCb(action=L.UNDO, id=5, status=S.JUNK),
    "dl:opn:3": DealCb(action=DealAction.OPEN, id=3),
    "ld:nte:5:JUNK::0": LeadCb(action=L.NOTE, id=5, status=S.JUNK),
    "ld:skp:5:ASSIGNED::0": LeadCb(action=L.SKIP_MENU, id=5, status=S.ASSIGNED),
    "ld:skr:5:ASSIGNED:no_talk:0": LeadCb(
        action=L.SKIP_REASON, id=5, status=S.ASSIGNED, target="no_talk"
    ),
    "ld:cnv:5:PROCESSED::0": LeadCb(action=L.CONVERT, id=5, status=S.PROCESSED),
    "ld:cnn:5:PROCESSED::0": LeadCb(action=L.CONVERT_NEW, id=5, status=S.PROCESSED),
    "ld:cne:5:PROCESSED::8": LeadCb(action=L.CONVERT_ONTO, id=5, status=S.PROCESSED, value=8),
    "ld:cok:5:PROCESSED::0": LeadCb(action=L.CONVERT_CONFIRM, id=5, status=S.PROCESSED),
    "ld:his:5:ASSIGNED::0": LeadCb(action=L.HISTORY, id=5, status=S.ASSIGNED),
    "ld:hip:5:::1": LeadCb(action=L.HISTORY_PAGE, id=5, value=1),
    "ld:chk:5:ASSIGNED::0": LeadCb(action=L.CHECKLIST, id=5, status=S.ASSIGNED),
    "ck:c:5:1:2": ChecklistCb(action=K.CHOOSE, id=5, index=1, choice=2),
    "ck:t:5:1:2": ChecklistCb(action=K.TOGGLE, id=5, index=1, choice=2),
    "ck:m:5:1:2": ChecklistCb(action=K.MULTI_DONE, id=5, index=1, choice=2),
    "ck:s:5:1:2": ChecklistCb(action=K.SKIP, id=5, index=1, choice=2),
    "ck:b:5:1:2": ChecklistCb(action=K.BACK, id=5, index=1, choice=2),
    "ck:p:5:1:2": ChecklistCb(action=K.PAUSE, id=5, index=1, choice=2),
    "ck:x:5:1:2": ChecklistCb(action=K.CANCEL, id=5, index=1, choice=2),
    "ck:r:5:1:2": ChecklistCb(action=K.RESUME, id=5, index=1, choice=2),
    "ck:e:5:1:2": ChecklistCb(action=K.EDIT, id=5, index=1, choice=2),
    "ck:f:5:1:2": ChecklistCb(action=K.FINISH, id=5, index=1, choice=2),
    "ck:k:5:1:0": ChecklistCb(action=K.KEEP, id=5, index=1),
    "ck:l:5:1:0": ChecklistCb(action=K.EDIT_LIST, id=5, index=1),
    "ck:u:5:0:0": ChecklistCb(action=K.SUMMARY, id=5),
    "es:rem:2:3": EscalationCb(action=EscalationAction.REMIND, id=2, value=3),
    "es:rea:2:3": EscalationCb(action=EscalationAction.REASSIGN, id=2, value=3),
    "es:rpk:2:3": EscalationCb(action=EscalationAction.HAND_OVER, id=2, value=3),
    "es:pen:2:3": EscalationCb(action=EscalationAction.PENALTY, id=2, value=3),
    "tm:ask:3": TeamCb(action=TeamAction.ASK_OFF, member_id=3),
    "tm:ask_on:3": TeamCb(action=TeamAction.ASK_ON, member_id=3),
    "tm:off:3": TeamCb(action=TeamAction.OFF, member_id=3),
    "tm:on:3": TeamCb(action=TeamAction.ON, member_id=3),
    "tm:keep:3": TeamCb(action=TeamAction.KEEP, member_id=3),
    "pf:save": ProfileCb(action=ProfileAction.SAVE),
    "pf:redo": ProfileCb(action=ProfileAction.REDO),
    "pe:name": ProfileFieldCb(field=ProfileField.FULL_NAME),
    "pe:phone": ProfileFieldCb(field=ProfileField.PHONE),
    "pe:email": ProfileFieldCb(field=ProfileField.EMAIL),
    "pe:pos": ProfileFieldCb(field=ProfileField.POSITION),
    "fm:skip": FormCb(action=FormAction.SKIP),
    "fm:save": FormCb(action=FormAction.SAVE),
    "fm:cancel": FormCb(action=FormAction.CANCEL),
    "dr:ok:4": DraftCb(action=DraftAction.CREATE, id=4),
    "dr:no:4": DraftCb(action=DraftAction.DROP, id=4),
    "ll:my::0:0": LeadListCb(action=LeadListAction.MY),
    "ll:dep::0:0": LeadListCb(action=LeadListAction.DEPARTMENT),
    "ll:new::0:0": LeadListCb(action=LeadListAction.UNASSIGNED),
    "ll:mgrs::0:0": LeadListCb(action=LeadListAction.MANAGERS),
    "ll:board::0:0": LeadListCb(action=LeadListAction.BOARD),
    "ll:add::0:0": LeadListCb(action=LeadListAction.NEW_LEAD),
    "ll:mgr:ASSIGNED:3:2": LeadListCb(
        action=LeadListAction.MANAGER, status=S.ASSIGNED, manager=3, page=2
    ),
    "st:contact": SettingCb(key=SettingKey.CONTACT),
    "st:processing": SettingCb(key=SettingKey.PROCESSING),
    "st:unassigned": SettingCb(key=SettingKey.UNASSIGNED),
    "am:set:6:manual": AssignModeCb(action=AM.SET, department_id=6, mode=AssignMode.MANUAL),
    "am:set:6:round_robin": AssignModeCb(
        action=AM.SET, department_id=6, mode=AssignMode.ROUND_ROBIN
    ),
    "am:set:6:least_loaded": AssignModeCb(
        action=AM.SET, department_id=6, mode=AssignMode.LEAST_LOADED
    ),
    "rl:con": RuleCb(action=RuleAction.CHECKLIST_ON),
    "rl:cof": RuleCb(action=RuleAction.CHECKLIST_OFF),
    "cl:done:5:1796112000": CallCb(action=CallAction.CALLED, id=5, at=1796112000),
    "cl:done:5:0": CallCb(action=CallAction.CALLED, id=5),
    "ir:manager": InviteRoleCb(role=Role.MANAGER),
    "ir:office_manager": InviteRoleCb(role=Role.OFFICE_MANAGER),
    "ir:supervisor": InviteRoleCb(role=Role.SUPERVISOR),
    "ir:admin": InviteRoleCb(role=Role.ADMIN),
    "id:manager:-1": InviteDepartmentCb(role=Role.MANAGER, department_id=-1),
    "id:manager:0": InviteDepartmentCb(role=Role.MANAGER, department_id=0),
    "id:manager:6": InviteDepartmentCb(role=Role.MANAGER, department_id=6),
    "id:office_manager:6": InviteDepartmentCb(role=Role.OFFICE_MANAGER, department_id=6),
    "id:supervisor:-1": InviteDepartmentCb(role=Role.SUPERVISOR, department_id=-1),
    "id:admin:0": InviteDepartmentCb(role=Role.ADMIN, department_id=0),
}


@pytest.mark.parametrize(("wire", "typed"), OLD_WIRE.items(), ids=list(OLD_WIRE))
def test_data_packed_before_reads_as_the_same_press_and_packs_back_the_same(
    wire: str, typed: CallbackData
) -> None:
    assert type(typed).unpack(wire) == typed
    assert typed.pack() == wire


def _action_field(cls: type[CallbackData]) -> tuple[str, type[StrEnum]] | None:
    for name, field in cls.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            return name, kind
    return None


def test_every_action_and_its_code_is_pinned_above() -> None:
    """A new action gets a new code; an old code never changes its meaning."""
    pinned = set()
    for typed in OLD_WIRE.values():
        name, _ = _action_field(type(typed)) or ("", StrEnum)
        pinned.add((type(typed), getattr(typed, name)))
    every = set()
    for cls in CALLBACKS:
        _, kind = _action_field(cls) or ("", StrEnum)
        every |= {(cls, member) for member in kind}
    assert pinned == every


def _longest(kind: type[StrEnum]) -> str:
    return max((member.value for member in kind), key=len)


def test_each_class_at_its_longest_fits_telegrams_64_bytes() -> None:
    """`pack()` raises past 64 bytes: each class is packed with every field at its longest."""
    target = max(
        (
            _longest(LeadStatus),
            _longest(LeadField),
            _longest(JunkReason),
            _longest(SkipReason),
            str(INT_MAX),
        ),
        key=len,
    )
    longest = [
        LeadCb(
            action=_longest(LeadAction),
            id=INT_MAX,
            status=_longest(LeadStatus),
            target=target,
            value=INT_MAX,
        ),
        DealCb(action=_longest(DealAction), id=INT_MAX),
        LeadListCb(
            action=_longest(LeadListAction),
            status=_longest(LeadStatus),
            manager=INT_MAX,
            page=INT_MAX,
        ),
        DraftCb(action=_longest(DraftAction), id=INT_MAX),
        FormCb(action=_longest(FormAction)),
        ChecklistCb(action=_longest(ChecklistAction), id=INT_MAX, index=INT_MAX, choice=INT_MAX),
        EscalationCb(action=_longest(EscalationAction), id=INT_MAX, value=INT_MAX),
        SettingCb(key=_longest(SettingKey)),
        AssignModeCb(
            action=_longest(AssignModeAction), department_id=INT_MAX, mode=_longest(AssignMode)
        ),
        RuleCb(action=_longest(RuleAction)),
        CallCb(action=_longest(CallAction), id=INT_MAX, at=LAST_SECOND),
        InviteRoleCb(role=_longest(Role)),
        InviteDepartmentCb(role=_longest(Role), department_id=INT_MAX),
        TeamCb(action=_longest(TeamAction), member_id=INT_MAX),
        ProfileCb(action=_longest(ProfileAction)),
        ProfileFieldCb(field=_longest(ProfileField)),
    ]
    assert {type(data) for data in longest} == set(CALLBACKS)
    for data in longest:
        assert len(data.pack().encode()) <= 64, data


@pytest.mark.parametrize(
    "forged",
    [
        "ld:zzz:5:ASSIGNED::0",  # an action no button carries
        "ld:GO:5:ASSIGNED:IN_PROCESS:0",  # codes are exact
        "ld:go:5:assigned:IN_PROCESS:0",  # a status that does not exist
        "ld:go:5:ASSIGNED:IN_PROCESS:0:0",  # a field too many
        "ld:go:5:ASSIGNED:IN_PROCESS",  # a field too few
        "ld:go:-5:ASSIGNED:IN_PROCESS:0",  # no such id
        f"ld:go:{INT_MAX + 1}:ASSIGNED:IN_PROCESS:0",  # past what the tables hold
        "ld:go:x:ASSIGNED:IN_PROCESS:0",
        "ll:zzz::0:0",
        "ll:my:BOGUS:0:0",
        "dr:zzz:4",
        "fm:zzz",
        "ck:z:5:0:0",
        "ck:c:5:x:0",
        "es:zzz:2:0",
        "st:zzz",
        "am:zzz:6:manual",
        "am:set:6:by_luck",
        "am:set:-6:manual",
        "cl:zzz:5:0",
        "ir:king",
        "id:manager:-2",
        "tm:zzz:3",
        "pf:zzz",
        "pf:save:1",
    ],
)
def test_forged_data_is_no_button_of_any_class(forged: str) -> None:
    """It fails every button's filter, so the fallback answers it as stale."""
    for cls in CALLBACKS:
        with pytest.raises((TypeError, ValueError)):
            cls.unpack(forged)


def test_a_free_text_target_that_is_no_code_makes_the_button_stale() -> None:
    cb = LeadCb(action=L.MOVE, id=5, status=S.ASSIGNED, target="BOGUS")
    for read in ("target_status", "junk_reason", "field"):
        with pytest.raises(StaleButton):
            getattr(cb, read)
    assert cb.previous_responsible is None
    assert LeadCb.unpack("ld:rpk:5:IN_PROCESS:7:9").previous_responsible == 7
    assert LeadCb.unpack("ld:rpk:5:IN_PROCESS:²:9").previous_responsible is None


def test_the_settings_buttons_are_the_settings() -> None:
    assert {key.value for key in SettingKey} == set(SETTINGS)


def _handlers(cls: type[CallbackData]) -> Counter[object]:
    """How many handlers take each action of `cls`, over every router."""
    found = _action_field(cls)
    assert found is not None
    name, kind = found
    taken: Counter[object] = Counter()
    for router in routers():
        for handler in router.callback_query.handlers:
            for event_filter in handler.filters or []:
                data_filter = event_filter.callback
                if not isinstance(data_filter, CallbackQueryFilter):
                    continue
                if data_filter.callback_data is not cls:
                    continue
                for member in kind:
                    probe = cls.model_construct(**{name: member})
                    if data_filter.rule is None or data_filter.rule.resolve(probe):
                        taken[member] += 1
    return taken


@pytest.mark.parametrize("cls", CALLBACKS, ids=lambda cls: cls.__name__)
def test_every_action_has_its_handler(cls: type[CallbackData]) -> None:
    """No button without a handler. Where a class's presses depend on the conversation (the
    profile, the new-lead form, the checklist walk), a second handler takes the press made
    out of it; otherwise each action has exactly one."""
    _, kind = _action_field(cls) or ("", StrEnum)
    taken = _handlers(cls)
    assert set(taken) == set(kind)
    if cls not in (ProfileCb, FormCb, ChecklistCb):
        assert set(taken.values()) == {1}, taken
