"""An offline Telegram Bot API server for the tests (aiohttp on 127.0.0.1, a free port).

It speaks the wire format of the real API (tech-notes.md), keeps every chat as a client would
show it (edits applied, each message's current inline keyboard, the reply keyboard in force)
and can be told to fail for a while. Unknown methods fail loudly and are recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import time
from collections import deque
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "CRM",
    "username": "crm_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
CALLBACK_TEXT_LIMIT = 200
RULE_ID = re.compile(r"\bR\d+\.\d+")
RATE_LIMITED = {
    "sendmessage",
    "editmessagetext",
    "editmessagereplymarkup",
    "senddocument",
    "sendphoto",
}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


# How long a test waits for the bot before it fails. A wait ends as soon as the bot has done
# it, so the bound only matters on a loaded machine, where 5 s has been seen to run out.
BOT_WAIT = 10.0


class TelegramError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class _HtmlChecker(HTMLParser):
    """Telegram refuses a message whose HTML it cannot parse: unknown or unclosed tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramError(400, f"Bad Request: can't parse entities: unsupported tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise TelegramError(400, f"Bad Request: can't parse entities: unexpected </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def utf16_length(text: str) -> int:
    """Telegram's lengths count UTF-16 units: an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(text: str, parse_mode: str | None) -> str:
    if parse_mode != "HTML":
        return text
    if re.search(r"<(?![a-zA-Z/])", text):
        raise TelegramError(400, "Bad Request: can't parse entities: stray '<'")
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise TelegramError(
            400, f"Bad Request: can't parse entities: unclosed <{checker.stack[-1]}>"
        )
    return unescape("".join(checker.text))


@dataclass
class ChatMessage:
    """One message in a chat, as the client shows it now."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str = ""
    html: str = ""
    inline_keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    document: dict[str, Any] | None = None
    photo: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    edits: int = 0
    deleted: bool = False
    date: int = field(default_factory=lambda: int(time.time()))
    arrived: float = field(default_factory=time.time)  # when the bot's call was taken

    def buttons(self) -> list[str]:
        return [button["text"] for row in self.inline_keyboard for button in row]

    def button(self, label: str) -> dict[str, Any]:
        for row in self.inline_keyboard:
            for button in row:
                if button["text"] == label:
                    return button
        raise AssertionError(f"no button {label!r} in message {self.message_id}: {self.buttons()}")


@dataclass
class FailureRule:
    method: str | None  # None: every method
    status: int
    until: float  # monotonic time
    remaining: int | None  # None: until the time runs out
    retry_after: int | None = None
    chat_id: int | None = None  # None: every chat
    description: str | None = None  # None: "injected <status>"


@dataclass
class Hold:
    """A slow Telegram: matching calls wait until `release()`; `drop()` lets them end with
    nothing done, as if their connection had gone. With `answer_late` the call is done at
    once (the user sees the message) and only its answer to the bot waits."""

    method: str
    chat_id: str
    remaining: int
    answer_late: bool = False
    waiting: int = 0
    dropped: bool = False
    _open: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self._open.set()

    def drop(self) -> None:
        self.dropped = True
        self._open.set()

    async def wait(self) -> bool:
        """True when the call goes on, False when it was dropped."""
        await self._open.wait()
        return not self.dropped


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token", rate_limit: int | None = None) -> None:
        """`rate_limit`: like Telegram, answer 429 past that many messages in any second."""
        self.token = token
        self._rate_limit = rate_limit
        self._recent: deque[float] = deque()
        self.too_many = 0
        self.bot_user = dict(BOT_USER)
        self.chats: dict[int, list[ChatMessage]] = {}
        self.reply_keyboards: dict[int, list[list[dict[str, Any]]] | None] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.unknown_methods: list[str] = []
        self.rule_ids_shown: list[str] = []  # what users read never names a rule (R2.15)
        self.errors_returned: list[tuple[str, int]] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}  # results by inline query id
        self.commands: list[dict[str, Any]] = []
        self.webhook_deleted = 0
        self.files: dict[str, bytes] = {}  # what users sent, by file_id
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._failures: list[FailureRule] = []
        self._holds: list[Hold] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        for hold in self._holds:
            hold.drop()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- failure injection -----------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        method: str | None = None,
        times: int | None = None,
        seconds: float = 3600,
        retry_after: int | None = None,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer `status` to `method` (or to all) `times` times, or for `seconds`; with
        `description`, in Telegram's words (e.g. "Bad Request: message can't be edited")."""
        self._failures.append(
            FailureRule(
                method and method.lower(),
                status,
                time.monotonic() + seconds,
                times,
                retry_after,
                chat_id,
                description,
            )
        )

    def hold(self, method: str, chat_id: int, times: int = 1, *, answer_late: bool = False) -> Hold:
        """Keep the next `times` calls of `method` to `chat_id` waiting (see Hold)."""
        hold = Hold(method.lower(), str(chat_id), times, answer_late)
        self._holds.append(hold)
        return hold

    def _hold_for(self, method: str, params: dict[str, Any]) -> Hold | None:
        call = (method, str(params.get("chat_id")))
        for hold in self._holds:
            if hold.remaining and (hold.method, hold.chat_id) == call:
                hold.remaining -= 1
                return hold
        return None

    def _failure_for(self, method: str, params: dict[str, Any]) -> FailureRule | None:
        now = time.monotonic()
        for rule in self._failures:
            if rule.until < now or rule.remaining == 0:
                continue
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            if rule.method in (None, method):
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None

    # -- what a user does --------------------------------------------------------------------

    def _chat(self, chat_id: int) -> list[ChatMessage]:
        return self.chats.setdefault(chat_id, [])

    async def _push_update(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update_id

    async def user_sends(
        self,
        user: dict[str, Any],
        *,
        text: str | None = None,
        contact: dict[str, Any] | None = None,
        document: tuple[str, bytes] | None = None,
        sticker: str | None = None,
    ) -> ChatMessage:
        message = ChatMessage(
            message_id=next(self._message_ids),
            chat_id=user["id"],
            from_bot=False,
            text=text or "",
            contact=contact,
        )
        self._chat(user["id"]).append(message)
        payload: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            "from": user,
        }
        if text is not None:
            payload["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if contact is not None:
            payload["contact"] = contact
        if document is not None:
            file_id = f"file{message.message_id}"
            self.files[file_id] = document[1]
            payload["document"] = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": document[0],
                "file_size": len(document[1]),
            }
        if sticker is not None:
            payload["sticker"] = {
                "file_id": f"sticker{message.message_id}",
                "file_unique_id": f"usticker{message.message_id}",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": sticker,
            }
        await self._push_update({"message": payload})
        return message

    async def user_presses(self, user: dict[str, Any], message: ChatMessage, label: str) -> str:
        button = message.button(label)
        callback_id = str(next(self._callback_ids))
        await self._push_update(
            {
                "callback_query": {
                    "id": callback_id,
                    "from": user,
                    "chat_instance": str(user["id"]),
                    "data": button["callback_data"],
                    "message": self._message_payload(message),
                }
            }
        )
        return callback_id

    async def user_sends_callback(
        self, user: dict[str, Any], message: ChatMessage, data: str
    ) -> str:
        """A forged or replayed press: any callback data on any message."""
        callback_id = str(next(self._callback_ids))
        await self._push_update(
            {
                "callback_query": {
                    "id": callback_id,
                    "from": user,
                    "chat_instance": str(user["id"]),
                    "data": data,
                    "message": self._message_payload(message),
                }
            }
        )
        return callback_id

    async def user_inline_query(self, user: dict[str, Any], query: str) -> str:
        """`@bot <query>` typed in any chat; returns the inline query's id."""
        query_id = str(next(self._callback_ids))
        await self._push_update(
            {"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}}
        )
        return query_id

    async def wait_for(self, predicate: Any, timeout: float = BOT_WAIT) -> Any:
        """Wait until `predicate()` is truthy (checked at every change); return its value."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for the bot")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        return [m for m in self.chats.get(chat_id, []) if m.from_bot and not m.deleted]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method.lower()]

    # -- the Bot API ------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["path"].removeprefix("documents/"))
        if request.match_info["token"] != self.token or content is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=content)

    async def _m_getfile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise TelegramError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await self._params(request)
        self.calls.append((method, params))
        rule = self._failure_for(method, params) if method != "getupdates" else None
        if rule is not None:
            self.errors_returned.append((method, rule.status))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": rule.status,
                "description": rule.description or f"injected {rule.status}",
            }
            if rule.retry_after is not None:
                body["parameters"] = {"retry_after": rule.retry_after}
                body["description"] = f"Too Many Requests: retry after {rule.retry_after}"
            return web.json_response(body, status=rule.status)
        if self._rate_limit and method in RATE_LIMITED and self._over_limit():
            self.too_many += 1
            self.errors_returned.append((method, 429))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        hold = self._hold_for(method, params)
        if hold is not None and not hold.answer_late and not await self._held(hold):
            return web.json_response({"ok": False, "error_code": 502, "description": "dropped"})
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            self.unknown_methods.append(method)
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 404,
                    "description": f"Not Found: method {method} is not implemented by the fake",
                },
                status=404,
            )
        try:
            result = await handler(params)
        except TelegramError as error:
            self.errors_returned.append((method, error.code))
            # A refused call is a change too: a test may wait for the call itself.
            async with self._changed:
                self._changed.notify_all()
            return web.json_response(
                {"ok": False, "error_code": error.code, "description": error.description},
                status=error.code,
            )
        async with self._changed:
            self._changed.notify_all()
        if hold is not None and hold.answer_late and not await self._held(hold):
            return web.json_response({"ok": False, "error_code": 502, "description": "dropped"})
        return web.json_response({"ok": True, "result": result})

    async def _held(self, hold: Hold) -> bool:
        hold.waiting += 1
        async with self._changed:
            self._changed.notify_all()
        return await hold.wait()

    def _over_limit(self) -> bool:
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) >= (self._rate_limit or 0):
            return True
        self._recent.append(now)
        return False

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        files = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = {"filename": value.filename, "content": value.file.read()}
            else:
                params[key] = value
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files.get(value.removeprefix("attach://"))
            elif key in {
                "reply_markup",
                "entities",
                "commands",
                "allowed_updates",
                "reply_parameters",
                "link_preview_options",
                "media",
                "results",
            }:
                params[key] = json.loads(value)
        for key, value in files.items():
            params.setdefault(key, value)
        return params

    def _message_payload(self, message: ChatMessage) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": {"id": message.chat_id, "type": "private", "first_name": "user"},
            "from": self.bot_user
            if message.from_bot
            else {"id": message.chat_id, "is_bot": False, "first_name": "user"},
        }
        if message.text:
            payload["text"] = message.text
        if message.inline_keyboard:
            payload["reply_markup"] = {"inline_keyboard": message.inline_keyboard}
        if message.document:
            payload["document"] = {
                "file_id": f"doc{message.message_id}",
                "file_unique_id": f"udoc{message.message_id}",
                "file_name": message.document["filename"],
            }
        if message.photo:
            payload["photo"] = [
                {
                    "file_id": f"ph{message.message_id}",
                    "file_unique_id": f"uph{message.message_id}",
                    "width": 1,
                    "height": 1,
                }
            ]
        return payload

    def _find(self, params: dict[str, Any]) -> ChatMessage:
        chat_id = int(params["chat_id"])
        message_id = int(params["message_id"])
        for message in self.chats.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        raise TelegramError(400, "Bad Request: message to edit not found")

    def _keyboard(self, chat_id: int, markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
        if not markup:
            return []
        if "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                        raise TelegramError(400, "Bad Request: BUTTON_DATA_INVALID")
            return markup["inline_keyboard"]
        if "keyboard" in markup:
            self.reply_keyboards[chat_id] = markup["keyboard"]
        elif markup.get("remove_keyboard"):
            self.reply_keyboards[chat_id] = None
        return []

    def _chat_exists(self, chat_id: int) -> None:
        if chat_id not in self.chats:
            raise TelegramError(400, "Bad Request: chat not found")

    async def _m_getme(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_deleted += 1
        return True

    async def _m_setmycommands(self, params: dict[str, Any]) -> Any:
        self.commands = params.get("commands", [])
        return True

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset", 0) or 0)
        limit = min(int(params.get("limit", 100) or 100), 100)
        timeout = float(params.get("timeout", 0) or 0)
        async with self._changed:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
            return self._updates[:limit]

    async def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        self._chat_exists(chat_id)
        html = params.get("text", "")
        text = plain_text(html, params.get("parse_mode"))
        if not 1 <= utf16_length(text) <= TEXT_LIMIT:
            raise TelegramError(
                400,
                "Bad Request: message is too long"
                if text
                else "Bad Request: message text is empty",
            )
        message = ChatMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            from_bot=True,
            text=text,
            html=html,
            inline_keyboard=self._keyboard(chat_id, params.get("reply_markup")),
        )
        self._check_words(message.text, message.inline_keyboard)
        self._chat(chat_id).append(message)
        return self._message_payload(message)

    async def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        message = self._find(params)
        html = params.get("text", "")
        text = plain_text(html, params.get("parse_mode"))
        if not 1 <= utf16_length(text) <= TEXT_LIMIT:
            raise TelegramError(400, "Bad Request: message is too long")
        keyboard = self._keyboard(message.chat_id, params.get("reply_markup"))
        self._check_words(text, keyboard)
        if text == message.text and keyboard == message.inline_keyboard:
            raise TelegramError(400, "Bad Request: message is not modified")
        message.text, message.html, message.inline_keyboard = text, html, keyboard
        message.edits += 1
        return self._message_payload(message)

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self._find(params)
        keyboard = self._keyboard(message.chat_id, params.get("reply_markup"))
        if keyboard == message.inline_keyboard:
            raise TelegramError(400, "Bad Request: message is not modified")
        message.inline_keyboard = keyboard
        message.edits += 1
        return self._message_payload(message)

    async def _m_deletemessage(self, params: dict[str, Any]) -> Any:
        self._find(params).deleted = True
        return True

    def _check_words(self, text: str, keyboard: list[list[dict[str, Any]]] | None = None) -> None:
        """The rules' ids are for the people who build the bot: a user never reads one."""
        labels = [button["text"] for row in keyboard or [] for button in row]
        for shown in (text, *labels):
            if RULE_ID.search(shown):
                self.rule_ids_shown.append(shown)

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        callback_id = str(params["callback_query_id"])
        if callback_id in self.callback_answers:
            raise TelegramError(400, "Bad Request: query is too old and response timeout expired")
        text = params.get("text") or ""
        self._check_words(text)
        if len(text) > CALLBACK_TEXT_LIMIT:
            raise TelegramError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[callback_id] = {
            "text": text,
            "show_alert": params.get("show_alert") == "true",
        }
        return True

    async def _m_answerinlinequery(self, params: dict[str, Any]) -> Any:
        results = list(params.get("results") or [])
        for result in results:
            self._check_words(result.get("title", ""))
            self._check_words(result.get("input_message_content", {}).get("message_text", ""))
        self.inline_answers[str(params["inline_query_id"])] = results
        return True

    async def _send_file(self, params: dict[str, Any], kind: str) -> Any:
        chat_id = int(params["chat_id"])
        self._chat_exists(chat_id)
        upload = params.get(kind)
        if not isinstance(upload, dict):
            raise TelegramError(400, f"Bad Request: there is no {kind} in the request")
        caption = plain_text(params.get("caption", ""), params.get("parse_mode"))
        message = ChatMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            from_bot=True,
            text=caption,
            inline_keyboard=self._keyboard(chat_id, params.get("reply_markup")),
        )
        setattr(message, kind, upload)
        self._chat(chat_id).append(message)
        return self._message_payload(message)

    async def _m_senddocument(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "document")

    async def _m_sendphoto(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "photo")


