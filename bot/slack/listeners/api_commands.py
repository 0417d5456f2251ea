"""Answers to the API's `/align` subcommands (tokens, labels, webhooks), quick and in the ack."""

from __future__ import annotations

from typing import Any

from bot.services import Actor, Services
from bot.slack.commands import api_commands as a
from bot.slack.views import api as views

Message = dict[str, Any]


def answer_api(services: Services, actor: Actor, cmd: a.ApiCommand) -> Message:
    api, hooks = services.api, services.webhooks
    if isinstance(cmd, a.TokenCreate):
        return views.token_created_message(api.create_token(actor, cmd.token, cmd.scopes))
    if isinstance(cmd, a.TokenList):
        return views.tokens_message(api.list_tokens(actor))
    if isinstance(cmd, a.TokenRevoke):
        return views.token_revoked_message(api.revoke_token(actor, cmd.token))
    if isinstance(cmd, a.SetLabel):
        move = api.set_label(actor, cmd.name, cmd.version, cmd.label)
        return {**views.label_message(cmd.name, move), "response_type": "in_channel"}
    if isinstance(cmd, a.WebhookAdd):
        return views.webhook_added_message(hooks.add(actor, cmd.url, cmd.events))
    if isinstance(cmd, a.WebhookList):
        return views.webhooks_message(hooks.webhooks(actor))
    if isinstance(cmd, a.WebhookRemove):
        return views.webhook_removed_message(hooks.remove(actor, cmd.webhook))
    if isinstance(cmd, a.WebhookLog):
        return views.webhook_log_message(hooks.log(actor))
    hooks.allow_private(actor, cmd.allowed)
    return views.allow_private_message(cmd.allowed)
