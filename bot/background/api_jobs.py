"""Inbox work for the API: post a logged production run to its channel; send a webhook.

Both rows are written by the store in the transaction of the change they serve. A webhook that
fails with a 5xx or a network error raises `DeliveryFailed` (a ConnectionError), which the
inbox retries with backoff up to its attempt limit; a 4xx or a refused address is final.
"""

from __future__ import annotations

import logging
from functools import partial

from bot.background.inbox.router import Attempt
from bot.background.jobs import ApiRunJob, WebhookJob
from bot.background.steps import post_once
from bot.slack.listeners.deps import Deps
from bot.slack.views.run import run_message

log = logging.getLogger(__name__)


def register(deps: Deps, *, max_attempts: int) -> None:
    deps.router.add(ApiRunJob, partial(post_api_run, deps))
    deps.router.add(WebhookJob, partial(deliver_webhook, deps, max_attempts=max_attempts))


def post_api_run(deps: Deps, job: ApiRunJob, attempt: Attempt) -> None:
    """One message per posted run, in the template's channel; reactions and replies on it are
    feedback like on any run."""
    runs = deps.services.runs
    run_id = job.run_id
    found = deps.services.api.review_target(run_id)
    if found is None or found[0].message_ts:
        return  # deleted, or posted before a crash
    info = found[1]
    channel = info.channel_id
    if not channel:
        log.info("run %s: template %s has no channel to post it in", run_id, info.name)
        return
    msg = run_message(runs.view(run_id))
    poster = deps.posters.for_team(info.team_id)
    posted = post_once(
        attempt, "message", poster, channel, msg, taken=lambda ts: runs.is_run_message(channel, ts)
    )
    runs.attach_message(run_id, posted.channel, posted.ts)


def deliver_webhook(deps: Deps, job: WebhookJob, attempt: Attempt, *, max_attempts: int) -> None:
    deps.services.webhooks.deliver(job.delivery_id, max_attempts=max_attempts)
