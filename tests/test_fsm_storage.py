"""Conversation state on our database (survives a restart) and on Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

from storage.engine import create_engine
from storage.fsm import SqlStorage
from storage.migrate import upgrade_engine
from tests.support import REDIS_URL, unavailable


class Form(StatesGroup):
    name = State()


KEY = StorageKey(bot_id=42, chat_id=1001, user_id=1001)
OTHER = StorageKey(bot_id=42, chat_id=1002, user_id=1002)


async def exercise(storage: BaseStorage) -> None:
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"token": "abc", "answers": {"n": 1}})
    await storage.update_data(KEY, {"phone": "+79121234567"})
    await storage.set_state(OTHER, "Other:state")
    assert await storage.get_state(KEY) == "Form:name"
    assert await storage.get_data(KEY) == {
        "token": "abc",
        "answers": {"n": 1},
        "phone": "+79121234567",
    }
    assert await storage.get_state(OTHER) == "Other:state"
    assert await storage.get_data(OTHER) == {}


async def test_sql_storage_survives_a_restart(database_url: str) -> None:
    engine = create_engine(database_url)
    await upgrade_engine(engine)
    await exercise(SqlStorage(engine))
    await engine.dispose()

    engine = create_engine(database_url)  # a new process on the same database
    storage = SqlStorage(engine)
    try:
        assert await storage.get_state(KEY) == "Form:name"
        assert (await storage.get_data(KEY))["phone"] == "+79121234567"
        await storage.set_state(KEY, None)
        await storage.set_data(KEY, {})
        assert await storage.get_state(KEY) is None
        assert await storage.get_data(KEY) == {}
    finally:
        await engine.dispose()


@pytest.fixture
async def redis_storage() -> AsyncIterator[RedisStorage]:
    from redis.asyncio import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except (RedisConnectionError, OSError) as error:
        await client.aclose()
        unavailable("Redis", error)
    prefix = f"crmtest{uuid.uuid4().hex[:8]}"
    storage = RedisStorage(client, key_builder=DefaultKeyBuilder(prefix=prefix))
    yield storage
    keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await storage.close()


async def test_redis_storage(redis_storage: RedisStorage) -> None:
    await exercise(redis_storage)
