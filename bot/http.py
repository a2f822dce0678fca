"""The bot's HTTP endpoints, in the bot's own event loop: lead intake (R2.3) and health."""

from __future__ import annotations

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
from domain.services import leads
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
KNOWN_FIELDS = {f.value for f in LeadField} | {"source", "external_id"}
UOW = web.AppKey("uow_factory", SqlUnitOfWorkFactory)
CLOCK = web.AppKey("clock", object)
SETTINGS = web.AppKey("settings", Settings)


def _reply(code: int, **body: Any) -> web.Response:
    return web.json_response(body, status=code, dumps=lambda o: json.dumps(o, ensure_ascii=False))


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
        errors[name] = "неизвестное поле"
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
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _reply(413, error="слишком большой запрос")
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
    try:
        async with request.app[UOW]() as uow:
            await uow.session.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("health check: the database does not answer: %r", error)
        return _reply(503, status="database unavailable")
    return _reply(200, status="ok")


def build_http_app(
    uow_factory: SqlUnitOfWorkFactory, clock: Clock, settings: Settings
) -> web.Application:
    app = web.Application(client_max_size=settings.intake_max_body_bytes)
    app[UOW] = uow_factory
    app[CLOCK] = clock
    app[SETTINGS] = settings
    app.router.add_post("/api/v1/leads", post_lead)
    app.router.add_get("/healthz", healthz)
    return app


class HttpServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        self._host, self._port = host, port

    async def start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("HTTP endpoints on http://%s:%s", self._host, self._port)

    async def stop(self) -> None:
        await self._runner.cleanup()
