"""The bot's HTTP endpoints, in the bot's own event loop: lead intake (R2.3) and health."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bot.settings import Settings
from domain.errors import DomainError, InvalidInput
from domain.lead_fields import (
    EXTERNAL_ID_MAX,
    LeadField,
    clean_fields,
    parse_source,
    reachability_error,
)
from domain.ports import Clock
from domain.services import leads, recipients
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
KNOWN_FIELDS = {f.value for f in LeadField} | {"source", "external_id"}
UOW = web.AppKey("uow_factory", SqlUnitOfWorkFactory)
CLOCK = web.AppKey("clock", object)
SETTINGS = web.AppKey("settings", Settings)
READ_TIMEOUT = web.AppKey("read_timeout", float)
# Seconds a client has to send a request's head (from connecting, or from the previous answer),
# then as many for its body: a slow client is cut off, it never holds a connection (#12).
REQUEST_READ_SECONDS = 5.0


def _json(body: Any) -> str:
    """Readable UTF-8 JSON, or all-ASCII JSON when a lone surrogate in it cannot be UTF-8."""
    text = json.dumps(body, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(body)
    return text


def _reply(code: int, **body: Any) -> web.Response:
    return web.json_response(body, status=code, dumps=_json)


def _shown(name: str) -> str:
    """A client's key as an error body can show it: a lone surrogate as its escape."""
    return name.encode("utf-8", "backslashreplace").decode()


def _json_content(request: web.Request) -> bool:
    """`Content-Type: application/json`, UTF-8 if a charset is given (JSON is UTF-8)."""
    charset = (request.charset or "utf-8").lower()
    return request.content_type == "application/json" and charset in ("utf-8", "utf8")


def _authorised(request: web.Request) -> bool:
    token = request.app[SETTINGS].intake_token
    if token is None:
        return False
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    # surrogatepass: a header of bytes that are not UTF-8 reaches here with surrogates in it.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogatepass"), token.get_secret_value().encode()
    )


def validate(body: object) -> tuple[dict[LeadField, str], Any, str | None, dict[str, str]]:
    """The lead in a JSON body: values, source, external id, and an error per field."""
    if not isinstance(body, dict):
        return {}, None, None, {"body": "ожидается JSON-объект с полями лида"}
    values, errors = clean_fields(body)
    for name in sorted(set(body) - KNOWN_FIELDS):
        errors[_shown(name)] = "неизвестное поле"
    source = None
    try:
        source = parse_source(body.get("source"))
    except InvalidInput as error:
        errors["source"] = error.message
    external_id = body.get("external_id")
    if isinstance(external_id, str):
        external_id = external_id.strip()
    if external_id is not None:
        if not isinstance(external_id, str) or not external_id:
            errors["external_id"] = "ожидается непустая строка"
        elif not external_id.isprintable():
            errors["external_id"] = "только печатные символы"
        elif len(external_id) > EXTERNAL_ID_MAX:
            errors["external_id"] = f"не длиннее {EXTERNAL_ID_MAX} символов"
    problem = reachability_error(values)
    if problem and not any(f in errors for f in ("phone", "email", "name", "last_name")):
        errors["contact"] = problem
    return values, source, external_id, errors


async def post_lead(request: web.Request) -> web.Response:
    if not _authorised(request):
        return _reply(401, error="нужен заголовок Authorization: Bearer <INTAKE_TOKEN>")
    if not _json_content(request):
        return _reply(415, error="нужен заголовок Content-Type: application/json")
    seconds = request.app[READ_TIMEOUT]
    try:
        async with asyncio.timeout(seconds):
            raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _reply(413, error="слишком большой запрос")
    except TimeoutError:
        log.info("intake: a client took over %s s to send its body, cut off", seconds)
        return _reply(408, error=f"тело запроса не пришло за {seconds:g} с")
    except ConnectionError:
        log.info("intake: a client hung up before its body arrived whole")
        return _reply(400, error="соединение закрыто до конца запроса")  # nobody reads it
    except web.RequestPayloadError as error:  # a Content-Encoding the body is not in
        log.info(
            "intake: a body that cannot be decoded (%s)", type(error.__cause__ or error).__name__
        )
        return _reply(400, error="тело запроса не читается")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _reply(422, errors={"body": "это не JSON"})
    except RecursionError:  # thousands of nested arrays fit in the size limit
        return _reply(422, errors={"body": "слишком глубокая вложенность"})
    values, source, external_id, errors = validate(body)
    if errors:
        return _reply(422, errors=errors)
    settings = request.app[SETTINGS]
    clock: Clock = request.app[CLOCK]  # type: ignore[assignment]
    async with request.app[UOW]() as uow:
        try:
            department_id = await leads.intake_department(uow, settings.intake_department)
            intake = await leads.create_lead(
                uow,
                values=values,
                source=source,
                department_id=department_id,
                creator=None,
                now=clock.now(),
                external_id=external_id,
            )
        except DomainError as error:
            log.error("intake refused a valid lead: %s", error.message)
            return _reply(503, error=error.message)
    lead = intake.lead
    return _reply(
        201 if intake.created else 200, id=lead.id, status=lead.status.value, title=lead.title
    )


