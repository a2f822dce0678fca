"""INSERT ... ON CONFLICT in the dialect of the database in use."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def upsert_insert(dialect_name: str) -> Any:
    """The `insert` whose statements offer `on_conflict_do_update` / `..._do_nothing`."""
    return pg_insert if dialect_name == "postgresql" else sqlite_insert
