"""Mutation testing of the two claim statements, by hand (#13, item 8).

mutmut mutates what runs inside functions; the outbox's and the timers' claims are statements
built once at import (`_CLAIM` in storage/outbox_store.py and storage/repositories/timers.py),
so their mutants are listed here: each breaks one condition of what "claimed once" means. For
each, a copy of the project gets the mutant and the SQLite storage tests run against it; a
mutant that passes them all survives.

    .venv/bin/python -m tests.mutate_claims          # about 2 minutes on 2 cores
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTBOX = "storage/outbox_store.py"
TIMERS = "storage/repositories/timers.py"
TESTS = [
    "tests/test_storage.py",
    "tests/test_sweep.py",
    "tests/test_outbox_lease_e2e.py",
    "tests/test_claims.py",
    "-k",
    "not postgresql",
]

_OUTBOX_WHERE = """        OutboxRow.id == bindparam("w_id"),
        OutboxRow.sent_at.is_(None),
        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < bindparam("now")),
"""
_TIMER_CLAIM = """    .where(TimerRow.id == bindparam("w_id"), *_PENDING)
    .values(fired_at=bindparam("now"))"""

# (file, what it replaces, the mutant, what it breaks)
MUTANTS: list[tuple[str, str, str, str]] = [
    (
        OUTBOX,
        _OUTBOX_WHERE,
        _OUTBOX_WHERE.replace('        OutboxRow.id == bindparam("w_id"),\n', ""),
        "outbox: the row's id dropped (a claim takes every row)",
    ),
    (
        OUTBOX,
        _OUTBOX_WHERE,
        _OUTBOX_WHERE.replace("        OutboxRow.sent_at.is_(None),\n", ""),
        "outbox: 'not sent yet' dropped",
    ),
    (
        OUTBOX,
        _OUTBOX_WHERE,
        _OUTBOX_WHERE.replace(_OUTBOX_WHERE.splitlines(keepends=True)[2], ""),
        "outbox: 'not claimed, or the claim expired' dropped",
    ),
    (
        OUTBOX,
        _OUTBOX_WHERE,
        _OUTBOX_WHERE.replace(
            'or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < bindparam("now"))',
            "OutboxRow.claimed_until.is_(None)",
        ),
        "outbox: an expired claim never taken over",
    ),
    (
        OUTBOX,
        _OUTBOX_WHERE,
        _OUTBOX_WHERE.replace(
            'or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < bindparam("now"))',
            'OutboxRow.claimed_until < bindparam("now")',
        ),
        "outbox: a row never claimed is not claimable",
    ),
    (
        OUTBOX,
        _OUTBOX_WHERE,
        _OUTBOX_WHERE.replace(
            'OutboxRow.claimed_until < bindparam("now")',
            'OutboxRow.claimed_until > bindparam("now")',
        ),
        "outbox: '<' to '>' (a live claim taken over, an expired one not)",
    ),
    (
        OUTBOX,
        _OUTBOX_WHERE,
        _OUTBOX_WHERE.replace(
            'OutboxRow.claimed_until < bindparam("now")',
            'OutboxRow.claimed_until <= bindparam("now")',
        ),
        "outbox: '<' to '<=' (taken over at the very microsecond the hold ends)",
    ),
    (
        OUTBOX,
        '.values(claimed_until=bindparam("until"), attempts=OutboxRow.attempts + 1)',
        '.values(claimed_until=bindparam("now"), attempts=OutboxRow.attempts + 1)',
        "outbox: the claim holds the row for no time",
    ),
    (
        OUTBOX,
        '.values(claimed_until=bindparam("until"), attempts=OutboxRow.attempts + 1)',
        '.values(claimed_until=bindparam("until"), attempts=OutboxRow.attempts)',
        "outbox: attempts not counted",
    ),
    (
        TIMERS,
        _TIMER_CLAIM,
        _TIMER_CLAIM.replace(", *_PENDING)", ")"),
        "timers: 'pending' dropped (a fired or cancelled timer fires again)",
    ),
    (
        TIMERS,
        _TIMER_CLAIM,
        _TIMER_CLAIM.replace("*_PENDING", "TimerRow.fired_at.is_(None)"),
        "timers: 'not cancelled' dropped",
    ),
    (
        TIMERS,
        _TIMER_CLAIM,
        _TIMER_CLAIM.replace("*_PENDING", "TimerRow.cancelled_at.is_(None)"),
        "timers: 'not fired yet' dropped",
    ),
    (
        TIMERS,
        _TIMER_CLAIM,
        _TIMER_CLAIM.replace('TimerRow.id == bindparam("w_id"), ', ""),
        "timers: the timer's id dropped (a claim fires every pending timer)",
    ),
    (
        TIMERS,
        _TIMER_CLAIM,
        _TIMER_CLAIM.replace('.values(fired_at=bindparam("now"))', ".values(fired_at=None)"),
        "timers: the claim does not mark it fired",
    ),
]


def _copy(target: Path) -> None:
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache")

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = {".venv", ".git", "mutants", "data", "file:"} if Path(folder) == ROOT else set()
        return set(skip(folder, names)) | (top & set(names))

    shutil.copytree(ROOT, target, ignore=ignore, dirs_exist_ok=True)


def _run(cwd: Path) -> tuple[bool, float]:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0, time.monotonic() - start


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mutate-claims-") as tmp:
        work = Path(tmp) / "project"
        _copy(work)
        where = subprocess.run(
            [sys.executable, "-c", "import storage.outbox_store as m; print(m.__file__)"],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert where.startswith(str(work)), f"the copy is not the one imported: {where}"
        passed, seconds = _run(work)
        if not passed:
            print("the tests fail without any mutant: fix them first")
            return 2
        print(f"clean run: passed in {seconds:.0f} s")
        killed = 0
        for path, original, mutant, what in MUTANTS:
            source = (work / path).read_text()
            assert source.count(original) == 1 and mutant != original, what
            (work / path).write_text(source.replace(original, mutant))
            try:
                survived, seconds = _run(work)
            finally:
                (work / path).write_text(source)
            killed += not survived
            print(f"{'SURVIVED' if survived else 'killed  '}  {what}  ({seconds:.0f} s)")
        total = len(MUTANTS)
        print(f"claims: {killed} killed, {total - killed} survived, {total} in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
