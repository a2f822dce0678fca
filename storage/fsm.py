"""aiogram FSM storage on our own database, so a conversation survives a restart."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey
from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables import FsmStateRow
from storage.upsert import upsert_insert

StateType = str | State | None
_STATE = select(FsmStateRow.state).where(FsmStateRow.key == bindparam("key"))  # every update


class SqlStorage(BaseStorage):
    """State and data in `fsm_states`, one row per key, written with an atomic upsert.

    It gets an engine of its own: a handler holding a pooled connection must never wait
    for the FSM to find one in the same pool.
    """

    def __init__(self, engine: AsyncEngine, key_builder: KeyBuilder | None = None) -> None:
        self._engine = engine
        self._key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._insert = upsert_insert(engine.dialect.name)

    def _key(self, key: StorageKey) -> str:
        return self._key_builder.build(key)

    async def _upsert(self, key: StorageKey, **values: Any) -> None:
        statement = self._insert(FsmStateRow).values(key=self._key(key), **values)
        statement = statement.on_conflict_do_update(index_elements=["key"], set_=values)
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def _forget_if_empty(self, key: StorageKey) -> None:
        """No state and no data: drop the row, so nothing is kept for a passer-by."""
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(FsmStateRow).where(
                    FsmStateRow.key == self._key(key),
                    FsmStateRow.state.is_(None),
                    FsmStateRow.data == "{}",
                )
            )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, state=value)
        if value is None:
            await self._forget_if_empty(key)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._engine.connect() as connection:
            return await connection.scalar(_STATE, {"key": self._key(key)})

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, data=json.dumps(dict(data), ensure_ascii=False, sort_keys=True))
        if not data:
            await self._forget_if_empty(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._engine.connect() as connection:
            data = await connection.scalar(
                select(FsmStateRow.data).where(FsmStateRow.key == self._key(key))
            )
        return dict(json.loads(data)) if data else {}

    async def close(self) -> None:
        await self._engine.dispose()
