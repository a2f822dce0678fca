"""Logging set-up; no secret setting is ever written to a log (#12)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, SecretStr


def secrets_of(settings: BaseModel) -> dict[str, str]:
    """Every secret in the settings, by name: each `SecretStr` (the bot token, the intake
    token, any secret added later) and the password of each URL setting (the database's,
    Redis's), both as written in the URL and percent-decoded."""
    secrets: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            secrets[name.upper()] = value.get_secret_value()
        elif isinstance(value, str) and "://" in value:
            try:
                password = urlsplit(value).password
            except ValueError:
                continue
            if password:
                secrets[f"{name.upper()} password"] = password
                if unquote(password) != password:
                    secrets[f"{name.upper()} password, decoded"] = unquote(password)
    return {name: secret for name, secret in secrets.items() if secret}


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks each secret anywhere: message, arguments, traceback.
    `secrets` maps a name, written in the secret's place as `<NAME>`, to the secret."""

    def __init__(self, fmt: str, secrets: Mapping[str, str]) -> None:
        super().__init__(fmt)
        # Longest first: a secret that contains another is blanked whole.
        self._secrets = sorted(
            ((secret, f"<{name}>") for name, secret in secrets.items() if secret),
            key=lambda pair: -len(pair[0]),
        )

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret, mark in self._secrets:
            text = text.replace(secret, mark)
        return text


# Loggers that speak at INFO about their own routine rather than about the bot: APScheduler
# writes two lines ("Running job", "executed successfully") for every timer sweep, every few
# seconds, and four about itself at start and stop (the bot says "timers: sweeping every
# 5 s" instead). They show with LOG_LEVEL=DEBUG; their warnings and errors always do.
ROUTINE_LOGGERS = ("apscheduler",)


class RoutineSkips(logging.Filter):
    """APScheduler warns when a sweep's tick comes while the last sweep still runs (a burst
    of timers, a slow start). The running sweep takes what came due, so the skipped tick lost
    nothing: such lines show only with LOG_LEVEL=DEBUG."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self._debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        return self._debug or "maximum number of running instances" not in record.getMessage()


def configure_logging(level: str, secrets: Mapping[str, str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    routine = logging.NOTSET if level == "DEBUG" else logging.WARNING
    for name in ROUTINE_LOGGERS:
        logging.getLogger(name).setLevel(routine)
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    scheduler_log.filters[:] = [f for f in scheduler_log.filters if not isinstance(f, RoutineSkips)]
    scheduler_log.addFilter(RoutineSkips(level == "DEBUG"))
