"""Configuration from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.errors import InvalidInput
from domain.sla import (
    MIN_MINUTES,
    SlaDefaults,
    WorkSchedule,
    parse_days,
    parse_hours,
    schedule,
)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/crm.sqlite3"
# `.env.example`'s BOT_TOKEN: the shape of a token, so only its words give it away.
PLACEHOLDER_TOKEN = "123456789:replace-with-your-token"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(
        default=None, description="the bot's token from @BotFather, like 123456:ABC-DEF..."
    )
    telegram_api_base: str | None = Field(
        default=None, description="a URL like http://127.0.0.1:8081 of a Bot API server"
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="a URL like sqlite+aiosqlite:///data/crm.sqlite3 or postgresql+asyncpg://...",
    )
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="comma-separated Telegram user ids, like 123,456"
    )
    timezone: str = Field(default="Europe/Moscow", description="an IANA zone like Europe/Moscow")
    fsm_storage: str = Field(
        default="database", description="'database' or a Redis URL like redis://127.0.0.1:6379/0"
    )
    http_host: str = Field(default="127.0.0.1", description="an address to listen on")
    http_port: int = Field(default=8080, ge=1, le=65535, description="a port from 1 to 65535")
    log_level: str = Field(default="INFO", description="one of " + ", ".join(LOG_LEVELS))
    intake_token: SecretStr | None = Field(
        default=None, description="a secret of 16+ characters for POST /api/v1/leads"
    )
    intake_department: str | None = Field(
        default=None, description="the name of the department that gets web leads"
    )
    intake_max_body_bytes: int = Field(
        default=65536, ge=1024, le=10_485_760, description="bytes from 1024 to 10485760"
    )
    contact_sla_minutes: float = Field(
        default=15,
        ge=MIN_MINUTES,
        description="minutes, 0.02 or more, to contact a new lead, R2.15",
    )
    processing_deadline_minutes: float = Field(
        default=60,
        ge=MIN_MINUTES,
        description="minutes, 0.02 or more, to process a lead, R2.2",
    )
    unassigned_limit_minutes: float = Field(
        default=10,
        ge=MIN_MINUTES,
        description="minutes, 0.02 or more, a lead may wait unassigned",
    )
    work_hours: str = Field(default="09:00-18:00", description="HH:MM-HH:MM or 24/7")
    work_days: str = Field(default="mon-fri", description="days like mon-fri or 1-5")
    timer_sweep_seconds: float = Field(
        default=5, gt=0, le=300, description="seconds between looks for due timers, up to 300"
    )
    telegram_rate_per_second: float = Field(
        default=30, gt=0, description="messages a second to Telegram overall, like 30"
    )
    updates_mode: Literal["polling", "none"] = Field(
        default="polling",
        description="polling (this process long-polls Telegram; one per bot) or none (intake, "
        "timers and a standby sender only)",
    )
    outbox_sender: bool = Field(
        default=True, description="true or false: whether this process may send the outbox"
    )
    shutdown_grace_seconds: float = Field(
        default=10,
        ge=0,
        le=120,
        description="seconds a stop waits for work in flight, like 10 (up to 120)",
    )
    telegram_chat_interval_seconds: float = Field(
        default=1.0, ge=0, description="seconds between two messages to one chat, like 1"
    )
    invitation_ttl_hours: float = Field(
        default=72, gt=0, description="hours an invitation stays valid, like 72"
    )

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        token = value.get_secret_value().strip() if value is not None else ""
        if not token:
            return None  # `BOT_TOKEN=` as in a fresh .env: not set
        head, _, tail = token.partition(":")
        if not head.isdigit() or not tail:
            raise ValueError("not a bot token")
        return SecretStr(token)

    @field_validator("intake_token")
    @classmethod
    def _intake_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value().strip()) < 16:
            raise ValueError("too short")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("telegram_api_base")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parsed = urlsplit(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("not an http(s) URL")
        return value.strip().rstrip("/")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("unsupported driver")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
        return value

    @field_validator("fsm_storage")
    @classmethod
    def _storage_kind(cls, value: str) -> str:
        if value != "database" and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("unknown FSM storage")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in LOG_LEVELS:
            raise ValueError("unknown level")
        return level

    @field_validator("work_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        try:
            parse_hours(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None
        return value.strip()

    @field_validator("work_days")
    @classmethod
    def _days(cls, value: str) -> str:
        try:
            parse_days(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None
        return value.strip()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def schedule(self) -> WorkSchedule:
        return schedule(self.zone, self.work_hours, self.work_days)

    @property
    def sla_defaults(self) -> SlaDefaults:
        return SlaDefaults(
            contact=timedelta(minutes=self.contact_sla_minutes),
            processing=timedelta(minutes=self.processing_deadline_minutes),
            unassigned=timedelta(minutes=self.unassigned_limit_minutes),
            schedule=self.schedule,
        )

    @property
    def uses_redis(self) -> bool:
        return self.fsm_storage != "database"


class SettingsError(Exception):
    """Start-up stops with this one line: which setting, and what is expected."""


def describe_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "?"
        field = Settings.model_fields.get(name.lower())
        expected = field.description if field is not None and field.description else ""
        what = "is required" if item["type"] == "missing" else "is malformed"
        problems.append(f"{name} {what}: expected {expected}".rstrip(": "))
    return "configuration error: " + "; ".join(problems)


def is_placeholder(token: str) -> bool:
    """The token `.env.example` holds, or one still asking to be replaced."""
    return token == PLACEHOLDER_TOKEN or "replace-with" in token.partition(":")[2].lower()


def load_settings(*, require_token: bool = True, **overrides: object) -> Settings:
    """Settings from the environment; start-up errors are one line naming the setting.

    Without `require_token` (`crmbot migrate`) BOT_TOKEN is not read at all: whatever it
    holds, empty, a placeholder or a typo, cannot stop a migration."""
    if not require_token:
        overrides.setdefault("bot_token", None)
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from None
    if not require_token:
        return settings
    if settings.bot_token is None:
        expected = Settings.model_fields["bot_token"].description
        raise SettingsError(f"configuration error: BOT_TOKEN is required: expected {expected}")
    if is_placeholder(settings.bot_token.get_secret_value()):
        raise SettingsError(
            "configuration error: BOT_TOKEN is the placeholder from .env.example: "
            "paste your bot's token from @BotFather"
        )
    return settings


def token_of(settings: Settings) -> str:
    if settings.bot_token is None:
        raise SettingsError("configuration error: BOT_TOKEN is required")
    return settings.bot_token.get_secret_value()