async def healthz(request: web.Request) -> web.Response:
    """200 while the database answers; `warnings` lists what needs people now (#12: a
    department whose new leads or breaches nobody can be told of)."""
    try:
        async with request.app[UOW]() as uow:
            await uow.session.execute(text("SELECT 1"))
            warnings = await recipients.unreached(uow)
    except Exception as error:
        log.warning("health check: the database does not answer: %r", error)
        return _reply(503, status="database unavailable")
    if warnings:
        return _reply(200, status="ok", warnings=warnings)
    return _reply(200, status="ok")


def build_http_app(
    uow_factory: SqlUnitOfWorkFactory,
    clock: Clock,
    settings: Settings,
    *,
    read_timeout: float = REQUEST_READ_SECONDS,
) -> web.Application:
    app = web.Application(client_max_size=settings.intake_max_body_bytes)
    app[UOW] = uow_factory
    app[CLOCK] = clock
    app[SETTINGS] = settings
    app[READ_TIMEOUT] = read_timeout
    app.router.add_post("/api/v1/leads", post_lead)
    app.router.add_get("/healthz", healthz)
    return app


class _Connection(web.RequestHandler):
    """aiohttp's handler of one connection, with two mends (#12). What it cannot parse as HTTP
    is refused without quoting it, in the answer or the log: the line quoted could be
    `Authorization: Bearer <INTAKE_TOKEN>` with a NUL after it. That happens before any route,
    so no middleware sees it and it cannot be told from other bad HTTP: `400`, not `401`. And
    the rest of a body that cannot be decoded is no error of ours to log."""

    __slots__ = ()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:
            return super().handle_error(request, status, exc, message)
        log.info("refused a request that is not valid HTTP (%s)", type(exc).__name__)
        response = _reply(status, error="это не HTTP-запрос")
        response.force_close()
        return response

    def log_exception(self, *args: Any, **kwargs: Any) -> None:
        """A body that cannot be decoded was answered `400` already; aiohttp meets its error
        again discarding the rest of it, and would log that as unhandled."""
        if isinstance(kwargs.get("exc_info"), web.RequestPayloadError):
            log.debug("the rest of a body that cannot be decoded is left unread")
            return
        super().log_exception(*args, **kwargs)


class HttpServer:
    """The app on a port, each connection served by `_Connection` (so not aiohttp's `TCPSite`,
    which knows only its own). A request's head must come within the app's read timeout of
    connecting or of the previous answer (aiohttp closes a connection idle that long, part of
    a head or not), its body as long again (else `408`). An answer given before the whole body
    came waits as long for the rest, then the connection closes."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app)
        seconds = app[READ_TIMEOUT]
        self._options: dict[str, Any] = {
            "access_log": None,
            "keepalive_timeout": seconds,
            "lingering_time": seconds,
        }
        self._host, self._port = host, port
        self._server: asyncio.Server | None = None

    def _connection(self) -> web.RequestHandler:
        assert self._runner.server is not None
        return _Connection(self._runner.server, loop=asyncio.get_running_loop(), **self._options)

    async def start(self) -> None:
        await self._runner.setup()
        self._server = await asyncio.get_running_loop().create_server(
            self._connection, self._host, self._port
        )
        log.info("HTTP endpoints on http://%s:%s", self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._runner.cleanup()
        if self._server is not None:
            await self._server.wait_closed()
