"""Joining the team by invitation, end to end through the fake Telegram (R1.1, R1.2, R1.4)."""

from __future__ import annotations

import re
from typing import Any

from domain.model import Member, Role
from handlers.callbacks import ProfileAction, ProfileCb, TeamAction, TeamCb
from handlers.middlewares import REFUSE_INACTIVE
from tests.fake_telegram import TelegramUser
from tests.support import RunningBot

LINK = re.compile(r"https://t\.me/crm_test_bot\?start=([A-Za-z0-9_-]+)")


async def members(bot: RunningBot) -> list[Member]:
    async with bot.app.uow_factory() as uow:
        return sorted(await uow.members.everyone(), key=lambda member: member.id or 0)


async def admin_invites(admin: TelegramUser, role_label: str, department: str, *, new: bool) -> str:
    """The admin's /invite walk; returns the token of the link he gets."""
    await admin.send("/invite")
    question = await admin.reply()
    assert question.text == "Кого приглашаем?"
    await admin.press(role_label, question)
    if new:
        await admin.press("➕ Новый отдел", question)
        await admin.ask(department)
        text = admin.messages[-1].text
        assert f"Отдел «{department}» создан." in text
    else:
        await admin.press(department, question)
        text = question.text
    match = LINK.search(text)
    assert match, text
    return match.group(1)


async def join(
    user: TelegramUser,
    token: str,
    full_name: str = "Петров Пётр Петрович",
    phone: str = "8 912 123-45-67",
    e164: str = "+79121234567",
) -> Any:
    welcome = await user.ask(f"/start {token}")
    assert "Добро пожаловать" in welcome.text
    assert (await user.ask(full_name)).text.startswith("Ваш рабочий телефон?")
    assert user.reply_keyboard == ["📱 Отправить мой номер"]
    assert e164 in (await user.ask(phone)).text
    await user.ask("petr@example.ru")
    summary = await user.ask("Менеджер по продажам")
    assert "Проверьте профиль" in summary.text
    return await user.press("✅ Всё верно", summary)


async def test_admin_is_bootstrapped_from_settings(
    running_bot: RunningBot, admin: TelegramUser, fake: Any
) -> None:
    reply = await admin.ask("/start")
    assert reply.text.startswith("Здравствуйте, Анна Админова! Вы — администратор.")
    rows = await members(running_bot)
    assert [(row.telegram_id, row.role) for row in rows] == [(admin.id, Role.ADMIN)]
    assert fake.webhook_deleted == 1
    assert [c["command"] for c in fake.commands][:3] == ["start", "help", "invite"]
    assert "Главное меню" in [c["description"] for c in fake.commands]


async def test_admins_first_start_offers_to_create_a_department(
    running_bot: RunningBot, admin: TelegramUser, user_factory: Any
) -> None:
    first = await admin.ask("/start")
    assert first.text.splitlines() == [
        "Здравствуйте, Анна Админова! Вы — администратор.",
        "Отделов пока нет. Создайте первый: бот спросит название и даст ссылку-приглашение "
        "для руководителя отдела.",
    ]
    assert first.buttons() == ["Создать отдел"]
    await admin.press("Создать отдел", first)
    assert first.text == "Как назовём новый отдел? Напишите название."
    created = await admin.ask("Продажи")
    assert created.text.startswith("Отдел «Продажи» создан.")
    assert "Приглашение: руководитель отдела в отдел «Продажи»." in created.text
    assert admin.reply_keyboard[:3] == ["Лиды", "Сделки", "Задачи"]  # R1.4
    assert "Пригласить" in admin.reply_keyboard
    link = LINK.search(created.text)
    assert link
    await join(user_factory("Борис"), link.group(1))

    again = await admin.ask("/start")  # a department exists: the menu, nothing to create
    assert again.text == "Здравствуйте, Анна Админова! Вы — администратор. Выберите раздел."
    assert again.buttons() == []
    assert admin.reply_keyboard[:3] == ["Лиды", "Сделки", "Задачи"]
    async with running_bot.app.uow_factory() as uow:
        assert [d.name for d in await uow.departments.all()] == ["Продажи"]
        roles = sorted(m.role.value for m in await uow.members.everyone())
    assert roles == ["admin", "supervisor"]