class TelegramUser:
    """A person in a private chat with the bot: sends, shares, presses, reads."""

    # Random per run: Redis outlives a test run, and a user id must not meet its old state.
    _ids = itertools.count(random.randrange(10**9, 2 * 10**9, 10**6))

    def __init__(
        self,
        fake: FakeTelegram,
        first_name: str,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> None:
        self.fake = fake
        self.id = user_id or next(self._ids)
        self.user: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "ru",
        }
        if last_name:
            self.user["last_name"] = last_name
        self._read = 0

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in this chat, oldest first."""
        return self.fake.bot_messages(self.id)

    @property
    def last(self) -> ChatMessage:
        return self.messages[-1]

    @property
    def reply_keyboard(self) -> list[str]:
        rows = self.fake.reply_keyboards.get(self.id) or []
        return [button["text"] for row in rows for button in row]

    async def send(self, text: str) -> None:
        self._read = len(self.messages)
        await self.fake.user_sends(self.user, text=text)

    async def send_sticker(self, emoji: str) -> None:
        self._read = len(self.messages)
        await self.fake.user_sends(self.user, sticker=emoji)

    async def send_file(self, filename: str, content: bytes) -> None:
        self._read = len(self.messages)
        await self.fake.user_sends(self.user, document=(filename, content))

    async def share_contact(self, phone: str, *, own: bool = True) -> None:
        self._read = len(self.messages)
        contact = {
            "phone_number": phone,
            "first_name": self.user["first_name"],
            "user_id": self.id if own else self.id + 1,
        }
        await self.fake.user_sends(self.user, contact=contact)

    async def reply(self, timeout: float = BOT_WAIT) -> ChatMessage:
        """The next message from the bot not read yet."""
        await self.fake.wait_for(lambda: len(self.messages) > self._read, timeout)
        message = self.messages[self._read]
        self._read += 1
        return message

    async def ask(self, text: str, timeout: float = BOT_WAIT) -> ChatMessage:
        """Send text and return the bot's first answer."""
        await self.send(text)
        return await self.reply(timeout)

    async def press(
        self, label: str, message: ChatMessage | None = None, timeout: float = BOT_WAIT
    ) -> dict[str, Any]:
        """Press an inline button by its label; returns the callback answer once given."""
        self._read = len(self.messages)
        target = message or next(m for m in reversed(self.messages) if label in m.buttons())
        callback_id = await self.fake.user_presses(self.user, target, label)
        return await self._answer(callback_id, timeout)

    async def press_data(
        self, data: str, message: ChatMessage, timeout: float = BOT_WAIT
    ) -> dict[str, Any]:
        self._read = len(self.messages)
        callback_id = await self.fake.user_sends_callback(self.user, message, data)
        return await self._answer(callback_id, timeout)

    async def _answer(self, callback_id: str, timeout: float) -> dict[str, Any]:
        answers = self.fake.callback_answers
        await self.fake.wait_for(lambda: callback_id in answers, timeout)
        return answers[callback_id]
