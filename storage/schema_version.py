"""Whether a database is already at the newest schema, found without importing Alembic or
SQLAlchemy: a restart on an up-to-date SQLite file then skips the migration child and sends
again a second sooner (#12)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import unquote

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_REVISION = re.compile(r'^revision: str = "([^"]+)"', re.M)
_DOWN = re.compile(r'^down_revision: str \| None = "([^"]+)"', re.M)


def head_revision() -> str:
    """The one revision no other revision builds on."""
    revisions, bases = set(), set()
    for path in VERSIONS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if found := _REVISION.search(text):
            revisions.add(found.group(1))
        if down := _DOWN.search(text):
            bases.add(down.group(1))
    [head] = revisions - bases
    return head


def sqlite_at_head(url: str) -> bool:
    """True only for a plain SQLite file whose recorded revision is the head; anything else
    (PostgreSQL, a new file, an older schema, an unreadable file) goes through Alembic."""
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return False
    path = Path(unquote(url[len(prefix) :])).expanduser()
    if not path.is_file():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == head_revision()
