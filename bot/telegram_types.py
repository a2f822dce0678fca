"""aiogram's Bot API types, each built the first time it is used instead of all at import.

`import aiogram.types` ends by calling `model_rebuild()` on every one of its ~440 types, and
pydantic builds a validator for each, every one holding its own copy of the nested types it
reaches: 165 MB of what was a 203 MB bot, for types it never meets. aiogram already declares
them `defer_build=True`; only that loop forces the builds. `defer_builds()` lets the import run
with the loop's rebuilds held back and leaves the loop's namespace where pydantic looks when a
type is first validated or serialised, so it resolves the forward references as the loop would
have and builds only that type.
"""

from __future__ import annotations

import builtins
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

log = logging.getLogger(__name__)

# The builtins aiogram's annotations name, looked up ahead of whatever the frame that first
# uses a type happens to call its locals.
_BUILTINS = {name: getattr(builtins, name) for name in ("list", "dict", "str", "int", "float")}
_namespace: dict[str, Any] = {}
# The answers' models `warm_up` built. pydantic caches a parametrized generic (`Response[bool]`)
# by a weak reference only: nothing else holds these, so each was dropped at the next garbage
# collection and built anew for a later call, a quarter of the bot's CPU under presses (#13).
_kept: list[type[BaseModel]] = []


def defer_builds() -> None:
    """Import aiogram's types with their validators left to be built on first use.

    Call it before anything imports aiogram (`crmbot run`, the tests and the benchmarks do).
    """
    if "aiogram.types" in sys.modules and not _namespace:
        log.warning("aiogram was imported first: its types are all built, at 165 MB")
        return
    if not _namespace:
        with _rebuilds_held_back(_namespace):
            import aiogram.types  # noqa: F401
    _share(_namespace)


def _share(namespace: dict[str, Any]) -> None:
    """Where pydantic resolves a name: the class's parent namespace when it builds an aiogram
    model, the module's globals when it builds a model of ours that holds aiogram types."""
    import aiogram.methods
    import aiogram.types
    from aiogram.methods.base import Request, Response

    models = [Request, Response]  # Response[...] made later inherits Response's
    for package in (aiogram.types, aiogram.methods):
        models += [m for m in vars(package).values() if isinstance(m, type)]
    for model in models:
        if not issubclass(model, BaseModel):
            continue
        model.__pydantic_parent_namespace__ = namespace
        module = vars(sys.modules[model.__module__])
        for name in _names_in(model):
            if name in namespace:
                module.setdefault(name, namespace[name])


def _names_in(model: type[BaseModel]) -> set[str]:
    """The names its own annotations use (aiogram's are strings: `from __future__`)."""
    names: set[str] = set()
    for annotation in vars(model).get("__annotations__", {}).values():
        if isinstance(annotation, str):
            names.update(re.findall(r"[A-Za-z_]\w*", annotation))
    return names


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
        answer = Response[method.__returning__]  # what the session parses the answer with
        answer.model_rebuild()
        _kept.append(answer)


@contextmanager
def _rebuilds_held_back(namespace: dict[str, Any]) -> Iterator[None]:
    """Hold back the rebuilds of aiogram.types' closing loop, and fill `namespace` with the
    namespace it names."""
    original = BaseModel.__dict__["model_rebuild"]

    def hold_back(cls: type[BaseModel], **kwargs: Any) -> bool | None:
        names = kwargs.get("_types_namespace")
        called_from = sys._getframe(1).f_globals.get("__name__")
        if names is None or kwargs.get("force") or called_from != "aiogram.types":
            return original.__func__(cls, **kwargs)
        if not namespace:
            namespace.update(_BUILTINS, **names)
        return None

    BaseModel.model_rebuild = classmethod(hold_back)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]
