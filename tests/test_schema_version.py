"""The quick look at the schema that lets a restart skip the migration child (#12)."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from storage.engine import create_engine
from storage.migrate import alembic_config, downgrade_engine, upgrade_engine
from storage.schema_version import head_revision, sqlite_at_head
from tests.support import sqlite_url


def test_the_head_is_alembics() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_only_a_file_at_the_head_skips_the_migrations(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    assert not sqlite_at_head(url)  # no file yet
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)
        assert sqlite_at_head(url)
        await downgrade_engine(engine, "0004")
        assert not sqlite_at_head(url)
    finally:
        await engine.dispose()
    assert not sqlite_at_head("postgresql+asyncpg://postgres@127.0.0.1/test")
    assert not sqlite_at_head(url + "?mode=ro")
