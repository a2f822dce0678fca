"""Domain errors: each carries a message a member can read (in Russian)."""


class DomainError(Exception):
    """A rule refused the request; `message` is shown to the member as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The member's role or department does not allow this action."""


class NotFound(DomainError):
    """The thing named does not exist (or is not visible to the member)."""


class InvalidInput(DomainError):
    """A value typed or sent by a member failed validation."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StaleState(DomainError):
    """The object changed since the button was drawn; nothing was done."""


class WrittenMeanwhile(StaleState):
    """Someone saved the object between its read and this write; the same request again
    may well go through."""


class InvitationInvalid(DomainError):
    """The invitation token is unknown, used or expired."""


class DuplicateExternalId(DomainError):
    """A lead with this external id exists already (a retried web-form post)."""

    def __init__(self, external_id: str) -> None:
        super().__init__("Лид с таким external_id уже есть.")
        self.external_id = external_id
