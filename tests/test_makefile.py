"""`make run` and `make test` install the bot only when pyproject.toml changed (#14)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(folder: Path, target: str) -> str:
    """What `make <target>` would run (`make -n`: printed, nothing run)."""
    # Not the flags of a make this test may run under (`make test`), nor its variables.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VENV", "PYTHON", "BIN")
    }
    done = subprocess.run(
        ["make", "-n", target], cwd=folder, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def age(path: Path, seconds: float) -> None:
    """Set the file's time `seconds` into the past."""
    moment = path.stat().st_mtime - seconds
    os.utime(path, (moment, moment))


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A checkout as make sees it: the Makefile and pyproject.toml, no venv."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def fake_venv(clone: Path) -> Path:
    python = clone / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    return clone / ".venv"


def test_a_clean_clone_creates_the_venv_and_installs(clone: Path) -> None:
    for target, extra in (("run", "-e ."), ("test", "-e '.[dev]'")):
        plan = planned(clone, target)
        assert "-m venv .venv" in plan
        assert f".venv/bin/pip install --quiet {extra}" in plan


@pytest.mark.parametrize(
    ("target", "stamp", "command"),
    [
        ("run", ".installed", ".venv/bin/crmbot run"),
        ("migrate", ".installed", ".venv/bin/crmbot migrate"),
        ("test", ".installed-dev", ".venv/bin/python -m pytest"),
    ],
)
def test_nothing_changed_means_no_reinstall(
    clone: Path, target: str, stamp: str, command: str
) -> None:
    venv = fake_venv(clone)
    assert "pip install" in planned(clone, target)  # a venv, but the bot never installed

    (venv / stamp).touch()  # what the install leaves
    age(clone / "pyproject.toml", 60)
    plan = planned(clone, target)
    assert "pip install" not in plan and "-m venv" not in plan
    assert command in plan

    (clone / "pyproject.toml").touch()  # a dependency added: install again
    age(venv / stamp, 60)
    assert "pip install" in planned(clone, target)


def test_the_dev_install_counts_for_run(clone: Path) -> None:
    venv = fake_venv(clone)
    age(clone / "pyproject.toml", 60)
    assert "touch .venv/.installed-dev .venv/.installed" in planned(clone, "test")
    (venv / ".installed-dev").touch()
    (venv / ".installed").touch()
    assert "pip install" not in planned(clone, "run")
