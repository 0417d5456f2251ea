"""Webhooks over real HTTP: a receiver written here checks the signature; a 500 is retried
with backoff until it succeeds; private, loopback and link-local addresses are refused unless
the workspace allows them."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from storage import Store
from tests.e2e.api_helpers import ApiHarness, start
from tests.e2e.helpers import CHANNEL, TEAM, blocks_text, latest_proposal, message_at

SECRET_RE = re.compile(r"whsec_[A-Za-z0-9_-]{20,}")


class Receiver:
    """A webhook receiver as a team would write one: verify, then take the event."""

    def __init__(self) -> None:
        self.secret = ""
        self.fail_first = 0
        self.hold = threading.Event()  # while cleared, answers wait (a slow receiver)
        self.hold.set()
        self.waiting = 0
        self.received: list[dict] = []
        self.rejected = 0
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                receiver.waiting += 1
                receiver.hold.wait(timeout=20)
                receiver.waiting -= 1
                ts = self.headers["X-Alignbot-Request-Timestamp"]
                expected = (
                    "v0="
                    + hmac.new(
                        receiver.secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256
                    ).hexdigest()
                )
                fresh = abs(time.time() - int(ts)) < 300
                if not (
                    fresh and hmac.compare_digest(expected, self.headers["X-Alignbot-Signature"])
                ):
                    receiver.rejected += 1
                    self.send_response(401)
                elif receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(500)
                else:
                    receiver.received.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alignbot"

    def events(self) -> list[str]:
        return [e["event"] for e in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def api(sim, bot_server, db_engine) -> ApiHarness:
    store = Store(db_engine)
    harness = start(sim, bot_server, store)
    harness.running.bot.store.inbox_retry_seconds = 0.2  # the backoff, shortened for the test
    return harness


def _add(api: ApiHarness, receiver: Receiver, events: str = "") -> dict:
    answer = api.align(f"webhook add <{receiver.url}> {events}")
    found = SECRET_RE.search(json.dumps(answer))
    assert found, answer
    receiver.secret = found.group(0)
    return answer


def test_private_addresses_are_refused_unless_the_workspace_allows_them(
    api: ApiHarness, receiver: Receiver
) -> None:
    private = ("http://localhost/x", "http://169.254.169.254/latest", "http://10.1.2.3/")
    for url in (receiver.url, *private):
        answer = api.align(f"webhook add <{url}>")
        assert "private" in json.dumps(answer), url
    assert "not an http(s) URL" in json.dumps(api.align("webhook add ftp://example.com/x"))
    assert api.store.list_webhooks(TEAM) == []
    api.align("webhook allow-private on")
    answer = _add(api, receiver)
    assert answer.get("response_type") != "in_channel"  # the secret is shown to its creator only
    assert all(receiver.secret not in json.dumps(m) for m in api.sim.messages(CHANNEL))
    assert receiver.secret not in json.dumps(api.align("webhook list"))
    assert receiver.url in json.dumps(api.align("webhook list"))
    (hook,) = api.store.list_webhooks(TEAM)
    assert "removed" in json.dumps(api.align(f"webhook remove {hook.id}"))
    assert api.store.list_webhooks(TEAM) == []


def test_signed_deliveries_retried_after_a_500(api: ApiHarness, receiver: Receiver) -> None:
    api.align("webhook allow-private on")
    _add(api, receiver, "label.moved")
    receiver.fail_first = 1
    api.align("label greet v1 staging")
    api.sim.wait_for(lambda: api.store.webhook_log(TEAM)[0].status == "delivered", timeout=15)
    assert receiver.rejected == 0 and receiver.attempts == 2
    event = receiver.received[0]
    assert event["event"] == "label.moved" and event["data"]["label"] == "staging"
    assert event["data"]["version"]["number"] == 1 and event["team_id"] == TEAM
    log = json.dumps(api.align("webhook log"))
    assert "delivered" in log and "2 attempts" in log
    (delivery,) = api.store.webhook_log(TEAM)
    assert delivery.status == "delivered" and delivery.attempts == 2


def test_a_wrong_secret_is_caught_by_the_receiver_and_not_retried(
    api: ApiHarness, receiver: Receiver
) -> None:
    api.align("webhook allow-private on")
    _add(api, receiver)
    receiver.secret = "whsec_not-the-secret"
    api.align("label greet v1 canary")
    api.sim.wait_for(lambda: api.store.webhook_log(TEAM)[0].status == "failed", timeout=10)
    assert receiver.rejected == 1 and receiver.received == []  # a 401 is final, not retried


def test_approval_rollback_and_proposals_are_announced(api: ApiHarness, receiver: Receiver) -> None:
    api.align("webhook allow-private on")
    _add(api, receiver)
    api.align('run greet who="Ann"')
    info = api.store.get_template(TEAM, "greet")
    api.sim.wait_for(lambda: (r := api.store.recent_runs(info.id, 1)) and r[0].message_ts)
    ts = api.store.recent_runs(info.id, 1)[0].message_ts
    api.sim.post_message("bob", CHANNEL, "Say hi, not hello", thread_ts=ts)
    api.sim.wait_for(lambda: api.store.pending_feedback(info.id))
    api.align("propose greet")
    proposal = api.sim.wait_for(
        lambda: (
            (p := latest_proposal(api.store, "greet"))
            and p.message_ts
            and "proposal_approve" in blocks_text(message_at(api.sim, p.message_ts))
            and p
        ),
        timeout=20,
    )
    api.sim.click_button("alice", CHANNEL, proposal.message_ts, "proposal_approve")
    api.sim.wait_for(lambda: "version.approved" in receiver.events(), timeout=15)
    api.align("rollback greet v1")  # asks first; the confirmation does it
    preview = next(e for e in api.sim.ephemerals("alice") if "rollback_confirm" in blocks_text(e))
    api.sim.click_button("alice", CHANNEL, preview["ts"], "rollback_confirm")
    api.sim.wait_for(lambda: "version.rolled_back" in receiver.events(), timeout=15)
    # one delivery each (deliveries run in parallel, so their order may vary)
    assert sorted(receiver.events()) == [
        "proposal.created",
        "proposal.decided",
        "version.approved",
        "version.rolled_back",
    ]
    approved = next(e for e in receiver.received if e["event"] == "version.approved")
    assert approved["data"]["version"]["number"] == 2 and approved["data"]["label"] == "production"
    assert receiver.rejected == 0


def test_a_slow_receiver_does_not_delay_slack_work(api: ApiHarness, receiver: Receiver) -> None:
    api.align("webhook allow-private on")
    _add(api, receiver, "label.moved")
    receiver.hold.clear()
    started = time.monotonic()
    api.align("label greet v1 staging")
    api.sim.wait_for(lambda: receiver.waiting == 1)  # the delivery is stuck at the receiver
    api.align('run greet who="Bo"')
    info = api.store.get_template(TEAM, "greet")
    run = api.sim.wait_for(
        lambda: (r := api.store.recent_runs(info.id, 1)) and r[0].status == "done" and r[0],
        timeout=10,
    )
    assert run.message_ts and receiver.waiting == 1  # done while the webhook waited
    assert time.monotonic() - started < 4  # well within the receiver's 5 s timeout
    receiver.hold.set()
