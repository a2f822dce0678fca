"""POST /api/v1/leads against bad clients (#12): what they are answered, what the log keeps.

The real HTTP server with a short read timeout, spoken to in raw bytes over a socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.http import HttpServer, build_http_app
from bot.logs import configure_logging, secrets_of
from bot.settings import Settings
from storage.engine import create_engine, create_session_factory
from storage.uow import SqlUnitOfWorkFactory
from tests.support import INTAKE_TOKEN, FakeClock, free_port, sqlite_url
from tests.test_normalize import ATTACHED, INVISIBLE

READ_TIMEOUT = 0.5


@pytest.fixture
async def port(tmp_path: Path) -> AsyncIterator[int]:
    """The intake on a port of its own; no request here gets as far as the database."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url(tmp_path),
        http_port=free_port(),
        intake_token=INTAKE_TOKEN,
    )
    engine = create_engine(settings.database_url)
    app = build_http_app(
        SqlUnitOfWorkFactory(create_session_factory(engine)),
        FakeClock(),
        settings,
        read_timeout=READ_TIMEOUT,
    )
    server = HttpServer(app, settings.http_host, settings.http_port)
    await server.start()
    yield settings.http_port
    await server.stop()
    await engine.dispose()


def request(
    body: bytes,
    *,
    content_type: str | None = "application/json",
    authorization: bytes = b"Bearer " + INTAKE_TOKEN.encode(),
    length: int | None = None,
) -> bytes:
    head = [
        b"POST /api/v1/leads HTTP/1.1",
        b"Host: localhost",
        b"Connection: close",
        b"Authorization: " + authorization,
        b"Content-Length: " + str(len(body) if length is None else length).encode(),
    ]
    if content_type is not None:
        head.append(b"Content-Type: " + content_type.encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + body


async def exchange(port: int, data: bytes) -> tuple[int, bytes]:
    """The status and the body of the answer to `data`, read until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        async with asyncio.timeout(5):
            answer = await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/x-www-form-urlencoded",  # what `curl -d` sends without -H
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/json; charset=windows-1251",
    ],
)
async def test_a_body_that_is_not_json_by_its_type_gets_415(
    port: int, content_type: str | None
) -> None:
    status, body = await exchange(port, request(b"{}", content_type=content_type))
    assert status == 415
    assert json.loads(body) == {"error": "нужен заголовок Content-Type: application/json"}


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=UTF-8", "Application/JSON"]
)
async def test_json_is_read_with_or_without_its_charset(port: int, content_type: str) -> None:
    status, body = await exchange(port, request(b"[]", content_type=content_type))
    assert (status, json.loads(body)) == (
        422,
        {"errors": {"body": "ожидается JSON-объект с полями лида"}},
    )


async def test_without_the_token_the_type_is_not_even_looked_at(port: int) -> None:
    status, _ = await exchange(port, request(b"{}", content_type="text/plain", authorization=b""))
    assert status == 401


# NEL is also whitespace, so a name of it is no name at all: that is refused as well, but as
# a lead without a contact.
@pytest.mark.parametrize(
    "char",
    [char for char in INVISIBLE + ATTACHED if not char.isspace()],
    ids=lambda char: f"U+{ord(char):04X}",
)
async def test_a_name_of_nothing_visible_is_refused(port: int, char: str) -> None:
    lead = json.dumps({"source": "WEB", "name": f"{char} {char}"}).encode()
    status, body = await exchange(port, request(lead))
    assert (status, json.loads(body)) == (
        422,
        {"errors": {"name": "Имя контакта: пустое значение, напишите текстом."}},
    )


async def test_a_malformed_authorization_header_is_not_echoed(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    """aiohttp refuses a header with a NUL before any of our code runs, so `400`, not `401`;
    what it would quote is the header, token and all."""
    caplog.set_level(logging.DEBUG)
    status, body = await exchange(
        port, request(b"{}", authorization=b"Bearer " + INTAKE_TOKEN.encode() + b"\x00")
    )
    assert (status, json.loads(body)) == (400, {"error": "это не HTTP-запрос"})
    assert INTAKE_TOKEN not in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_a_body_that_cannot_be_decoded_gets_400(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data = request(b"not gzip").replace(b"\r\n\r\n", b"\r\nContent-Encoding: gzip\r\n\r\n")
    status, body = await exchange(port, data)
    assert (status, json.loads(body)) == (400, {"error": "тело запроса не читается"})
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


@pytest.fixture
def root_logging() -> Iterator[None]:
    root, routine = logging.getLogger(), logging.getLogger("apscheduler")
    handlers, level, routine_level = root.handlers[:], root.level, routine.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    routine.setLevel(routine_level)


class FutureSettings(Settings):
    webhook_secret: SecretStr | None = None


def test_every_secret_setting_is_blanked_from_the_log(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = FutureSettings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token="123456:bot-secret-ABCDEF",
        intake_token=INTAKE_TOKEN,
        database_url="postgresql+asyncpg://crm:db%2Fsecret@db.example:5432/crm",
        fsm_storage="redis://:redis-secret@cache.example:6379/0",
        webhook_secret="webhook-secret-42",
    )
    configure_logging("INFO", secrets_of(settings))
    log = logging.getLogger("tests.secrets")
    log.info("connecting to %s", settings.database_url)
    log.warning("password %s, redis %s", "db/secret", settings.fsm_storage)
    try:
        raise ValueError("Bearer intake-secret-0123456789 and bot123456:bot-secret-ABCDEF")
    except ValueError:
        log.exception("a request with %r", "webhook-secret-42")
    written = capsys.readouterr().err
    for secret in ("bot-secret", "intake-secret", "db%2Fsecret", "db/secret", "redis-secret"):
        assert secret not in written
    assert "webhook-secret" not in written
    assert "postgresql+asyncpg://crm:<DATABASE_URL password>@db.example:5432/crm" in written
    assert "Bearer <INTAKE_TOKEN> and bot<BOT_TOKEN>" in written
    assert "<WEBHOOK_SECRET>" in written


async def dribble(writer: asyncio.StreamWriter, data: bytes) -> None:
    """`data` a byte every tenth of a second, until it is all sent or the server hangs up."""
    with contextlib.suppress(ConnectionError):
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)


async def until_closed(reader: asyncio.StreamReader) -> tuple[bytes, float]:
    """All the server sends, and how long until it closed the connection."""
    started = time.monotonic()
    async with asyncio.timeout(5):
        with contextlib.suppress(ConnectionError):
            answer = await reader.read()
    return answer, time.monotonic() - started


async def test_a_slow_body_is_cut_off_with_408(port: int) -> None:
    lead = json.dumps({"source": "WEB", "name": "Иван" * 20}).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request(b"", length=len(lead)))
    sender = asyncio.create_task(dribble(writer, lead))
    answer, seconds = await until_closed(reader)
    sender.cancel()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split()[1] == b"408"
    assert json.loads(body) == {"error": "тело запроса не пришло за 0.5 с"}
    assert seconds < 3 * READ_TIMEOUT  # the body's time, then as long for the answer to go


@pytest.mark.parametrize("dribbled", [True, False], ids=["byte by byte", "half, then nothing"])
async def test_a_slow_head_is_cut_off(port: int, dribbled: bool) -> None:
    head = request(b"{}")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if dribbled:
        sender = asyncio.create_task(dribble(writer, head))
    else:
        writer.write(head[: len(head) // 2])
    answer, seconds = await until_closed(reader)
    if dribbled:
        sender.cancel()
    writer.close()
    assert answer == b""
    assert READ_TIMEOUT * 0.8 < seconds < 3 * READ_TIMEOUT


async def test_a_client_gone_mid_body_is_one_info_line(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request(b'{"source": "WEB", ', length=100))
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.close()
    await writer.wait_closed()

    def logged() -> list[Any]:
        return [record for record in caplog.records if record.name.startswith(("bot", "aiohttp"))]

    for _ in range(200):
        if logged():
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # and nothing after it
    assert [(record.levelname, record.getMessage()) for record in logged()] == [
        ("INFO", "intake: a client hung up before its body arrived whole")
    ]
