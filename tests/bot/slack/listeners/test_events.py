"""Event listeners: which events are stored for the worker, once, before the ack."""

from __future__ import annotations

import pytest

from alignment.feedback import FeedbackKind, Label
from bot.background.jobs import (
    DecideJob,
    MentionJob,
    ReactionJob,
    ReportTarget,
    RunJob,
    ThreadReplyJob,
    parse_job,
)
from bot.services import Actor
from bot.slack.commands.events import is_person_reply, reply_deleted, thread_reply
from tests.bot.slack.listeners.conftest import CHANNEL, TEAM, claimed

BOB = Actor(TEAM, "U0BOB", CHANNEL)


def reply(text="Too long", **extra):
    return {
        "type": "message",
        "channel": CHANNEL,
        "user": "U0BOB",
        "text": text,
        "ts": "200.2",
        "thread_ts": "200.1",
        **extra,
    }


def reaction(name="thumbsdown", kind="reaction_added", **item):
    return {
        "type": kind,
        "user": "U0BOB",
        "reaction": name,
        "item": {"type": "message", "channel": CHANNEL, "ts": "200.1", **item},
    }


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (reply(), True),
        (reply(subtype="thread_broadcast"), True),
        (reply(ts="200.1"), False),  # the parent message itself
        (reply(thread_ts=None), False),  # a top-level message
        (reply(bot_id="B1"), False),
        (reply(user="U0ALIGNBOT"), False),  # the bot's own reply
        (reply(subtype="message_changed"), False),
        (reply(text=""), False),
    ],
)
def test_which_messages_may_be_feedback(event, expected):
    assert is_person_reply(event, bot_user_id="U0ALIGNBOT") is expected


def test_a_thread_reply_is_stored_once_however_often_it_is_delivered(app, slack):
    for retry in range(3):
        status, _ = slack.event(reply(), event_id="EvREPLY", retry=retry)
        assert status == 200
    status, _ = slack.event(reply(), event_id="EvOTHERID")  # same message, another event id
    assert status == 200
    [item] = claimed(app)
    assert item.kind == "thread_reply" and (item.channel_id, item.ts) == (CHANNEL, "200.2")
    assert item.lane == f"thread:{CHANNEL}:200.1"
    job = parse_job(item.payload)
    assert isinstance(job, ThreadReplyJob) and job.actor == BOB
    assert (job.thread_ts, job.reply_ts, job.feedback, job.text) == (
        "200.1",
        "200.2",
        FeedbackKind.CRITIQUE,
        "Too long",
    )


def test_other_messages_are_acked_and_not_stored(app, slack):
    for event in (reply(thread_ts=None), reply(bot_id="B1"), reply(subtype="message_deleted")):
        status, _ = slack.event(event)
        assert status == 200
    assert claimed(app) == []


def test_feedback_reactions_are_stored_and_other_emoji_are_not(app, slack):
    assert slack.event(reaction("tada"))[0] == 200
    assert slack.event(reaction("thumbsdown", type="file"))[0] == 200
    assert slack.event(reaction("+1::skin-tone-3"))[0] == 200
    assert slack.event(reaction("+1", kind="reaction_removed"))[0] == 200
    items = claimed(app)
    assert [i.kind for i in items] == ["reaction", "reaction"]
    added, removed = (parse_job(i.payload) for i in items)
    assert isinstance(added, ReactionJob) and isinstance(removed, ReactionJob)
    assert added.actor == BOB  # the reacting person, in the reacted message's channel
    assert (added.message_ts, added.emoji, added.label, added.added) == (
        "200.1",
        "+1::skin-tone-3",
        Label.GOOD,
        True,
    )
    assert removed.added is False
    assert items[0].lane == items[1].lane == f"thread:{CHANNEL}:200.1"


def test_a_retried_reaction_is_acked_with_no_effect(app, slack):
    assert slack.event(reaction(), event_id="EvR1")[0] == 200
    assert slack.event(reaction(), event_id="EvR1", retry=1)[0] == 200
    assert len(claimed(app)) == 1


def test_mentions_and_app_home_are_stored(app, slack):
    mention = {"type": "app_mention", "channel": CHANNEL, "user": "U0BOB", "text": "<@U0ALIGNBOT>",
               "ts": "300.1"}  # fmt: skip
    assert slack.event(mention)[0] == 200
    assert slack.event({"type": "app_home_opened", "user": "U0BOB", "tab": "home"})[0] == 200
    assert slack.event({"type": "app_home_opened", "user": "U0BOB", "tab": "messages"})[0] == 200
    items = claimed(app)
    assert [i.kind for i in items] == ["app_mention", "app_home_opened"]
    assert parse_job(items[0].payload) == MentionJob(actor=BOB, ts="300.1")
    assert items[1].lane == f"home:{TEAM}:U0BOB"


def test_a_forged_event_is_refused(app, slack):
    slack.secret = "not-the-secret"
    assert slack.event(reply())[0] == 401
    assert claimed(app) == []


def edit(new_text="rewrite: Short", old_text="Too long", **message):
    new = {"type": "message", "user": "U0BOB", "text": new_text, "ts": "200.2",
           "thread_ts": "200.1", "edited": {"user": "U0BOB", "ts": "200.8"}, **message}  # fmt: skip
    previous = {"type": "message", "user": "U0BOB", "text": old_text, "ts": "200.2",
                "thread_ts": "200.1"}  # fmt: skip
    return {"type": "message", "subtype": "message_changed", "hidden": True, "channel": CHANNEL,
            "ts": "200.9", "message": new, "previous_message": previous}  # fmt: skip


