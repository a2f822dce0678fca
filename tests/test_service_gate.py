"""Without PostgreSQL or Redis the tests that need them skip on a laptop and fail under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import free_port

PROBE = """
from tests.support import postgres_database


async def test_needs_postgres():
    async with postgres_database():
        pass
"""


def run_probe(ci: str | None) -> subprocess.CompletedProcess[str]:
    probe = Path(__file__).with_name(f"test_probe_{os.getpid()}_{ci}.py")
    probe.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TEST_POSTGRES_URL"] = f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/none"
    if ci is not None:
        env["CI"] = ci
    try:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
            cwd=Path(__file__).parents[1],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        probe.unlink()


@pytest.mark.parametrize(
    ("ci", "code", "line"),
    [
        (None, 0, "1 skipped"),
        ("true", 1, "CI=true: this test must run"),
    ],
)
def test_unreachable_postgres(ci: str | None, code: int, line: str) -> None:
    result = run_probe(ci)
    assert result.returncode == code, result.stdout
    assert line in result.stdout
