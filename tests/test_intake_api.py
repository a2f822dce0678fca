"""POST /api/v1/leads and GET /healthz (R2.3, R2.4): every bad input answered, nothing written."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.http import HttpServer, build_http_app
from storage.engine import create_engine, create_session_factory
from storage.tables import LeadEventRow, LeadRow, OutboxRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support import INTAKE_TOKEN, FakeClock, RunningBot, free_port, settings_for
from tests.team import post_lead, seed_team
from tests.test_normalize import INVISIBLE


async def rows(bot: RunningBot, table: Any) -> int:
    async with bot.app.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)


async def post_text(bot: RunningBot, text: bytes) -> tuple[int, Any]:
    """A body of JSON text as it is, not as `json.dumps` would write it."""
    settings = bot.app.settings
    url = f"http://{settings.http_host}:{settings.http_port}/api/v1/leads"
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=text, headers=headers) as response,
    ):
        return response.status, await response.json()


@pytest.fixture
async def api(running_bot: RunningBot, fake: Any, admin: Any) -> RunningBot:
    await seed_team(running_bot, fake, admin)
    return running_bot


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789", ""])
async def test_without_the_token_nothing_is_taken(api: RunningBot, token: str | None) -> None:
    status, body = await post_lead(api, {"source": "WEB", "name": "Иван"}, token=token)
    assert status == 401 and "INTAKE_TOKEN" in body["error"]
    assert await rows(api, LeadRow) == 0


async def test_a_token_of_bytes_that_are_not_utf8_is_refused(api: RunningBot) -> None:
    settings = api.app.settings
    body = b'{"source": "WEB", "name": "Ivan"}'
    request = (
        b"POST /api/v1/leads HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        b"Authorization: Bearer \xd0\xb9\xff\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    reader, writer = await asyncio.open_connection(settings.http_host, settings.http_port)
    writer.write(request)
    status_line = await reader.readline()
    writer.close()
    assert status_line.split()[1] == b"401"
    assert await rows(api, LeadRow) == 0


async def test_control_characters_are_dropped_from_what_is_kept(api: RunningBot) -> None:
    status, body = await post_lead(
        api, {"source": "WEB", "name": "Ив\u0000ан\u200b", "comment": "тест\x1b[31m \u202eконец"}
    )
    assert status == 201
    async with api.app.uow_factory() as uow:
        lead = await uow.leads.get(body["id"])
    assert lead is not None
    assert (lead.contact_name, lead.comment) == ("Иван", "тест[31m конец")


async def test_what_renders_as_nothing_is_dropped_emoji_stay_whole(api: RunningBot) -> None:
    coder = "\U0001f468\u200d\U0001f4bb"  # man, zero width joiner, laptop
    status, body = await post_lead(
        api,
        {
            "source": "WEB",
            "name": "Ив" + "".join(INVISIBLE) + "ан",
            "company": "".join(INVISIBLE) + "Ромашка\u200d",
            "comment": f"{coder}\ufe0f\u200d\U000e0041\U000e0042\U000e007f пишет\u2800",
        },
    )
    assert status == 201
    async with api.app.uow_factory() as uow:
        lead = await uow.leads.get(body["id"])
    assert lead is not None
    assert (lead.contact_name, lead.company_name, lead.comment) == (
        "Иван",
        "Ромашка",
        f"{coder}\ufe0f пишет",
    )


async def test_intake_is_closed_without_a_configured_token(bot_factory: Any) -> None:
    bot = await bot_factory(intake_token=None)
    status, _ = await post_lead(bot, {"source": "WEB", "name": "Иван"}, token=INTAKE_TOKEN)
    assert status == 401


async def test_too_large_a_body(api: RunningBot) -> None:
    status, _ = await post_lead(api, {"source": "WEB", "name": "Иван", "comment": "я" * 70_000})
    assert status == 413
    assert await rows(api, LeadRow) == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (b"{not json", {"body": "это не JSON"}),
        (b"[1, 2]", {"body": "ожидается JSON-объект с полями лида"}),
        (
            {"source": "FAX", "name": "Иван"},
            {"source": "Источник: один из CALL, EMAIL, WEB, OPENLINE, OTHER."},
        ),
        ({"name": "Иван"}, {"source": "Источник: ожидается строка."}),
        (
            {"source": "WEB", "phone": "12-34"},
            {"phone": "Это не похоже на номер телефона. Пример: +7 912 123-45-67."},
        ),
        (
            {"source": "WEB", "email": "ivan@"},
            {"email": "Это не похоже на адрес e-mail. Пример: ivan@example.ru."},
        ),
        (
            {"source": "WEB", "name": "Иван", "title": "т" * 256},
            {"title": "Название: не длиннее 255 символов."},
        ),
        (
            {"source": "WEB", "company": "Ромашка"},
            {"contact": "Нужен хотя бы один способ связаться: телефон, e-mail или имя контакта."},
        ),
        ({"source": "WEB", "name": "Иван", "phon": "+79121234567"}, {"phon": "неизвестное поле"}),
        ({"source": "WEB", "name": 42}, {"name": "Имя контакта: ожидается строка."}),
        (
            {"source": "WEB", "name": "Иван", "external_id": ""},
            {"external_id": "ожидается непустая строка"},
        ),
        # What no database stores, or nobody types on purpose.
        ({"source": "WEB", "name": "\ud800"}, {"name": "Имя контакта: недопустимые символы."}),
        (
            {"source": "WEB", "name": "Иван", "external_id": "crm\u0000-1"},
            {"external_id": "только печатные символы"},
        ),
        (
            {"source": "WEB", "name": "Иван", "external_id": "\udfff"},
            {"external_id": "только печатные символы"},
        ),
        (
            {"source": "WEB", "name": "\u200b\u202e"},
            {"name": "Имя контакта: пустое значение, напишите текстом."},
        ),
        (
            b'{"source": "WEB", "name": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            {"body": "слишком глубокая вложенность"},
        ),
        # An unknown key that no UTF-8 can carry: named by its escape, not a 500 (#12).
        (b'{"source": "WEB", "name": "x", "\\ud800": 1}', {"\\ud800": "неизвестное поле"}),
    ],
)
async def test_malformed_leads_are_refused_field_by_field(
    api: RunningBot, body: Any, errors: dict[str, str]
) -> None:
    if isinstance(body, bytes):
        status, answer = await post_text(api, body)
    else:
        status, answer = await post_lead(api, body)
    assert (status, answer) == (422, {"errors": errors})
    for table in (LeadRow, LeadEventRow, OutboxRow):
        assert await rows(api, table) == 0


async def test_several_errors_at_once(api: RunningBot) -> None:
    status, answer = await post_lead(api, {"source": "X", "phone": "abc", "email": "@"})
    assert status == 422 and set(answer["errors"]) == {"source", "phone", "email"}


async def test_concurrent_retries_make_one_lead(
    bot_factory: Any, database_url: str, fake: Any, admin: Any
) -> None:
    bot = await bot_factory(database_url=database_url)
    await seed_team(bot, fake, admin)
    body = {"source": "WEB", "name": "Иван", "external_id": "order-777"}
    answers = await asyncio.gather(*(post_lead(bot, body) for _ in range(8)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 7 + [201]
    assert len({answer["id"] for _, answer in answers}) == 1
    assert await rows(bot, LeadRow) == 1
    assert await rows(bot, LeadEventRow) == 1


async def test_health(api: RunningBot) -> None:
    settings = api.app.settings
    url = f"http://{settings.http_host}:{settings.http_port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert (response.status, await response.json()) == (200, {"status": "ok"})


async def test_health_without_a_database(fake: Any) -> None:
    settings = settings_for(
        fake, "postgresql+asyncpg://nobody@127.0.0.1:1/none", http_port=free_port()
    )
    engine = create_engine(settings.database_url)
    server = HttpServer(
        build_http_app(SqlUnitOfWorkFactory(create_session_factory(engine)), FakeClock(), settings),
        settings.http_host,
        settings.http_port,
    )
    await server.start()
    try:
        url = f"http://{settings.http_host}:{settings.http_port}/healthz"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert (response.status, await response.json()) == (
                503,
                {"status": "database unavailable"},
            )
    finally:
        await server.stop()
        await engine.dispose()
