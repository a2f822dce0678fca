"""aiogram's types built on first use (bot/telegram_types.py) are the types aiogram builds.

Each check runs in a fresh interpreter: in this one, other tests have built types already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

DEFER = "from bot.telegram_types import defer_builds; defer_builds()\n"


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_crmbot_defers_before_anything_imports_aiogram() -> None:
    """`crmbot run` calls defer_builds() itself: nothing it imports first may bring aiogram."""
    assert run_python("import sys, bot.cli; print('aiogram' in sys.modules)").strip() == "False"


def test_importing_the_bot_leaves_aiogram_types_unbuilt_until_used() -> None:
    state = json.loads(
        run_python(
            DEFER + "import json\n"
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
from aiogram import methods, types
from aiogram.methods.base import Response
from aiogram.utils.chat_member import ChatMemberAdapter
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, models_json_schema


class Ours(BaseModel):  # a model of ours holding aiogram types, built before they are
    message: types.Message
    markup: types.InlineKeyboardMarkup | None = None


class NamingFiles(GenerateJsonSchema):
    \"\"\"Names the class of a field JSON cannot describe (InputFile) instead of failing.\"\"\"

    def is_instance_schema(self, schema):
        return {"instance of": schema["cls"].__qualname__}


def first_use(model):
    return model.__pydantic_validator__.validate_python


ours = Ours.model_validate({
    "message": {"message_id": 1, "date": 0, "chat": {"id": 2, "type": "private"}, "text": "hi"},
    "markup": {"inline_keyboard": [[{"text": "В работу", "callback_data": "ld:go"}]]},
})
member = ChatMemberAdapter.validate_python(
    {"status": "member", "user": {"id": 3, "is_bot": False, "first_name": "Анна"}}
)
full_info = TypeAdapter(types.ChatFullInfo).json_schema()
# Methods first: one built before the types it reaches must find them by itself.
failed, models = [], {}
for module in (methods, types):
    for name in module.__all__:
        model = getattr(module, name)
        if isinstance(model, type) and issubclass(model, BaseModel):
            try:
                first_use(model)
                models[name] = model
            except Exception as error:
                failed.append(f"{name}: {error}")
models["Response[Message]"] = Response[types.Message]
models["Ours"] = Ours
# One schema of every model at once: each model's definition and every type it reaches, each
# written once (a schema per model wrote the nested types over and over: 10 MB, a minute).
refs, every = models_json_schema(
    [(model, "validation") for model in models.values()], schema_generator=NamingFiles
)
definitions = every["$defs"]
schemas = {}
for name, model in models.items():
    ref = refs[(model, "validation")]["$ref"]
    schemas[name] = {"ref": ref, "definition": definitions[ref.rsplit("/", 1)[1]]}
schemas["ChatFullInfo adapter"] = full_info
print(json.dumps({
    "failed": failed,
    "schemas": schemas,
    "definitions": definitions,
    "ours": [ours.message.text, ours.markup.inline_keyboard[0][0].text],
    "member": [type(member).__name__, member.user.first_name],
}, default=str))
"""


def test_every_aiogram_type_and_method_builds_on_first_use_as_aiogram_builds_it() -> None:
    with ThreadPoolExecutor(2) as pool:
        deferred, eager = pool.map(
            lambda code: json.loads(run_python(code)),
            [DEFER + BUILD_EVERY_MODEL, BUILD_EVERY_MODEL],
        )

    assert deferred["failed"] == eager["failed"] == []
    assert deferred["ours"] == ["hi", "В работу"]
    assert deferred["member"] == ["ChatMemberMember", "Анна"]
    assert len(deferred["schemas"]) > 500
    assert deferred["schemas"] == eager["schemas"]
    assert deferred["definitions"] == eager["definitions"]
