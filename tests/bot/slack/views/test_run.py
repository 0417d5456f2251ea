from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.views.models import RunView
from bot.slack.views.run import run_message
from bot.slack.views.text import unescape
from tests.bot.slack.views.limits import all_text, check_message, mentions


def buttons(msg):
    return [
        (e["action_id"], e["value"], e["text"]["text"])
        for b in msg["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def run(**kw):
    base = dict(
        run_id="42",
        template_name="recipe",
        version=3,
        inputs={"ingredients": "leeks, eggs"},
        output="Leek frittata.",
        model="offline",
        latency_ms=1500,
        requested_by="U0ANA",
    )
    return RunView(**{**base, **kw})


def test_done_run_shows_name_version_inputs_output_and_four_buttons():
    msg = run_message(run())
    check_message(msg)
    text = all_text(msg)
    assert "*recipe* · v3" in text
    assert "ingredients" in text and "leeks, eggs" in text
    assert "Leek frittata." in text
    assert "1.5 s" in text and "`offline`" in text
    assert buttons(msg) == [
        ("run_critique", "42", "Critique"),
        ("run_rewrite", "42", "Suggest rewrite"),
        ("run_suggest", "42", "Suggest critiques"),
        ("run_again", "42", "Run again"),
    ]
    assert "Leek frittata." in msg["text"] and "recipe v3" in msg["text"]
    assert mentions(msg) == ["<@U0ANA>"]  # only the person who ran it, deliberately


def test_pending_run_says_running_and_has_no_buttons():
    msg = run_message(run(status="pending", output=None))
    check_message(msg)
    assert "Running…" in all_text(msg)
    assert buttons(msg) == []
    assert "running" in msg["text"]


def test_failed_run_shows_the_error_and_offers_run_again():
    msg = run_message(run(status="failed", output=None, error="model timed out after 60 s"))
    check_message(msg)
    assert "The run failed:* model timed out after 60 s" in all_text(msg)
    assert [b[0] for b in buttons(msg)] == ["run_again"]
    assert "timed out" in msg["text"]


def test_model_output_cannot_mention_anyone():
    evil = "Hi <!channel> and <!here>, ping <@U123> & <#C1|general> <https://evil|click>"
    msg = run_message(run(output=evil, inputs={"x": "<!everyone>"}, error=None))
    check_message(msg)
    assert mentions(msg) == ["<@U0ANA>"]
    assert "&lt;!channel&gt;" in all_text(msg) and "&lt;@U123&gt;" in all_text(msg)
    assert "&amp;" in all_text(msg)
    assert "&lt;!channel&gt;" in msg["text"]
    failed = run_message(run(status="failed", output=None, error="<!channel> boom"))
    assert mentions(failed) == ["<@U0ANA>"]


def test_long_output_is_split_into_sections_within_limits_and_nothing_lost():
    paragraphs = [f"Paragraph {i}: " + "lorem ipsum " * 60 for i in range(40)]
    output = "\n\n".join(paragraphs)  # ~29k characters
    msg = run_message(run(output=output))
    check_message(msg)
    output_sections = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section"][2:]
    assert len(output_sections) >= 10
    assert all(len(s) <= 3000 for s in output_sections)
    assert unescape("".join(output_sections)) == output


def test_huge_output_fits_fifty_blocks_and_says_what_was_left_out():
    msg = run_message(run(output="x " * 200_000))
    check_message(msg)
    assert len(msg["blocks"]) == 50
    assert "more characters not shown" in msg["blocks"][-3]["text"]["text"]
    assert buttons(msg)  # the buttons survive


def test_long_and_many_inputs_are_abbreviated_within_one_section():
    inputs = {f"var{i}": "v" * 5000 for i in range(30)}
    msg = run_message(run(inputs=inputs))
    check_message(msg)
    assert "var29" in all_text(msg)


def test_empty_output_is_said_so():
    msg = run_message(run(output=""))
    check_message(msg)
    assert "no text" in all_text(msg)


TEXT = st.lists(
    st.one_of(st.text(max_size=300), st.sampled_from(["<!channel>", "<@U1>", "&", "```", "\n\n"])),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXT, st.dictionaries(st.text(min_size=1, max_size=20), TEXT, max_size=12), TEXT)
def test_any_run_renders_within_limits_and_mentions_no_one(output, inputs, error):
    for view in (
        run(output=output * 20, inputs=inputs, requested_by=None),
        run(status="failed", output=None, error=error, inputs=inputs, requested_by=None),
    ):
        msg = run_message(view)
        check_message(msg)
        assert mentions(msg) == []
