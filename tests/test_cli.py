"""`crmbot` as an engineer runs it: a real process against the fake Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.support import free_port
from tests.test_onboarding_e2e import admin_invites, join

CRMBOT = str(Path(sys.executable).with_name("crmbot"))
ENV_KEYS = (
    "BOT_TOKEN",
    "TELEGRAM_API_BASE",
    "DATABASE_URL",
    "ADMIN_IDS",
    "FSM_STORAGE",
    "HTTP_PORT",
    "TIMEZONE",
    "LOG_LEVEL",
    "INTAKE_TOKEN",
    "INTAKE_DEPARTMENT",
)


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(values)
    return env


async def crmbot(*args: str, cwd: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        CRMBOT,
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_help_explains_both_commands(tmp_path: Path) -> None:
    process = await crmbot("--help", cwd=tmp_path, env=clean_env())
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert b"run " in out and b"migrate " in out and b".env.example" in out


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({}, "crmbot: configuration error: BOT_TOKEN is required: expected the bot's token"),
        ({"BOT_TOKEN": "nonsense"}, "crmbot: configuration error: BOT_TOKEN is malformed"),
        (
            {"BOT_TOKEN": "1:a", "HTTP_PORT": "eighty"},
            "crmbot: configuration error: HTTP_PORT is malformed: expected a port from 1 to 65535",
        ),
        (
            {"BOT_TOKEN": "1:a", "DATABASE_URL": "mysql://x"},
            "crmbot: configuration error: DATABASE_URL is malformed",
        ),
        (
            {"BOT_TOKEN": "1:a", "TIMEZONE": "Mars/Olympus"},
            "crmbot: configuration error: TIMEZONE is malformed",
        ),
    ],
)
async def test_bad_configuration_is_one_clear_line(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    process = await crmbot("run", cwd=tmp_path, env=clean_env(**env))
    _, err = await process.communicate()
    assert process.returncode == 2
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), lines
    assert "nonsense" not in err.decode()
    assert not (tmp_path / "data").exists()


ENV_EXAMPLE = Path(__file__).parents[1] / ".env.example"


def env_file(folder: Path, **values: str) -> None:
    """`.env` in `folder`: `.env.example` as copied, with `values` set in it."""
    lines = ENV_EXAMPLE.read_text().splitlines()
    for key, value in values.items():
        lines = [f"{key}={value}" if line.startswith(f"{key}=") else line for line in lines]
    (folder / ".env").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    "token",
    [
        None,  # no .env at all
        "",  # `BOT_TOKEN=` left empty
        "123456789:replace-with-your-token",  # .env.example's placeholder, as copied
        "nonsense",  # a token is not even read
    ],
)
async def test_migrate_needs_no_token(tmp_path: Path, token: str | None) -> None:
    if token is not None:
        env_file(tmp_path, BOT_TOKEN=token)
    process = await crmbot("migrate", cwd=tmp_path, env=clean_env())
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert (tmp_path / "data" / "crm.sqlite3").exists()


async def test_placeholder_token_from_env_example_is_refused(tmp_path: Path) -> None:
    env_file(tmp_path)  # `cp .env.example .env`, and nothing filled in
    process = await crmbot("run", cwd=tmp_path, env=clean_env())
    _, err = await process.communicate()
    assert process.returncode == 2
    assert err.decode().splitlines() == [
        "crmbot: configuration error: BOT_TOKEN is the placeholder from .env.example: "
        "paste your bot's token from @BotFather"
    ]
    assert not (tmp_path / "data").exists()


async def test_empty_token_in_env_file_is_required_not_malformed(tmp_path: Path) -> None:
    env_file(tmp_path, BOT_TOKEN="")
    process = await crmbot("run", cwd=tmp_path, env=clean_env())
    _, err = await process.communicate()
    assert process.returncode == 2
    lines = err.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("crmbot: configuration error: BOT_TOKEN is required"), lines


async def test_run_with_an_unreachable_database_says_so_in_one_line(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://crm:s3cret@127.0.0.1:{free_port()}/crm"
    process = await crmbot(
        "run", cwd=tmp_path, env=clean_env(BOT_TOKEN="123:abc", DATABASE_URL=url)
    )
    _, err = await process.communicate()
    assert process.returncode == 3
    last = err.decode().splitlines()[-1]
    assert last.startswith("crmbot: cannot migrate the database at postgresql+asyncpg://crm:***@")
    assert "Traceback" not in err.decode() and "s3cret" not in err.decode()


async def test_run_serves_onboarding_and_stops_on_sigterm(
    tmp_path: Path, fake: FakeTelegram, user_factory: Any
) -> None:
    admin = TelegramUser(fake, "Анна", user_id=424242)
    env = clean_env(
        BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE=fake.base_url,
        ADMIN_IDS="424242",
        LOG_LEVEL="DEBUG",
        HTTP_PORT=str(free_port()),
    )
    # The log goes to a file: a pipe nobody reads fills up and stalls the bot mid-update.
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            CRMBOT,
            "run",
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )
    failure: BaseException | None = None
    try:
        reply = await admin.ask("/start", timeout=30)  # the first start migrates the database
        assert "Вы — администратор" in reply.text
        token = await admin_invites(admin, "Менеджер", "Продажи", new=True)
        await join(user_factory("Пётр"), token)
    except AssertionError as error:
        failure = error
    with contextlib.suppress(ProcessLookupError):  # it may have died: the log says why
        process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 20)
    log = log_path.read_text()
    assert failure is None, f"{failure}\n--- the bot's log ---\n{log}"
    assert process.returncode == 0, log
    assert "Polling stopped" in log
    assert fake.token not in log and fake.token.split(":")[1] not in log
    assert (tmp_path / "data" / "crm.sqlite3").exists()
    assert "Running job" in log  # APScheduler's routine shows at DEBUG
    assert "no admins configured" not in log


async def run_until(
    tmp_path: Path, env: dict[str, str], session: Any
) -> tuple[asyncio.subprocess.Process, str, BaseException | None]:
    """`crmbot run` with its log in a file, `session()` against it, then SIGTERM."""
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            CRMBOT,
            "run",
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )
    failure: BaseException | None = None
    try:
        await session()
    except AssertionError as error:
        failure = error
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 20)
    return process, log_path.read_text(), failure


async def test_first_run_without_admins_tells_the_owner_and_logs_about_the_bot(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    owner = TelegramUser(fake, "Олег", user_id=515151)
    env = clean_env(
        BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE=fake.base_url,
        HTTP_PORT=str(free_port()),
        TIMER_SWEEP_SECONDS="0.1",
    )  # ADMIN_IDS empty, LOG_LEVEL at its default, INFO

    async def session() -> None:
        reply = await owner.ask("/start", timeout=30)
        assert "Ваш Telegram id: 515151" in reply.text
        assert "ADMIN_IDS=515151" in reply.text
        await asyncio.sleep(1)  # ten sweeps

    process, log, failure = await run_until(tmp_path, env, session)
    assert failure is None, f"{failure}\n--- the bot's log ---\n{log}"
    assert process.returncode == 0, log
    admins = [line for line in log.splitlines() if "ADMIN_IDS" in line]
    assert len(admins) == 2, log
    assert "WARNING bot.app: no admins configured: ADMIN_IDS is empty" in admins[0]
    assert "ADMIN_IDS=<your id> in .env and restart" in admins[0]
    assert "WARNING handlers.onboarding: no admin yet: user 515151" in admins[1]
    assert "ADMIN_IDS=515151 in .env and restart" in admins[1]
    # The timers ran, and the log says so once, not every 0.1 s: APScheduler's lines are DEBUG.
    assert log.count("INFO bot.app: timers: sweeping every 0.1 s") == 1, log
    assert "apscheduler" not in log, log