def warnings_of(caplog: Any, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger and r.levelname == "WARNING"]


async def test_owner_without_admin_ids_is_told_how_to_become_the_admin(
    bot_factory: Any, fake: Any, user_factory: Any, caplog: Any
) -> None:
    first = await bot_factory(admin_ids=[])
    [warning] = warnings_of(caplog, "bot.app")
    assert warning.startswith("no admins configured: ADMIN_IDS is empty")
    assert "ADMIN_IDS=<your id> in .env and restart" in warning

    owner = TelegramUser(fake, "Олег", user_id=777_001)
    reply = await owner.ask("/start")
    assert reply.text.splitlines() == [
        "У бота ещё нет администратора. Если бот ваш, назначьте себя:",
        "1. Ваш Telegram id: 777001",
        "2. Впишите в файл .env строку ADMIN_IDS=777001",
        "3. Перезапустите бота и снова отправьте /start.",
    ]
    [told] = warnings_of(caplog, "handlers.onboarding")
    assert told == (
        "no admin yet: user 777001 sent /start; to make him the admin, put ADMIN_IDS=777001 "
        "in .env and restart"
    )
    # Anything but /start is still refused: nobody is in the team.
    assert (await owner.ask("Лиды")).text.startswith("Этот бот — рабочий инструмент")
    assert await stored_rows(first) == {"fsm_states": 0, "invitations": 0, "members": 0}

    # He does as told.
    await first.stop()
    caplog.clear()
    second = await bot_factory(admin_ids=[owner.id])
    assert warnings_of(caplog, "bot.app") == []
    reply = await owner.ask("/start")
    assert reply.text.startswith("Здравствуйте, Олег! Вы — администратор.")
    assert reply.buttons() == ["Создать отдел"]

    # ADMIN_IDS emptied again: an admin is in the database, so strangers are refused again.
    await second.stop()
    caplog.clear()
    await bot_factory(admin_ids=[])
    assert warnings_of(caplog, "bot.app") == []
    stranger = user_factory("Иван")
    refusal = await stranger.ask("/start")
    assert refusal.text.startswith("Этот бот — рабочий инструмент отдела продаж")
    assert warnings_of(caplog, "handlers.onboarding") == []


async def test_newcomer_joins_by_invitation(
    running_bot: RunningBot, admin: TelegramUser, user_factory: Any
) -> None:
    await admin.ask("/start")
    token = await admin_invites(admin, "Менеджер", "Продажи B2B", new=True)

    newcomer = user_factory("Пётр", "Петров")
    welcome = await newcomer.ask(f"/start {token}")
    assert "менеджер в отдел «Продажи B2B»" in welcome.text
    assert newcomer.reply_keyboard == ["Пётр Петров"]  # the Telegram name, one tap away
    await newcomer.ask("Петров Пётр Петрович")

    refused = await newcomer.ask("12-34")
    assert refused.text.startswith("Это не похоже на номер телефона")
    refused = await newcomer.ask("+7 000 000 00 00")
    assert refused.text.startswith("Такого номера не бывает")
    assert "+79121234567" in (await newcomer.ask("+7 (912) 123 45 67")).text

    assert (await newcomer.ask("petr@")).text.startswith("Это не похоже на адрес e-mail")
    await newcomer.ask("Petr@Example.RU")
    summary = await newcomer.ask("Менеджер по продажам")
    assert summary.text.splitlines()[1:] == [
        "ФИО: Петров Пётр Петрович",
        "Телефон: +79121234567",
        "E-mail: Petr@example.ru",
        "Должность: Менеджер по продажам",
    ]
    answer = await newcomer.press("✅ Всё верно", summary)
    assert answer["text"] == "Профиль сохранён, вы в команде."
    menu = newcomer.last
    assert "Вы — менеджер." in menu.text
    assert newcomer.reply_keyboard[:3] == ["Лиды", "Сделки", "Задачи"]
    assert "Пригласить" not in newcomer.reply_keyboard

    rows = await members(running_bot)
    joined = rows[-1]
    assert (
        joined.telegram_id,
        joined.full_name,
        joined.phone,
        joined.email,
        joined.position,
        joined.role,
        joined.active,
    ) == (
        newcomer.id,
        "Петров Пётр Петрович",
        "+79121234567",
        "Petr@example.ru",
        "Менеджер по продажам",
        Role.MANAGER,
        True,
    )
    assert joined.department_id is not None

    async with running_bot.app.uow_factory() as uow:
        invitation = await uow.invitations.by_token(token)
    assert invitation is not None and invitation.used_by == joined.id

    # The same link a second time, by someone else: refused, nothing created.
    latecomer = user_factory("Сидор")
    refused = await latecomer.ask(f"/start {token}")
    assert refused.text.startswith("Это приглашение уже использовано")
    assert len(await members(running_bot)) == 2


