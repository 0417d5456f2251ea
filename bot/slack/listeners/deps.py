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
