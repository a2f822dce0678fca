"""The fake Telegram in a process of its own, so a benchmark measures only the bot's memory.

`python -m bench.fake_server RATE FIRST_CHAT COUNT` prints the base URL and token as one JSON
line, serves until its stdin closes, then prints its counters as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys

from tests.fake_telegram import FakeTelegram


async def main(rate: int, first_chat: int, count: int) -> None:
    fake = FakeTelegram(rate_limit=rate)
    await fake.start()
    for chat_id in range(first_chat, first_chat + count):
        fake.chats.setdefault(chat_id, [])
    print(json.dumps({"base_url": fake.base_url, "token": fake.token}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    delivered = sum(len(messages) for messages in fake.chats.values())
    print(json.dumps({"too_many": fake.too_many, "delivered": delivered}), flush=True)
    await fake.stop()


if __name__ == "__main__":
    rate, first_chat, count = (int(value) for value in sys.argv[1:4])
    asyncio.run(main(rate, first_chat, count))
