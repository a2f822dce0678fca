"""The tests, with aiogram's types built on first use as `crmbot run` has them."""

from bot.telegram_types import defer_builds

defer_builds()
