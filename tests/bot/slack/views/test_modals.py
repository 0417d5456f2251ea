"""Each modal renders within limits, and what it renders parses back into the right command."""

from bot.slack.commands import (
    AddPrinciple,
    Critique,
    EditProposal,
    NewTemplate,
    RejectProposal,
    Run,
    SuggestRewrite,
    parse_view_submission,
)
from bot.slack.views import modals
from bot.slack.views.metadata import ModalMeta
from tests.bot.slack.views.limits import check_view


def submit(view, answers):
    """Fill the view's inputs as Slack would report them in view_submission state.values."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "conversations_select":
            state = {
                "type": element["type"],
                "selected_conversation": answers.get(block["block_id"]),
            }
        else:
            value = answers.get(block["block_id"], element.get("initial_value"))
            state = {"type": element["type"], "value": value}
        values[block["block_id"]] = {element["action_id"]: state}
    return parse_view_submission(view["callback_id"], view.get("private_metadata"), values)


def test_new_template_modal_round_trip():
    view = modals.new_template_modal("C0GEN", name="recipe")
    check_view(view)
    name_input = view["blocks"][0]["element"]
    assert name_input["initial_value"] == "recipe" and name_input["max_length"] == 80  # the rule
    assert view["blocks"][2]["element"]["initial_conversation"] == "C0GEN"
    cmd = submit(view, {"template": "Cook {{x}}", "channel": "C0OTHER"})
    assert cmd == NewTemplate("recipe", "Cook {{x}}", "C0OTHER")
    cmd = submit(view, {"template": "Cook {{x}}"})
    assert cmd == NewTemplate("recipe", "Cook {{x}}", "C0GEN")


def test_run_modal_has_one_input_per_variable_and_round_trips():
    view = modals.run_modal("recipe", 3, ["ingredients", "diet"], channel_id="C0GEN")
    check_view(view)
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "var:ingredients",
        "var:diet",
    ]
    cmd = submit(view, {"var:ingredients": "leeks", "var:diet": "vegan"})
    assert cmd == Run("recipe", {"ingredients": "leeks", "diet": "vegan"}, None, "C0GEN")


def test_run_modal_without_variables_runs_as_is():
    view = modals.run_modal("haiku", 1, [])
    check_view(view)
    assert submit(view, {}) == Run("haiku", {})


def test_run_modal_with_too_many_variables_stays_within_100_blocks():
    view = modals.run_modal("big", 1, [f"v{i}" for i in range(150)])
    check_view(view)


def test_principle_modal_round_trip():
    view = modals.principle_modal("recipe")
    check_view(view)
    assert submit(view, {"text": " Keep it short. "}) == AddPrinciple("recipe", "Keep it short.")


def test_critique_and_rewrite_modals_carry_the_run_id():
    view = modals.critique_modal("42", output="A <!channel> output")
    check_view(view)
    assert ModalMeta.decode(view["private_metadata"]) == ModalMeta(run="42")
    assert "&lt;!channel&gt;" in view["blocks"][0]["elements"][0]["text"]
    assert submit(view, {"text": "Too long"}) == Critique("42", "Too long")

    view = modals.rewrite_modal("42", output="Old output")
    check_view(view)
    assert ModalMeta.decode(view["private_metadata"]) == ModalMeta(run="42")
    assert view["blocks"][0]["element"]["initial_value"] == "Old output"
    assert submit(view, {}) == SuggestRewrite("42", "Old output")
    assert submit(view, {"text": "Better"}) == SuggestRewrite("42", "Better")


def test_rewrite_modal_does_not_prefill_an_output_over_the_input_limit():
    view = modals.rewrite_modal("42", output="x" * 3001)
    check_view(view)
    assert "initial_value" not in view["blocks"][0]["element"]
    assert "too long to prefill" in view["blocks"][0]["hint"]["text"]


def test_reject_modal_carries_the_proposal_id():
    view = modals.reject_modal("7", "recipe")
    check_view(view)
    assert ModalMeta.decode(view["private_metadata"]) == ModalMeta(proposal="7")
    assert submit(view, {"reason": "Too strict"}) == RejectProposal("7", "Too strict")


def test_proposal_edit_modal_is_prefilled():
    view = modals.proposal_edit_modal("7", "recipe", "New {{x}} text")
    check_view(view)
    assert view["blocks"][1]["element"]["initial_value"] == "New {{x}} text"
    assert submit(view, {}) == EditProposal("7", "New {{x}} text")


def test_proposal_edit_modal_holds_a_template_of_any_length():
    long = "".join(f"Line {i} about {{{{topic}}}} and more words to fill it.\n" for i in range(400))
    view = modals.proposal_edit_modal("7", "recipe", long)
    check_view(view)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert len(inputs) >= 7 and inputs[-1]["optional"]  # parts, and one to grow into
    assert all(len(b["element"].get("initial_value") or "") <= 3000 for b in inputs)
    assert submit(view, {}) == EditProposal("7", long.strip())
    edited = submit(view, {"template:2": "Changed part two.\n"})
    assert "Changed part two.\n" in edited.template and len(edited.template) < len(long)
    added = submit(view, {inputs[-1]["block_id"]: "\nOne more line."})
    assert added.template.endswith("One more line.")


def test_long_template_names_fit_the_title():
    view = modals.run_modal("a" * 64, 1, ["x"])
    check_view(view)
    assert view["title"]["text"].startswith("Run aaaa")
