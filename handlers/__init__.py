"""aiogram routers, one per feature, built fresh for each dispatcher, asked in this order."""

from aiogram import Router


def routers() -> list[Router]:
    from handlers import errors, invite, menu, onboarding, team

    return [
        errors.router(),
        onboarding.router(),
        invite.router(),
        team.router(),
        menu.router(),
        menu.fallback_router(),
    ]
