"""Text that is safe to post and fits Slack's limits.

Everything a person or a model wrote goes through `escape` before it reaches mrkdwn: Slack only
turns `<!channel>`, `<!here>`, `<@U…>` and `<#C…>` into mentions when they arrive as real angle
brackets, so escaping `&`, `<` and `>` makes any text inert. Long text is split on paragraph, then
line, then word boundaries; a code block cut in two is closed and reopened so both halves render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
MESSAGE_BLOCK_LIMIT = 50
FALLBACK_TEXT_LIMIT = 3000  # the `text` of a message with blocks: notifications, screen readers

FENCE = "```"
_OPEN = FENCE + "\n"  # what reopens a code block at the start of a continuation
_CLOSE = "\n" + FENCE  # what closes it at the end of a cut
_ENTITY_MAX = len("&amp;")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_ZWSP = "\u200b"


def escape(text: str) -> str:
    """Slack's three escapes; nothing in the result can mention anyone or link anywhere."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mention(user_id: str | None) -> str:
    """A user mention for a Slack user id we stored, or the id as inert text if it looks odd."""
    if not user_id:
        return "someone"
    return f"<@{user_id}>" if _USER_ID.match(user_id) else escape(user_id)


def channel_link(channel_id: str | None) -> str:
    if channel_id and re.fullmatch(r"[CGD][A-Z0-9]{2,}", channel_id):
        return f"<#{channel_id}>"
    return escape(channel_id or "no channel")


def link(url: str | None, label: str) -> str:
    """`<url|label>` when the url is a plain http(s) link, else the escaped label alone."""
    safe_label = escape(label).replace("|", "¦")
    if url and re.fullmatch(r"https?://[^\s<>|]+", url):
        return f"<{url}|{safe_label}>"
    return safe_label


def code_block(escaped: str) -> str:
    """Fence already-escaped text; triple backticks inside are broken up so they cannot close it."""
    body = escaped.replace(FENCE, f"`{_ZWSP}`{_ZWSP}`")
    return f"{FENCE}\n{body}\n{FENCE}"


def sentence(text: str) -> str:
    """A message as a sentence: a capital first letter (not for `v2`, `code` or a name) and a
    full stop, so errors from every layer read alike. Raw text in, raw text out."""
    text = text.strip()
    if not text:
        return text
    first, *rest = text.split("\n", 1)
    word = first.split(" ", 1)[0]
    if first[0].islower() and not re.fullmatch(r"v\d+\W*", word) and "_" not in word:
        first = first[0].upper() + first[1:]
    if first[-1].isalnum() or first[-1] in ")\"'”":
        first += "."
    return "\n".join([first, *rest])


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 principle", "3 principles" (never "principle(s)")."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def inline_code(escaped: str) -> str:
    return "`" + escaped.replace("`", "'") + "`" if escaped else ""


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """Shorten to `limit` characters, never cutting an escape like `&amp;` in half."""
    if len(text) <= limit:
        return text
    cut = _safe_cut(text, 0, max(0, limit - len(marker)))
    return text[:cut] + marker


@dataclass(frozen=True)
class Span:
    """One piece of a split: text[start:end], plus a reopened/closed code fence around it."""

    start: int
    end: int
    reopen: bool
    close: bool

    def render(self, text: str) -> str:
        return (
            (_OPEN if self.reopen else "")
            + text[self.start : self.end]
            + (_CLOSE if self.close else "")
        )


def split_spans(text: str, limit: int = SECTION_TEXT_LIMIT) -> list[Span]:
    """Cut `text` (already escaped) into spans whose rendering is at most `limit` characters.

    The spans tile the text exactly, so nothing is lost; only fence markers are added."""
    if limit < 64:
        raise ValueError("limit too small to split sensibly")
    spans: list[Span] = []
    pos, in_fence = 0, False
    while pos < len(text):
        budget = limit - (len(_OPEN) if in_fence else 0)
        if len(text) - pos <= budget:
            spans.append(Span(pos, len(text), in_fence, False))
            break
        cut = _choose_cut(text, pos, pos + budget - len(_CLOSE))
        ends_in_fence = in_fence ^ (text.count(FENCE, pos, cut) % 2 == 1)
        spans.append(Span(pos, cut, in_fence, ends_in_fence))
        pos, in_fence = cut, ends_in_fence
    return spans


def split_text(text: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """Split already-escaped mrkdwn into chunks of at most `limit` characters."""
    return [span.render(text) for span in split_spans(text, limit)]


def fit_chunks(
    text: str, max_chunks: int, limit: int = SECTION_TEXT_LIMIT
) -> tuple[list[str], int]:
    """Split escaped text into at most `max_chunks` chunks; returns (chunks, characters left out).

    When the text does not fit, the last chunk ends with a note of how much was left out."""
    if max_chunks < 1:
        raise ValueError("max_chunks must be at least 1")
    spans = split_spans(text, limit)
    if len(spans) <= max_chunks:
        return [s.render(text) for s in spans], 0
    last = spans[max_chunks - 1]
    note_room = 64
    hard_end = last.start + limit - len(_OPEN) - len(_CLOSE) - note_room
    cut = _choose_cut(text, last.start, hard_end)
    close = last.reopen ^ (text.count(FENCE, last.start, cut) % 2 == 1)
    omitted = len(unescape(text[cut:]))
    tail = Span(last.start, cut, last.reopen, close).render(text)
    note = f"\n_… {omitted:,} more characters not shown_"
    return [*(s.render(text) for s in spans[: max_chunks - 1]), tail + note], omitted


def _choose_cut(text: str, start: int, hard_end: int) -> int:
    """The best cut in (start, hard_end]: after a blank line, a newline or a space, else hard."""
    floor = start + (hard_end - start) // 4  # do not make tiny pieces for the sake of a boundary
    for sep in ("\n\n", "\n", " "):
        idx = text.rfind(sep, floor, hard_end)
        if idx != -1:
            cut = idx + len(sep)
            if cut <= hard_end and _cut_is_safe(text, cut):
                return cut
    return _safe_cut(text, start, hard_end)


def _cut_is_safe(text: str, cut: int) -> bool:
    return _safe_cut(text, 0, cut) == cut


def _safe_cut(text: str, start: int, cut: int) -> int:
    """Move `cut` left so it splits neither an `&…;` escape nor a run of backticks."""
    cut = min(cut, len(text))
    amp = text.rfind("&", max(start, cut - _ENTITY_MAX + 1), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    while start < cut < len(text) and text[cut - 1] == "`" and text[cut] == "`":
        cut -= 1
    if cut <= start:  # a single indivisible run longer than the budget: cut it anyway
        return start + 1
    return cut
