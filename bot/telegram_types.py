"""aiogram's Bot API types, each built the first time it is used instead of all at import.

`import aiogram.types` ends by calling `model_rebuild()` on every one of its ~440 types, and
pydantic builds a validator for each, every one holding its own copy of the nested types it
reaches: 165 MB of what was a 203 MB bot, for types it never meets. aiogram already declares
them `defer_build=True`; only that loop forces the builds. `defer_builds()` lets the import run
with the loop's rebuilds held back: each type keeps the loop's namespace, so pydantic resolves its
forward references when the type is first validated or serialised, exactly as the loop would
have, and builds only that type.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel


def defer_builds() -> None:
    """Import aiogram's types with their validators left to be built on first use.

    Call it before anything imports aiogram (`crmbot run`, the tests and the benchmarks do);
    afterwards it does nothing.
    """
    if "aiogram.types" in sys.modules:
        return
    with _rebuilds_held_back() as namespace:
        import aiogram.types
    import aiogram.methods
    from aiogram.methods.base import Request, Response

    # The methods are built as their classes are made, and those that reach a type fail there
    # for want of the types' namespace; they are built again on first use, this time with it.
    # Response[...] made later inherits Response's.
    for model in (Request, Response, *vars(aiogram.methods).values()):
        if isinstance(model, type) and issubclass(model, BaseModel):
            model.__pydantic_parent_namespace__ = namespace


def warm_up() -> None:
    """Build what every update and the sends of a press need, so that the first press after a
    start does not wait a quarter of a second for them."""
    from aiogram import methods, types
    from aiogram.methods.base import Response

    for model in (types.Update, types.Message):
        model.model_rebuild()
    for method in (
        methods.GetUpdates,
        methods.SendMessage,
        methods.EditMessageText,
        methods.EditMessageReplyMarkup,
        methods.AnswerCallbackQuery,
    ):
        method.model_rebuild()
        Response[method.__returning__].model_rebuild()  # what the session parses the answer with


@contextmanager
def _rebuilds_held_back() -> Iterator[dict[str, Any]]:
    """Hold back the rebuilds that name a types namespace; yields that namespace, once filled."""
    original = BaseModel.__dict__["model_rebuild"]
    held: dict[str, Any] = {}

    def hold_back(cls: type[BaseModel], **kwargs: Any) -> bool | None:
        namespace = kwargs.get("_types_namespace")
        if namespace is None or kwargs.get("force"):
            return original.__func__(cls, **kwargs)
        # What pydantic's first-use rebuild reads besides the caller's frame (see
        # BaseModel.model_rebuild). One dict for all the types: pydantic only reads it.
        cls.__pydantic_parent_namespace__ = namespace
        held.update(namespace)
        return None

    BaseModel.model_rebuild = classmethod(hold_back)  # type: ignore[method-assign,assignment]
    try:
        yield held
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