def test_replies_and_edits_parse_into_typed_jobs():
    def parse(event, bot=None):
        return thread_reply(event, BOB, bot_user_id=bot)

    new = parse(reply(text="principle: Name dates"))
    assert (new.actor, new.thread_ts, new.reply_ts) == (BOB, "200.1", "200.2")
    assert (new.feedback, new.text, new.edited) == (FeedbackKind.PRINCIPLE, "Name dates", False)
    assert new.lane == f"thread:{CHANNEL}:200.1"
    edited = parse(edit())
    assert (edited.feedback, edited.text, edited.edited) == (FeedbackKind.REWRITE, "Short", True)
    assert (edited.reply_ts, edited.thread_ts, edited.lane) == ("200.2", "200.1", new.lane)
    assert parse(edit(new_text="Too long")) is None  # only an unfurl was added
    assert parse(edit(thread_ts=None)) is None  # a top-level message
    assert parse(edit(bot_id="B1")) is None
    assert parse(edit(user="U0ALIGNBOT"), bot="U0ALIGNBOT") is None
    assert parse(reply(subtype="message_deleted")) is None
    gone = reply_deleted({"type": "message", "subtype": "message_deleted", "channel": CHANNEL,
                          "ts": "9.9", "previous_message": {"user": "U0BOB", "text": "x",
                                                            "ts": "200.2", "thread_ts": "200.1"}},
                         BOB)  # fmt: skip
    assert (gone.actor, gone.reply_ts, gone.lane) == (BOB, "200.2", new.lane)


def test_an_edited_thread_reply_is_stored_once_per_edit(app, slack):
    assert slack.event(reply(), event_id="EvREPLY")[0] == 200
    assert slack.event(edit(), event_id="EvEDIT")[0] == 200
    assert slack.event(edit(), event_id="EvEDIT", retry=1)[0] == 200
    assert slack.event(edit(new_text="Too long"), event_id="EvUNFURL")[0] == 200
    items = claimed(app)
    assert [i.kind for i in items] == ["thread_reply", "thread_reply"]
    assert [parse_job(i.payload).edited for i in items] == [False, True]
    assert items[0].lane == items[1].lane == f"thread:{CHANNEL}:200.1"
    assert (items[1].channel_id, items[1].ts) == (None, None)  # the reply's key is the reply's


def test_a_deleted_thread_reply_is_stored_as_a_withdrawal(app, slack):
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": CHANNEL,
        "ts": "200.9",
        "deleted_ts": "200.2",
        "previous_message": {"user": "U0BOB", "text": "Too long", "ts": "200.2",
                             "thread_ts": "200.1"},
    }  # fmt: skip
    assert slack.event(deleted)[0] == 200
    top_level = {**deleted, "previous_message": {"user": "U0BOB", "text": "x", "ts": "200.5"}}
    assert slack.event(top_level)[0] == 200
    [item] = claimed(app)
    assert item.kind == "thread_reply_deleted" and item.lane == f"thread:{CHANNEL}:200.1"


def test_an_event_the_inbox_cannot_store_is_not_acknowledged(app, slack, monkeypatch):
    """Stored before the ack: when the database refuses the row, Slack gets no 200 and
    delivers the event again, so nothing acknowledged is lost."""
    from sqlalchemy.exc import OperationalError

    def database_down(*args, **kwargs):
        raise OperationalError("INSERT INTO inbox", {}, Exception("the database is down"))

    monkeypatch.setattr(app.store, "inbox_put", database_down)
    assert slack.event(reply(), event_id="EvLOST")[0] == 500
    assert slack.event(reaction(), event_id="EvLOST2")[0] == 500
    monkeypatch.undo()
    assert slack.event(reply(), event_id="EvLOST", retry=1)[0] == 200  # Slack's redelivery
    assert [i.kind for i in claimed(app)] == ["thread_reply"]


def test_failures_are_reported_where_the_work_was_asked_for():
    assert thread_reply(reply(), BOB).report_to() == ReportTarget(CHANNEL, "200.1", "U0BOB")
    assert thread_reply(edit(), BOB).report_to() == ReportTarget(CHANNEL, "200.1", "U0BOB")
    on_c2 = ReactionJob(actor=Actor(TEAM, "U0BOB", "C2"), message_ts="5.5", emoji="x",
                        label=Label.BAD, added=True)  # fmt: skip
    assert on_c2.report_to() == ReportTarget("C2", "5.5", "U0BOB")
    alice = Actor(TEAM, "U0ALICE", CHANNEL)
    assert RunJob(actor=alice, run_id=3).report_to() == ReportTarget(CHANNEL, None, "U0ALICE")
    decide = DecideJob(actor=alice, proposal_id="4", decision="approve")
    assert parse_job(decide.model_dump(mode="json")) == decide  # stored and read back as is


@pytest.mark.parametrize(
    "event",
    [
        reply(ts=None),
        {k: v for k, v in reply().items() if k != "ts"},
        reply(ts=""),
        reply(ts="None"),
        reply(ts={"x": 1}),
        {k: v for k, v in reply().items() if k != "channel"},
        reply(channel=None),
        reply(channel=""),
        reply(channel=["C1"]),
        edit(ts=None),  # the edited reply has no ts
        edit(ts="None"),
        {**edit(), "message": {k: v for k, v in edit()["message"].items() if k != "ts"}},
        {k: v for k, v in edit().items() if k != "channel"},
        {**edit(), "channel": None},
    ],
    ids=lambda e: str(e)[:0] or None,
)
def test_replies_and_edits_without_a_usable_ts_or_channel_are_ignored(app, slack, event):
    """They cannot be keyed to one message (they were stored as `reply:C…:None` before)."""
    assert slack.event(event)[0] == 200
    assert claimed(app) == []
