"""What every listener needs, handed over at registration (no module-level singletons)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.background.inbox import Inbox, Router
from bot.slack.webapi import PosterProvider


@dataclass
class Deps:
    services: Any  # bot.services.Services
    inbox: Inbox
    router: Router
    posters: PosterProvider
    bot_user_id: str | None = None


def team_of(body: dict[str, Any]) -> str | None:
    """The workspace a payload came from, whatever its shape (event, command, interaction)."""
    team = body.get("team_id") or body.get("team")
    if isinstance(team, dict):
        team = team.get("id")
    if not team:
        user = body.get("user")
        if isinstance(user, dict):
            team = user.get("team_id")
    return team or None
