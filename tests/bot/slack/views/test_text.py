import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.views.text import (
    escape,
    fit_chunks,
    link,
    mention,
    split_spans,
    split_text,
    truncate,
    unescape,
)

SLACK_SPECIALS = st.sampled_from(["<!channel>", "<@U123>", "&", "<", ">", "```", "\n", "\n\n", " "])
TEXTS = st.lists(st.one_of(st.text(max_size=400), SLACK_SPECIALS), max_size=60).map("".join)


def test_escape_makes_mentions_inert():
    assert escape("<!channel> hi <@U123> & <!here>") == (
        "&lt;!channel&gt; hi &lt;@U123&gt; &amp; &lt;!here&gt;"
    )
    assert unescape(escape("a &amp; <b>")) == "a &amp; <b>"


def test_mention_and_link_only_for_safe_values():
    assert mention("U0123ABC") == "<@U0123ABC>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert link("https://x.slack.com/archives/C1/p1", "a <b>|c") == (
        "<https://x.slack.com/archives/C1/p1|a &lt;b&gt;¦c>"
    )
    assert link("javascript:alert(1)", "label") == "label"
    assert link(None, "<!here>") == "&lt;!here&gt;"


def test_short_text_is_one_chunk():
    assert split_text("hello") == ["hello"]
    assert split_text("") == []


def test_splits_on_paragraphs_first():
    paragraphs = [f"para {i} " + "x" * 900 for i in range(10)]
    text = "\n\n".join(paragraphs)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(len(c) <= 3000 for c in chunks)
    for chunk in chunks[:-1]:
        assert chunk.endswith("\n\n")  # every cut fell on a paragraph boundary
    assert "".join(chunks) == text


def test_splits_on_lines_when_no_paragraphs():
    text = "\n".join(f"line {i} " + "y" * 50 for i in range(200))
    chunks = split_text(text)
    assert all(c.endswith("\n") for c in chunks[:-1])
    assert "".join(chunks) == text


def test_hard_cut_never_splits_an_escape():
    text = escape("&" * 5000)  # "&amp;" * 5000, no boundaries at all
    chunks = split_text(text)
    assert all(len(c) <= 3000 for c in chunks)
    assert all(re.fullmatch(r"(&amp;)+", c) for c in chunks)


def test_code_block_is_closed_and_reopened_across_a_cut():
    code = "\n".join(f"print({i})" for i in range(600))
    text = "Here:\n```\n" + code + "\n```\nDone."
    chunks = split_text(text)
    assert len(chunks) >= 2
    for chunk in chunks:
        assert len(chunk) <= 3000
        assert chunk.count("```") % 2 == 0, "each chunk renders with balanced fences"
    assert chunks[0].endswith("\n```") and chunks[1].startswith("```\n")
    assert chunks[-1].endswith("Done.")


def test_fit_chunks_truncates_with_a_note():
    text = escape("word " * 100_000)
    chunks, omitted = fit_chunks(text, 3)
    assert len(chunks) == 3
    assert all(len(c) <= 3000 for c in chunks)
    assert omitted > 400_000
    assert f"{omitted:,} more characters not shown" in chunks[-1]


def test_fit_chunks_keeps_everything_when_it_fits():
    text = "a\n\n" * 2000
    chunks, omitted = fit_chunks(text, 50)
    assert omitted == 0 and "".join(chunks) == text


def test_truncate_never_cuts_an_escape():
    assert truncate(escape("&&&&"), 8) == "&amp;…"
    assert truncate("short", 10) == "short"


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from([64, 100, 500, 3000]))
def test_spans_tile_the_text_and_fit(text, limit):
    escaped = escape(text)
    spans = split_spans(escaped, limit)
    assert [s.start for s in spans[1:]] == [s.end for s in spans[:-1]]
    if escaped:
        assert spans[0].start == 0 and spans[-1].end == len(escaped)
    else:
        assert spans == []
    for span in spans:
        assert span.end > span.start
        assert len(span.render(escaped)) <= limit


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_escape_and_split_never_exceed_limits_nor_lose_text(text):
    chunks = split_text(escape(text))
    assert all(len(c) <= 3000 for c in chunks)
    joined = "".join(chunks)
    assert "<" not in joined and ">" not in joined  # no mention, link or markup survives
    squash = lambda s: re.sub(r"\s|```", "", s)  # noqa: E731 (added fences and cut whitespace)
    assert squash(unescape(joined)) == squash(text)


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.integers(min_value=1, max_value=5))
def test_fit_chunks_within_limits(text, max_chunks):
    chunks, omitted = fit_chunks(escape(text * 3), max_chunks)
    assert len(chunks) <= max_chunks
    assert all(len(c) <= 3000 for c in chunks)
    if not omitted:
        assert "".join(chunks) == escape(text * 3) or "```" in text


def test_messages_from_every_layer_read_as_sentences():
    from bot.slack.views.text import plural, sentence

    assert sentence("feedback is 25,000 characters; the limit is 20,000") == (
        "Feedback is 25,000 characters; the limit is 20,000."
    )
    assert sentence("v1 is already the active version") == "v1 is already the active version."
    assert sentence("There is no run #3.") == "There is no run #3."
    assert sentence("Bad value\nUsage: `/align run NAME`") == "Bad value.\nUsage: `/align run NAME`"
    assert sentence("auto_propose_after must be a number") == "auto_propose_after must be a number."
    assert (plural(1, "principle"), plural(3, "principle")) == ("1 principle", "3 principles")