async def test_phone_shared_as_contact_must_be_ones_own(
    running_bot: RunningBot, admin: TelegramUser, user_factory: Any
) -> None:
    await admin.ask("/start")
    token = await admin_invites(admin, "Офис-менеджер", "Розница", new=True)
    newcomer = user_factory("Ольга")
    await newcomer.ask(f"/start {token}")
    await newcomer.ask("Ольгина Ольга")
    await newcomer.share_contact("+79123334455", own=False)
    assert (await newcomer.reply()).text.startswith("Это чужой контакт")
    await newcomer.share_contact("79123334455")
    assert "+79123334455" in (await newcomer.reply()).text


async def stored_rows(bot: RunningBot) -> dict[str, int]:
    from sqlalchemy import func, select

    from storage.tables import FsmStateRow, InvitationRow, MemberRow

    async with bot.app.uow_factory() as uow:
        return {
            table.__tablename__: int(
                await uow.session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in (FsmStateRow, InvitationRow, MemberRow)
        }


async def test_stranger_and_bad_tokens_are_refused(
    running_bot: RunningBot, user_factory: Any, clock: Any
) -> None:
    stranger = user_factory("Иван")
    for attempt in ("/start", "привет", "/help"):
        refusal = await stranger.ask(attempt)
        assert refusal.text.startswith("Этот бот — рабочий инструмент отдела продаж")
    refusal = await stranger.ask("/start no-such-token")
    assert refusal.text.startswith("Приглашение не найдено")
    assert await stored_rows(running_bot) == {"fsm_states": 0, "invitations": 0, "members": 0}


async def test_expired_invitation_is_refused(
    running_bot: RunningBot, admin: TelegramUser, user_factory: Any, clock: Any
) -> None:
    await admin.ask("/start")
    token = await admin_invites(admin, "Руководитель отдела", "Опт", new=True)
    clock.advance(hours=72, seconds=1)
    late = user_factory("Поздний")
    refusal = await late.ask(f"/start {token}")
    assert refusal.text.startswith("Срок действия приглашения истёк")
    assert len(await members(running_bot)) == 1


async def test_supervisor_invites_and_deactivates(
    running_bot: RunningBot, admin: TelegramUser, user_factory: Any
) -> None:
    await admin.ask("/start")
    token = await admin_invites(admin, "Руководитель отдела", "Опт", new=True)
    boss = user_factory("Борис")
    await join(boss, token, "Борисов Борис", "+7 912 000-11-22", "+79120001122")
    assert "Команда" in boss.reply_keyboard

    await boss.send("/invite")
    question = await boss.reply()
    assert question.buttons() == ["Менеджер", "Офис-менеджер"]
    await boss.press("Менеджер", question)
    match = LINK.search(question.text)
    assert match and "в отдел «Опт»" in question.text
    worker = user_factory("Пётр")
    await join(worker, match.group(1))
    assert (await worker.ask("Сделки")).text.startswith("Раздел «Сделки» скоро появится")

    team = await boss.ask("/team")
    assert "• Петров Пётр Петрович — менеджер" in team.text
    assert team.buttons() == ["🚫 Отключить: Петров Пётр Петрович"]
    await boss.press("🚫 Отключить: Петров Пётр Петрович", team)
    assert team.buttons() == ["Да, отключить: Петров Пётр Петрович", "Отмена"]
    answer = await boss.press("Да, отключить: Петров Пётр Петрович", team)
    assert answer["text"] == "Петров Пётр Петрович: доступ отключён"
    assert "— менеджер — доступ отключён" in team.text

    refusal = await worker.ask("Лиды")
    assert refusal.text.startswith("Ваш доступ к боту отключён")
    refusal = await worker.ask("/start")
    assert refusal.text.startswith("Ваш доступ к боту отключён")
    old_menu = next(m for m in worker.messages if "Проверьте профиль" in m.text)
    data = ProfileCb(action=ProfileAction.SAVE).pack()
    answer = await worker.press_data(data, old_menu)
    assert answer == {"text": REFUSE_INACTIVE, "show_alert": True}
    rows = await members(running_bot)
    assert [row.active for row in rows if row.telegram_id == worker.id] == [False]

    # «Отключить» pressed on an old copy of the list is not turned into «Да, включить».
    worker_id = next(row.id for row in rows if row.telegram_id == worker.id)
    stale = TeamCb(action=TeamAction.ASK_OFF, member_id=worker_id).pack()
    assert (await boss.press_data(stale, team))["text"] == "Уже сделано: список обновлён."
    # Switched off by mistake: the supervisor gives the access back, and he works again.
    assert team.buttons() == ["✅ Включить: Петров Пётр Петрович"]
    await boss.press("✅ Включить: Петров Пётр Петрович", team)
    assert team.buttons() == ["Да, включить: Петров Пётр Петрович", "Отмена"]
    answer = await boss.press("Да, включить: Петров Пётр Петрович", team)
    assert answer["text"] == "Петров Пётр Петрович: доступ снова открыт"
    assert team.buttons() == ["🚫 Отключить: Петров Пётр Петрович"]
    assert (await worker.ask("Сделки")).text.startswith("Раздел «Сделки» скоро появится")


async def test_manager_cannot_invite_or_manage(
    running_bot: RunningBot, admin: TelegramUser, user_factory: Any
) -> None:
    await admin.ask("/start")
    token = await admin_invites(admin, "Менеджер", "Опт", new=True)
    worker = user_factory("Пётр")
    await join(worker, token)
    assert (await worker.ask("/invite")).text.startswith("Приглашать сотрудников могут")
    assert (await worker.ask("/team")).text.startswith("Список отдела доступен")
    help_text = (await worker.ask("/help")).text
    assert "/invite" not in help_text and "/profile" in help_text


async def test_unexpected_failure_is_logged_with_the_update_id_and_told_to_the_user(
    running_bot: RunningBot, admin: TelegramUser, fake: Any, caplog: Any
) -> None:
    await admin.ask("/start")
    fake.fail(500, method="sendMessage", times=1)
    reply = await admin.ask("/help")
    assert reply.text.startswith("Что-то пошло не так, и действие не выполнено.")
    failures = [r for r in caplog.records if r.name == "handlers.errors"]
    assert len(failures) == 1
    assert re.fullmatch(r"update \d+ failed", failures[0].getMessage())
    assert fake.token not in caplog.text


async def test_names_with_html_and_menu_taps_mid_question(
    running_bot: RunningBot, admin: TelegramUser, user_factory: Any
) -> None:
    await admin.ask("/start")
    await admin.send("/invite")
    question = await admin.reply()
    await admin.press("Менеджер", question)
    await admin.press("➕ Новый отдел", question)
    # A tap on the persistent menu is the menu, not the department's name.
    assert (await admin.ask("Помощь")).text.startswith("Что умеет бот")
    created = await admin.ask("<B2B> & Co")
    assert created.text.startswith("Отдел «<B2B> & Co» создан.")
    token = LINK.search(created.text)
    assert token
    newcomer = user_factory("Лев")
    welcome = await newcomer.ask(f"/start {token.group(1)}")
    assert "в отдел «<B2B> & Co»" in welcome.text
    await newcomer.ask("<script> Лев")
    await newcomer.ask("+7 912 555-66-77")
    await newcomer.ask("lev@example.ru")
    summary = await newcomer.ask("Менеджер & <друг>")
    assert "ФИО: <script> Лев" in summary.text and "Должность: Менеджер & <друг>" in summary.text
    await newcomer.press("✅ Всё верно", summary)
    assert newcomer.last.text.startswith("Профиль сохранён")
