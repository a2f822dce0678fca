"""Logging set-up; the bot token is never written to a log."""

from __future__ import annotations

import logging


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks the secret anywhere: message, arguments, traceback."""

    def __init__(self, fmt: str, secret: str) -> None:
        super().__init__(fmt)
        self._secret = secret

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self._secret, "<BOT_TOKEN>") if self._secret else text


def configure_logging(level: str, secret: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secret)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
