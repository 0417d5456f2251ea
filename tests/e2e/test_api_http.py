"""The API for applications over real HTTP, served by the real app next to /slack/events:
tokens made in Slack, templates by label with ETags, refusals, logged runs reviewed in the
channel, end users' feedback."""

from __future__ import annotations

import json

import httpx
import pytest

from storage import Store
from tests.e2e.api_helpers import ApiHarness, create_token, start
from tests.e2e.helpers import CHANNEL, TEAM, blocks_text, bot_messages, latest_proposal


@pytest.fixture
def api(sim, bot_server, db_engine) -> ApiHarness:
    return start(sim, bot_server, Store(db_engine))


def _run(**kw: object) -> dict:
    body: dict[str, object] = {
        "template": "greet",
        "version": 1,
        "inputs": {"who": "Ann"},
        "output": "Hello Ann!",
    }
    body.update(kw)
    return body


def _runs_of(api: ApiHarness) -> list:
    info = api.store.get_template(TEAM, "greet")
    return api.store.recent_runs(info.id, limit=100)


def test_a_token_is_answered_once_privately_and_revocation_is_immediate(api: ApiHarness) -> None:
    token, answer = create_token(api.sim, name="mine")
    assert answer.get("response_type") != "in_channel"  # only the person who asked sees it
    assert all(token not in json.dumps(m) for m in api.sim.messages(CHANNEL))
    listing = api.align("token list")
    assert token not in json.dumps(listing) and "mine" in json.dumps(listing)
    with api.client(token) as c:
        assert c.get("/templates/greet").status_code == 200
        api.align("token revoke mine")
        r = c.get("/templates/greet")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_get_by_label_with_a_strong_etag(api: ApiHarness) -> None:
    with api.client() as c:
        r = c.get("/templates/greet")
        assert r.status_code == 200
        body = r.json()
        assert body["name"] == "greet" and body["version"] == 1
        assert body["variables"] == ["who"] and body["labels"] == ["production"]
        assert body["text"] == "Say hello to {{who}}." and body["updated_at"]
        etag = r.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        same = c.get("/templates/greet", headers={"If-None-Match": etag})
        assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag

        api.align("label greet v1 staging")
        r2 = c.get("/templates/greet", headers={"If-None-Match": etag})
        assert r2.status_code == 200  # the labels on v1 changed: a new representation
        assert r2.json()["labels"] == ["production", "staging"]
        staged = c.get("/templates/greet", params={"label": "staging"})
        assert staged.json()["version"] == 1
        assert c.get("/templates/greet", params={"version": 1}).json()["version"] == 1
        missing = c.get("/templates/greet", params={"label": "canary"})
        assert missing.status_code == 404
        listing = c.get("/templates").json()
        assert listing == {
            "templates": [{"name": "greet", "labels": {"production": 1, "staging": 1}}]
        }


def test_production_follows_approval_and_an_app_cannot_move_it(api: ApiHarness) -> None:
    token, _ = create_token(api.sim, "templates:read runs:write labels:write")
    info = api.store.get_template(TEAM, "greet")
    api.store.add_version(info.id, "Greet {{who}} warmly.", author="U1")
    with api.client(token) as c:
        r = c.put("/templates/greet/labels/production", json={"version": 1})
        assert r.status_code == 403 and "channel" in r.json()["error"]
        assert c.get("/templates/greet").json()["version"] == 2
        moved = c.put("/templates/greet/labels/canary", json={"version": 1})
        assert moved.status_code == 200 and moved.json()["previous_version"] is None
        assert c.get("/templates/greet", params={"label": "canary"}).json()["version"] == 1
    with api.client() as c:  # the default token lacks labels:write
        r = c.put("/templates/greet/labels/canary", json={"version": 2})
        assert r.status_code == 403 and "labels:write" in r.json()["error"]
    history = json.dumps(api.align("history greet"))
    assert "production" in history and "canary" in history
    assert "canary" in json.dumps(api.align("show greet v1"))


def test_auth_scope_and_workspace_refusals(api: ApiHarness) -> None:
    with httpx.Client(base_url=f"{api.url}/api/v1") as anonymous:
        assert anonymous.get("/templates/greet").status_code == 401
        wrong = {"Authorization": "Bearer abt_not-a-real-token-at-all-000000"}
        assert anonymous.get("/templates/greet", headers=wrong).status_code == 401
        basic = {"Authorization": "Basic YTpi"}
        assert anonymous.get("/templates/greet", headers=basic).status_code == 401
    writer, _ = create_token(api.sim, "runs:write")
    with api.client(writer) as c:
        r = c.get("/templates/greet")
        assert r.status_code == 403 and "templates:read" in r.json()["error"]
    other = api.store.create_token(
        "T0OTHER", "theirs", ["templates:read", "runs:write"], created_by="U9"
    )
    with api.client(other.secret) as c:
        theirs = c.get("/templates/greet")
        nothing = c.get("/templates/no-such-template")
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.json()["error"].replace("greet", "X") == nothing.json()["error"].replace(
            "no-such-template", "X"
        )  # the same answer: no hint that it exists elsewhere
        assert c.post("/runs", json=_run()).status_code == 404
    assert _runs_of(api) == []


