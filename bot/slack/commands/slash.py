"""`/align …` text -> a typed command. The text arrives as Slack sends it (entities escaped,
mentions as `<@U123|name>`); free text is turned back into what the person typed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from alignment.settings import SETTINGS, SettingsChange, setting
from bot.slack.commands import (
    AddPrinciple,
    Command,
    CommandError,
    Diff,
    Export,
    Help,
    History,
    JudgeReport,
    ListTemplates,
    NewTemplate,
    OpenImportModal,
    OpenNewTemplateModal,
    OpenPrincipleModal,
    OpenRunModal,
    Principles,
    Propose,
    Rollback,
    Run,
    SetMode,
    Settings,
    Show,
    api_commands,
)
from bot.slack.commands import values as v
from bot.slack.commands.usage import BY_NAME

ALIASES = {"?": "help", "ls": "list", "create": "new", "add-principle": "principle"}
MAX_TEXT = 40_000  # Slack's own cap on slash command text is lower; this guards other callers


def parse_command(text: str) -> Command | api_commands.ApiCommand:
    """Parse the text after `/align`. Empty text is `help`."""
    if len(text) > MAX_TEXT:
        raise CommandError(f"That is too long ({len(text):,} characters; at most {MAX_TEXT:,}).")
    head, rest = _split_word(text.strip())
    if not head:
        return Help()
    sub = ALIASES.get(head.lower(), head.lower())
    parser = _PARSERS.get(sub)
    if parser is None:
        raise CommandError(_unknown(head))
    return parser(rest)


def _unknown(word: str) -> str:
    shown = v.unescape_entities(word)[:40]
    close = difflib.get_close_matches(word.lower(), list(BY_NAME), n=1, cutoff=0.6)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    return f"Unknown subcommand `{shown}`.{hint} Try `/align help`."


def _split_word(text: str) -> tuple[str, str]:
    """First whitespace-delimited word and the rest (newlines in the rest are kept)."""
    m = re.match(r"(\S+)(?:\s+(.*))?\Z", text, re.DOTALL)
    if not m:
        return "", ""
    return m.group(1), (m.group(2) or "")


def _name_and_rest(rest: str, sub: str) -> tuple[str, str]:
    word, remainder = _split_word(rest.strip())
    return v.template_name(word or None, subcommand=sub), remainder.strip()


def _no_more(remainder: str, sub: str, after: str) -> None:
    if remainder:
        shown = v.unescape_entities(remainder)[:60]
        raise CommandError(f"Unexpected `{shown}` after {after}.", usage=BY_NAME[sub].usage)


def _help(rest: str) -> Command:
    topic = rest.strip().lower() or None
    if topic is not None:
        topic = ALIASES.get(topic, topic)
        if topic not in BY_NAME:
            raise CommandError(_unknown(rest.strip()))
    return Help(topic)


def _new(rest: str) -> Command:
    if not rest.strip():
        return OpenNewTemplateModal()
    name, template = _name_and_rest(rest, "new")
    if not template:
        return OpenNewTemplateModal(name=name)
    template = v.strip_code_fence(v.plain_text(template)).strip()
    if not template:
        raise CommandError("The template text is empty.", usage=BY_NAME["new"].usage)
    return NewTemplate(name=name, template=template)


def _list(rest: str) -> Command:
    _no_more(rest.strip(), "list", "`list`")
    return ListTemplates()


def _show(rest: str) -> Command:
    name, remainder = _name_and_rest(rest, "show")
    word, more = _split_word(remainder)
    _no_more(more.strip(), "show", "the version")
    return Show(name, v.version(word, subcommand="show") if word else None)


def _run(rest: str) -> Command:
    name, remainder = _name_and_rest(rest, "run")
    if not remainder:
        return OpenRunModal(name)
    pairs = v.key_values(remainder)
    if pairs is None:
        return Run(name, text=v.strip_code_fence(v.plain_text(remainder)))
    inputs: dict[str, str] = {}
    for key, value in pairs:
        if key in inputs:
            raise CommandError(f"`{key}` is given twice.")
        if not value.strip():
            raise CommandError(f'`{key}` has no value: write `{key}="…"`.')
        inputs[key] = v.plain_text(value)
    return Run(name, inputs=inputs)


def _name_only(sub: str, cls: Callable[[str], Command]) -> Callable[[str], Command]:
    def parse(rest: str) -> Command:
        name, remainder = _name_and_rest(rest, sub)
        _no_more(remainder, sub, "the template name")
        return cls(name)

    return parse


def _import(rest: str) -> Command:
    """`import [NAME]`: a slash command carries no file, so the form takes it."""
    if not rest.strip():
        return OpenImportModal()
    name, remainder = _name_and_rest(rest, "import")
    _no_more(remainder, "import", "the template name")
    return OpenImportModal(name)


def _principle(rest: str) -> Command:
    name, text = _name_and_rest(rest, "principle")
    if not text:
        return OpenPrincipleModal(name)
    return AddPrinciple(name, v.plain_text(text).strip())


def _mode(rest: str) -> Command:
    name, remainder = _name_and_rest(rest, "mode")
    word, more = _split_word(remainder)
    mode = v.workflow(word, subcommand="mode")
    _no_more(more.strip(), "mode", "the mode")
    return SetMode(name, mode)


def _diff(rest: str) -> Command:
    name, remainder = _name_and_rest(rest, "diff")
    words = remainder.split()
    if not words:  # the last two versions
        return Diff(name, None, None)
    if len(words) != 2:
        raise CommandError(
            "`diff` needs two versions, like `v1 v3` (or none, to compare the last two).",
            usage=BY_NAME["diff"].usage,
        )
    a, b = (v.version(w, subcommand="diff") for w in words)
    if a == b:
        raise CommandError(f"`v{a}` and `v{b}` are the same version: pick two different ones.")
    return Diff(name, a, b)


def _rollback(rest: str) -> Command:
    name, remainder = _name_and_rest(rest, "rollback")
    word, more = _split_word(remainder)
    number = v.version(word or None, subcommand="rollback")
    _no_more(more.strip(), "rollback", "the version")
    return Rollback(name, number)


def _settings(rest: str) -> Command:
    name, remainder = _name_and_rest(rest, "settings")
    if not remainder:
        return Settings(name)
    pairs = v.key_values(remainder)
    if pairs is None:
        word = remainder.split(None, 1)[0]
        raise CommandError(
            f"`{v.unescape_entities(word)}` is not `key=value`. Settings: {_setting_list()}.",
            usage=BY_NAME["settings"].usage,
        )
    raw: dict[str, str] = {}
    for key, value in pairs:
        known = v.parsed(setting, v.unescape_entities(key))
        if known.field in raw:
            raise CommandError(f"`{known.name}` is given twice.")
        if not value.strip():
            raise CommandError(f"`{known.name}` has no value.")
        # Mentions (<@U…|name>, <#C…|name>) stay as Slack sent them: the parsers read their ids.
        raw[known.field] = value if value.lstrip().startswith("<") else v.unescape_entities(value)
    return Settings(name, v.parsed(SettingsChange.parse, raw))


def _setting_list() -> str:
    return ", ".join(f"`{s.name}`" for s in SETTINGS)


_PARSERS: dict[str, Callable[[str], Command | api_commands.ApiCommand]] = {
    "help": _help,
    "new": _new,
    "list": _list,
    "show": _show,
    "run": _run,
    "principles": _name_only("principles", Principles),
    "principle": _principle,
    "propose": _name_only("propose", Propose),
    "mode": _mode,
    "history": _name_only("history", History),
    "diff": _diff,
    "rollback": _rollback,
    "settings": _settings,
    "export": _name_only("export", Export),
    **api_commands.PARSERS,
    "judge": _name_only("judge", JudgeReport),
    "import": _import,
}
