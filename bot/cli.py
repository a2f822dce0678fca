"""`crmbot run` and `crmbot migrate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys

from bot.settings import SettingsError, load_settings

DESCRIPTION = """Telegram sales CRM bot.

commands:
  run      apply pending database migrations, then serve Telegram (long polling;
           with UPDATES_MODE=none only the intake, the timers and the outbox)
           until SIGINT or SIGTERM
  migrate  upgrade the database (DATABASE_URL) to the latest schema and exit

Settings come from the environment and from .env in the current folder;
see .env.example for every setting."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmbot", description=DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{run,migrate}")
    commands.add_parser("run", help="migrate, then run the bot until stopped")
    commands.add_parser("migrate", help="upgrade the database schema to the latest version")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(require_token=args.command == "run")
    except SettingsError as error:
        print(f"crmbot: {error}", file=sys.stderr)
        return 2

    from bot.logs import configure_logging, secrets_of

    secret = settings.bot_token.get_secret_value() if settings.bot_token else ""
    configure_logging(settings.log_level, secrets_of(settings))
    if args.command == "migrate":
        return _migrate(settings.database_url)
    from storage.schema_version import sqlite_at_head

    if not sqlite_at_head(settings.database_url):
        migrated = _migrate_in_a_child()
        if migrated != 0:
            return migrated

    from bot.telegram_types import defer_builds

    defer_builds()  # before the first import of aiogram
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import build_app

    app = build_app(settings)
    try:
        asyncio.run(app.serve())
    except TelegramUnauthorizedError:
        print(
            "crmbot: Telegram refused BOT_TOKEN (401 Unauthorized): check the token "
            "from @BotFather",
            file=sys.stderr,
        )
        return 2
    except TelegramNetworkError as error:
        where = settings.telegram_api_base or "api.telegram.org"
        reason = error.message.replace(secret, "<BOT_TOKEN>") if secret else error.message
        print(f"crmbot: cannot reach the Bot API at {where}: {reason}", file=sys.stderr)
        return 3
    return 0


def _migrate(url: str) -> int:
    from alembic.util.exc import CommandError
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from storage.migrate import upgrade

    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        upgrade(url)
    except (OSError, SQLAlchemyError, CommandError) as error:
        where = make_url(url).render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"crmbot: cannot migrate the database at {where}: {reason}", file=sys.stderr)
        return 3
    return 0


def _migrate_in_a_child() -> int:
    """`crmbot migrate` in a process of its own: Alembic's ~10 MB never stay resident in the
    long-running bot. Same environment, same folder, so the same settings."""
    code = subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], check=False).returncode
    return 128 - code if code < 0 else code  # killed by a signal: the shell's convention


if __name__ == "__main__":
    raise SystemExit(main())
