"""aiogram's types built on first use (bot/telegram_types.py) are the types aiogram builds.

Each check runs in a fresh interpreter: in this one, other tests have built types already.
"""

from __future__ import annotations

import json
import subprocess
import sys


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_bot_leaves_aiogram_types_unbuilt_until_used() -> None:
    state = json.loads(
        run_python(
            "import json\n"
            "from bot.telegram_types import defer_builds\n"
            "defer_builds()\n"
            "import bot.app\n"
            "from aiogram import types\n"
            "models = [getattr(types, n) for n in types.__all__]\n"
            "models = [m for m in models if hasattr(m, '__pydantic_complete__')]\n"
            "built = sum(m.__pydantic_complete__ for m in models)\n"
            "update = types.Update.model_validate({'update_id': 1, 'message': {\n"
            "    'message_id': 2, 'date': 0, 'chat': {'id': 3, 'type': 'private'},\n"
            "    'contact': {'phone_number': '+79001234567', 'first_name': 'Анна'}}})\n"
            "print(json.dumps({'models': len(models), 'built': built,\n"
            "    'phone': update.message.contact.phone_number,\n"
            "    'update_built': types.Update.__pydantic_complete__}))\n"
        )
    )
    assert state["models"] > 400
    assert state["built"] < 10
    assert state["phone"] == "+79001234567"
    assert state["update_built"] is True


BUILD_EVERY_MODEL = """
import json
{prelude}
from aiogram import methods, types
from aiogram.methods.base import Response
from pydantic import BaseModel

def first_use(model):
    return model.__pydantic_validator__.validate_python

# Methods first: one built before the types it reaches must find them by itself.
failed, built = [], 0
for module in (methods, types):
    for name in module.__all__:
        model = getattr(module, name)
        if isinstance(model, type) and issubclass(model, BaseModel):
            try:
                first_use(model)
                built += 1
            except Exception as error:
                failed.append(f"{{name}}: {{error}}")
schemas = {{
    model.__name__: model.model_json_schema()
    for model in (types.Update, methods.SendMessage, methods.AnswerCallbackQuery)
}}
schemas["Response[Message]"] = Response[types.Message].model_json_schema()
print(json.dumps({{"failed": failed, "built": built, "schemas": schemas}}, default=str))
"""


def test_every_aiogram_type_and_method_builds_on_first_use_as_aiogram_builds_it() -> None:
    deferred = json.loads(
        run_python(
            BUILD_EVERY_MODEL.format(
                prelude="from bot.telegram_types import defer_builds; defer_builds()"
            )
        )
    )
    eager = json.loads(run_python(BUILD_EVERY_MODEL.format(prelude="import aiogram")))

    assert deferred["failed"] == []
    assert deferred["built"] == eager["built"] > 500
    assert deferred["schemas"] == eager["schemas"]
