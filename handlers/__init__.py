"""aiogram routers, one per feature, built fresh for each dispatcher, asked in this order."""

from aiogram import Router


def routers() -> list[Router]:
    from handlers import (
        checklist,
        deal_card,
        errors,
        escalations,
        invite,
        lead_card,
        lead_lists,
        lead_new,
        menu,
        onboarding,
        profile,
        search,
        settings,
        team,
    )

    return [
        errors.router(),
        onboarding.router(),
        profile.router(),
        invite.router(),
        team.router(),
        lead_lists.router(),
        checklist.router(),
        lead_card.router(),
        deal_card.router(),
        lead_new.router(),
        escalations.router(),
        settings.router(),
        menu.router(),
        search.router(),
        menu.fallback_router(),
    ]
