import pytest

from alignment.values import InvalidValue, template_name
from bot.slack.commands import (
    CommandError,
    NewTemplate,
    Run,
    ViewSubmissionError,
    parse_view_submission,
)


def value(v):
    return {"input": {"type": "plain_text_input", "value": v}}


def test_new_template_reports_every_bad_field_by_block_id():
    with pytest.raises(ViewSubmissionError) as err:
        parse_view_submission(
            "new_template_modal",
            '{"channel":"C1"}',
            {"name": value("Bad Name"), "template": value("  ")},
        )
    assert set(err.value.errors) == {"name", "template"}
    assert "not a valid template name" in err.value.errors["name"]
    assert err.value.errors["template"] == "Please write the template text."


def test_new_template_missing_name():
    with pytest.raises(ViewSubmissionError) as err:
        parse_view_submission(
            "new_template_modal", None, {"name": value(None), "template": value("x")}
        )
    assert err.value.errors == {"name": "Please give the template a name."}


def test_new_template_channel_from_select_or_metadata():
    state = {
        "name": value("recipe"),
        "template": value("Cook {{x}}"),
        "channel": {"c": {"type": "conversations_select", "selected_conversation": None}},
    }
    assert parse_view_submission("new_template_modal", '{"channel":"C1"}', state) == NewTemplate(
        "recipe", "Cook {{x}}", "C1"
    )


def test_run_reports_each_empty_variable():
    state = {"var:a": value("1"), "var:b": value(""), "var:c": value(None)}
    with pytest.raises(ViewSubmissionError) as err:
        parse_view_submission("run_modal", '{"template":"t","channel":"C1"}', state)
    assert err.value.errors == {"var:b": "Please write `b`.", "var:c": "Please write `c`."}


def test_run_keeps_inner_whitespace_of_values():
    state = {"var:a": value("line 1\n\nline 2\n")}
    assert parse_view_submission("run_modal", '{"template":"t"}', state) == Run(
        "t", {"a": "line 1\n\nline 2"}
    )


def test_oversize_field_is_an_error_on_that_field():
    with pytest.raises(ViewSubmissionError) as err:
        parse_view_submission("critique_modal", '{"run":"42"}', {"text": value("x" * 3001)})
    assert err.value.errors == {"text": "That is 3,001 characters; at most 3,000."}


def test_reject_needs_a_reason():
    with pytest.raises(ViewSubmissionError) as err:
        parse_view_submission("reject_modal", '{"proposal":"7"}', {"reason": value(" ")})
    assert err.value.errors == {"reason": "Please write a reason."}


@pytest.mark.parametrize(
    ("callback_id", "metadata", "message"),
    [
        ("mystery_modal", '{"run":"1"}', "not one alignbot knows"),
        ("critique_modal", "", "lost track"),
        ("critique_modal", '{"proposal":"1"}', "lost track"),  # another modal's metadata
        ("run_modal", "{not json", "damaged"),
        ("run_modal", "[1]", "damaged"),
        ("critique_modal", "42", "damaged"),  # not ours: a bare id
        ("critique_modal", '{"run":42}', "damaged"),  # not a string
        ("critique_modal", '{"run":"4","extra":"x"}', "damaged"),
        ("run_modal", '{"channel":"C1"}', "lost track"),
    ],
)
def test_malformed_submissions(callback_id, metadata, message):
    with pytest.raises(CommandError, match=message):
        parse_view_submission(callback_id, metadata, {"text": value("x")})


def test_garbage_state_shapes_are_field_errors_not_crashes():
    state = {"text": {"input": "not a dict"}}
    with pytest.raises(ViewSubmissionError):
        parse_view_submission("principle_modal", '{"template":"t"}', state)
    with pytest.raises(ViewSubmissionError):
        parse_view_submission("principle_modal", '{"template":"t"}', {"text": {}})


def test_the_new_template_form_takes_names_by_the_same_rule_as_slash_and_storage():
    state = {"name": value("Recipe.v2"), "template": value("Cook {{x}}")}
    cmd = parse_view_submission("new_template_modal", '{"channel":"C1"}', state)
    assert cmd == NewTemplate("Recipe.v2", "Cook {{x}}", "C1")
    with pytest.raises(ViewSubmissionError) as err:
        state = {"name": value("-recipe"), "template": value("Cook {{x}}")}
        parse_view_submission("new_template_modal", '{"channel":"C1"}', state)
    with pytest.raises(InvalidValue) as direct:
        template_name("-recipe")
    assert err.value.errors["name"] == str(direct.value)


def test_import_forms_parse_the_file_the_name_and_the_choice():
    from bot.slack.commands import ImportTemplate
    from bot.slack.views import ids

    def file_state(files):
        return {ids.FILE_BLOCK: {ids.FILE_INPUT: {"type": "file_input", "files": files}}}

    meta = '{"channel":"C1"}'
    cmd = parse_view_submission(ids.IMPORT_MODAL, meta, file_state([{"id": "F1", "name": "a"}]))
    assert cmd == ImportTemplate("F1", name=None, channel_id="C1")
    with pytest.raises(ViewSubmissionError) as missing:
        parse_view_submission(ids.IMPORT_MODAL, meta, file_state([]))
    assert "attach the export file" in missing.value.errors[ids.FILE_BLOCK]

    second = '{"channel":"C1","file":"F1","template":"tldr"}'

    def choice(value, name=None):
        state = {ids.IMPORT_AS_BLOCK: {ids.IMPORT_AS_INPUT: {"selected_option": {"value": value}}}}
        state[ids.NAME_BLOCK] = {ids.NAME_INPUT: {"type": "plain_text_input", "value": name}}
        return parse_view_submission(ids.IMPORT_NAME_MODAL, second, state)

    assert choice(ids.IMPORT_ON_TOP) == ImportTemplate("F1", "tldr", on_top=True, channel_id="C1")
    assert choice(ids.IMPORT_RENAME, "digest") == ImportTemplate("F1", "digest", channel_id="C1")
    with pytest.raises(ViewSubmissionError) as bad:
        choice(ids.IMPORT_RENAME, "no spaces allowed")
    assert ids.NAME_BLOCK in bad.value.errors