def test_malformed_requests_get_4xx_naming_the_field_and_write_nothing(api: ApiHarness) -> None:
    with api.client() as c:
        r = c.post("/runs", json={k: v for k, v in _run().items() if k != "output"})
        assert r.status_code == 422 and r.json()["fields"] == ["output"]
        r = c.post("/runs", json={"runs": [_run(), _run(version=0)]})
        assert r.status_code == 422 and r.json()["fields"] == ["runs[1].version"]
        r = c.post("/runs", json={"runs": [_run(), _run(version=7)]})  # a version that is not
        assert r.status_code == 404 and r.json()["fields"] == ["runs[1].version"]
        r = c.post("/runs", json=_run(outptu="typo"))
        assert r.status_code == 422 and "outptu" in r.json()["fields"]
        r = c.post("/runs", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 422
        r = c.post("/runs", json={"runs": [_run() for _ in range(101)]})
        assert r.status_code == 422 and r.json()["fields"] == ["runs"]
        r = c.post("/runs", json=_run(output="x" * 1_100_000))
        assert r.status_code == 413
        chunks = (b"x" * 100_000 for _ in range(11))  # no Content-Length: counted as it arrives
        r = c.post("/runs", content=chunks, headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        r = c.get("/templates/greet", params={"version": "abc"})
        assert r.status_code == 422 and r.json()["fields"] == ["version"]
        r = c.get("/templates/greet", params={"version": 2**40})
        assert r.status_code == 422
        r = c.post("/runs/99999999999/feedback", json={"rating": "up"})
        assert r.status_code == 422
        r = c.post("/runs/1/feedback", json={"rating": "sideways"})
        assert r.status_code == 422 and r.json()["fields"] == ["rating"]
    assert _runs_of(api) == []


def test_too_many_requests_get_429_with_retry_after(sim, bot_server, db_engine) -> None:
    limits = {"ALIGNBOT_API_RATE_PER_MINUTE": "60", "ALIGNBOT_API_BURST": "3"}
    api = start(sim, bot_server, Store(db_engine), **limits)
    with api.client() as c:
        codes = [c.get("/templates/greet").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.get("/templates/greet")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    other, _ = create_token(sim)  # another token has its own allowance
    with api.client(other) as c:
        assert c.get("/templates/greet").status_code == 200


def test_logged_runs_are_posted_for_review_and_take_reactions_and_replies(api: ApiHarness) -> None:
    with api.client() as c:
        r = c.post("/runs", json=_run(trace_id="tr-1", end_user_id="u-42", idempotency_key="k1"))
        assert r.status_code == 201
        run = r.json()
        assert run["review"] == "post" and run["created"] is True
        again = c.post("/runs", json=_run(trace_id="tr-1", idempotency_key="k1"))
        assert again.status_code == 200 and again.json()["id"] == run["id"]
        assert again.json()["created"] is False
    posted = api.sim.wait_for(lambda: (r := api.store.get_run(run["id"])) and r.message_ts and r)
    text = blocks_text(next(m for m in api.sim.messages(CHANNEL) if m["ts"] == posted.message_ts))
    assert "from production" in text and "tr-1" in text and "u-42" in text and "Hello Ann!" in text
    assert len([m for m in bot_messages(api.sim) if "from production" in blocks_text(m)]) == 1

    api.sim.add_reaction("bob", CHANNEL, posted.message_ts, "thumbsdown")
    api.sim.post_message("carol", CHANNEL, "Too stiff, say hi", thread_ts=posted.message_ts)
    info = api.store.get_template(TEAM, "greet")
    api.sim.wait_for(lambda: len(api.store.pending_feedback(info.id)) == 2)
    kinds = sorted(f.kind.value for f in api.store.pending_feedback(info.id))
    assert kinds == ["critique", "label"]


def test_sample_rate_and_hourly_cap_bound_what_reaches_the_channel(api: ApiHarness) -> None:
    api.align("settings greet review_cap_per_hour=2")
    with api.client() as c:
        r = c.post("/runs", json={"runs": [_run(output=f"out {i}") for i in range(5)]})
        assert r.status_code == 201
        assert [x["review"] for x in r.json()["runs"]] == ["post", "post"] + ["capped"] * 3
        api.align("settings greet review_rate=none review_cap_per_hour=20")
        r = c.post("/runs", json=_run())
        assert r.json()["review"] == "off"
    api.sim.wait_for(lambda: sum(1 for x in _runs_of(api) if x.message_ts) == 2)
    api.sim.wait_for(lambda: api.store.inbox_pending_count() == 0)
    assert sum(1 for x in _runs_of(api) if x.message_ts) == 2 and len(_runs_of(api)) == 6
    assert "review_rate" in json.dumps(api.align("settings greet"))


def test_end_user_feedback_is_stored_as_from_the_application(api: ApiHarness) -> None:
    api.align("settings greet review_rate=none")
    with api.client() as c:
        run_id = c.post("/runs", json=_run()).json()["id"]
        body = {
            "rating": "down",
            "comment": "Too formal",
            "end_user_id": "u-7",
            "idempotency_key": "f1",
        }
        r = c.post(f"/runs/{run_id}/feedback", json=body)
        assert r.status_code == 201 and r.json()["created"] is True
        assert sorted(f["kind"] for f in r.json()["feedback"]) == ["critique", "label"]
        again = c.post(f"/runs/{run_id}/feedback", json=body)
        assert again.status_code == 200 and again.json()["created"] is False
        empty = c.post(f"/runs/{run_id}/feedback", json={})
        assert empty.status_code == 422
    info = api.store.get_template(TEAM, "greet")
    pending = api.store.pending_feedback(info.id)
    assert len(pending) == 2 and all(f.author == "app:app:u-7" for f in pending)
    other = api.store.create_token("T0OTHER", "theirs", ["runs:write"], created_by="U9")
    with api.client(other.secret) as c:
        assert c.post(f"/runs/{run_id}/feedback", json={"rating": "up"}).status_code == 404


def test_production_runs_are_the_inputs_evaluation_samples(api: ApiHarness) -> None:
    api.align("settings greet review_rate=none")
    with api.client() as c:
        run_id = c.post("/runs", json=_run(inputs={"who": "Zebediah"})).json()["id"]
        c.post(f"/runs/{run_id}/feedback", json={"comment": "Use their first name only"})
    api.align("propose greet")
    proposal = api.sim.wait_for(
        lambda: (p := latest_proposal(api.store, "greet")) and p.evaluation is not None and p,
        timeout=20,
    )
    rows = proposal.evaluation["rows"]
    assert any("Zebediah" in json.dumps(row) for row in rows)


def test_openapi_is_served_at_api_docs(api: ApiHarness) -> None:
    with httpx.Client(base_url=api.url) as c:
        doc = c.get("/api/openapi.json").json()
        assert {"/v1/templates/{name}", "/v1/runs", "/v1/runs/{run_id}/feedback"} <= set(
            doc["paths"]
        )
        page = c.get("/api/docs")
        assert page.status_code == 200 and "/api/openapi.json" in page.text
        assert c.get("/healthz").status_code == 200


NASTY_BODIES: list[object] = [
    None,
    [],
    "text",
    42,
    {"runs": []},
    {"runs": "x"},
    {"runs": [None]},
    {"runs": [{"template": "greet"}]},
    _run(version=True),
    _run(version=2**63),
    _run(inputs=[1, 2]),
    _run(inputs={"who": {"deep": [1]}}),
    _run(output=None),
    _run(template="x" * 81),
    _run(template="\u0000"),
    _run(output="a\u0000b"),
    _run(inputs={"who": "\u0000"}),
    _run(metadata={"k": ["ok", "\u0000"]}),
    _run(latency_ms=-1),
    _run(latency_ms="fast"),
    _run(metadata="m"),
    _run(idempotency_key=""),
    _run(trace_id="t" * 300),
]


def test_no_bad_input_gets_a_5xx(api: ApiHarness) -> None:
    with api.client() as c:
        for body in NASTY_BODIES:
            r = c.post("/runs", json=body)
            assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
            assert r.json()["error"]
        for path in (
            "/templates/%00",
            "/templates/" + "x" * 500,
            "/templates/gr%C3%A9et",
            "/templates/greet?label=PRODUCTION",
            "/templates/greet?label=staging&version=1",
            "/templates/greet?version=-1",
            "/runs/abc/feedback",
        ):
            r = c.get(path)
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        r = c.post("/runs/1/feedback", content=b"\xff\xfe", headers={"Content-Type": "text/plain"})
        assert 400 <= r.status_code < 500
        r = c.put("/templates/greet/labels/Bad!", json={"version": 1})
        assert 400 <= r.status_code < 500
    assert _runs_of(api) == []
