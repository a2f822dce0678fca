"""The fake Bot API server answers the real aiogram client as Telegram would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from tests.fake_telegram import FakeTelegram, TelegramUser


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    bot = Bot(fake.token, session=session)
    yield bot
    await session.close()


@pytest.fixture
async def chat(fake: FakeTelegram) -> TelegramUser:
    user = TelegramUser(fake, "Ира")
    await user.send("/start")
    return user


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=f"x:{label}") for label in labels]
        ]
    )


async def test_messages_edits_and_keyboards(bot: Bot, chat: TelegramUser) -> None:
    sent = await bot.send_message(
        chat.id, "<b>Лид</b> &lt;ООО&gt;", parse_mode="HTML", reply_markup=keyboard("В работу")
    )
    shown = chat.last
    assert (shown.text, shown.buttons()) == ("Лид <ООО>", ["В работу"])
    await bot.edit_message_text(
        "Лид в работе",
        chat_id=chat.id,
        message_id=sent.message_id,
        reply_markup=keyboard("Конвертировать"),
    )
    assert (shown.text, shown.buttons(), shown.edits) == ("Лид в работе", ["Конвертировать"], 1)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Лид в работе",
            chat_id=chat.id,
            message_id=sent.message_id,
            reply_markup=keyboard("Конвертировать"),
        )
    await bot.edit_message_reply_markup(chat_id=chat.id, message_id=sent.message_id)
    assert shown.buttons() == []
    await bot.delete_message(chat.id, sent.message_id)
    assert chat.messages == []


async def test_telegram_limits_are_enforced(bot: Bot, chat: TelegramUser) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(chat.id, "<ООО Ромашка>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(chat.id, "<b>open", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(chat.id, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "кому?")
    assert chat.messages == []


async def test_callback_answered_once(bot: Bot, fake: FakeTelegram, chat: TelegramUser) -> None:
    await bot.send_message(chat.id, "?", reply_markup=keyboard("Да"))
    callback_id = await fake.user_presses(chat.user, chat.last, "Да")
    update = (await bot.get_updates(offset=0, timeout=0))[-1]
    assert update.callback_query is not None and update.callback_query.data == "x:Да"
    await bot.answer_callback_query(callback_id, text="Готово")
    assert fake.callback_answers[callback_id] == {"text": "Готово", "show_alert": False}
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(callback_id)


async def test_files_arrive_as_multipart(bot: Bot, chat: TelegramUser) -> None:
    await bot.send_document(
        chat.id, BufferedInputFile(b"PK\x03\x04xlsx", "report.xlsx"), caption="Отчёт"
    )
    assert chat.last.document == {"filename": "report.xlsx", "content": b"PK\x03\x04xlsx"}
    assert chat.last.text == "Отчёт"
    await bot.send_photo(chat.id, BufferedInputFile(b"\x89PNG", "p.png"))
    assert chat.last.photo == {"filename": "p.png", "content": b"\x89PNG"}


async def test_failures_on_demand(bot: Bot, fake: FakeTelegram, chat: TelegramUser) -> None:
    fake.fail(429, method="sendMessage", times=1, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(chat.id, "раз")
    assert error.value.retry_after == 3
    fake.fail(500, times=1)
    with pytest.raises(TelegramServerError):
        await bot.send_message(chat.id, "два")
    await bot.send_message(chat.id, "три")
    assert [m.text for m in chat.messages] == ["три"]
    assert fake.errors_returned == [("sendmessage", 429), ("sendmessage", 500)]


class GetChatHistory(TelegramMethod[Any]):
    __returning__ = bool
    __api_method__ = "getChatHistory"


async def test_unknown_method_fails_clearly(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(TelegramNotFound, match="not implemented by the fake"):
        await bot(GetChatHistory())
    assert fake.unknown_methods == ["getchathistory"]
    fake.unknown_methods.clear()  # the fixture fails any test that leaves one behind
