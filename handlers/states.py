"""Conversation states. A stranger may only be in the joining form."""

from aiogram.fsm.state import State, StatesGroup


class ProfileForm(StatesGroup):
    full_name = State()
    phone = State()
    email = State()
    position = State()
    confirm = State()


class ProfileEdit(StatesGroup):
    value = State()  # a new value for one field of the profile (#14 §5)


class InviteForm(StatesGroup):
    department_name = State()


OPEN_TO_STRANGERS = frozenset(state.state for state in ProfileForm.__all_states__)


class LeadInput(StatesGroup):
    """A value typed for a lead card button: a date, a title, a field, a junk reason."""

    value = State()


class NewLeadForm(StatesGroup):
    title = State()
    company = State()
    contact = State()
    phone = State()
    email = State()
    comment = State()
    confirm = State()


class EscalationInput(StatesGroup):
    penalty = State()  # the supervisor's comment on a penalty
    setting = State()  # a new number of minutes for a rule


class ChecklistForm(StatesGroup):
    answer = State()  # walking a lead's checklist; the data names the lead
