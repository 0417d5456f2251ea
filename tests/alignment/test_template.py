from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alignment import MissingVariableError, Template, TemplateError


def test_variables_are_listed_once_in_order_of_first_use():
    t = Template("Hi {{name}}, about {{ topic }}: {{name}} again")
    assert t.variables == ("name", "topic")
    assert t.render({"name": "Ada", "topic": "tea"}) == "Hi Ada, about tea: Ada again"


def test_single_braces_and_json_stay_literal():
    text = 'Answer as JSON {"items": [{"name": "x", "qty": {"n": 1}}]} for {{dish}} {not_a_var}'
    t = Template(text)
    assert t.variables == ("dish",)
    assert t.render({"dish": "soup"}) == text.replace("{{dish}}", "soup")


def test_triple_braces_keep_the_outer_brace_literal():
    assert Template("{{{x}}}").render({"x": "1"}) == "{1}"


def test_missing_variables_are_named_in_the_error():
    t = Template("{{a}} {{b}} {{c}}")
    with pytest.raises(MissingVariableError) as info:
        t.render({"b": "2"})
    assert info.value.names == ("a", "c")
    assert str(info.value) == "missing value for template variables: a, c"
    assert isinstance(info.value, TemplateError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hello {{name", "unclosed '{{' at line 1, column 7"),
        ("line one\n  {{}} here", "empty placeholder '{{}}' at line 2, column 3"),
        ("{{1st}}", "invalid placeholder name '1st' at line 1, column 1"),
        ("{{first name}}", "invalid placeholder name 'first name'"),
    ],
)
def test_bad_syntax_gets_a_specific_message(text, message):
    with pytest.raises(TemplateError, match=re.escape(message)):
        Template.parse(text)


def test_import_from_format_string():
    t = Template.from_format_string('Give {n} uses for {item}. Reply as {{"uses": []}}.')
    assert t.text == 'Give {{n}} uses for {{item}}. Reply as {"uses": []}.'
    assert t.variables == ("n", "item")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Use {0}", "not a named variable"),
        ("Use {}", "not a named variable"),
        ("Pay {amount:.2f}", "format spec or conversion"),
        ("Say {word!r}", "format spec or conversion"),
        ("Broken {name", "not a valid {name} format string"),
        # `{{{{b}}}}` is the literal text `{{b}}`: it must not become a placeholder
        ("Reply {{{{b}}}} for {x}", "literal '{{'"),
        ("a{{{{b", "literal '{{'"),
    ],
)
def test_format_strings_that_cannot_be_imported(text, message):
    with pytest.raises(TemplateError, match=re.escape(message)):
        Template.from_format_string(text)


names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
literals = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30).filter(
    lambda s: "{{" not in s and not s.endswith("{") and not s.startswith("}")
)
values = st.text(max_size=20)


@given(st.text(max_size=200).filter(lambda s: "{{" not in s))
def test_text_without_double_braces_is_literal(text):
    t = Template(text)
    assert t.variables == ()
    assert t.render({}) == text


@given(st.lists(st.tuples(literals, names), max_size=6), literals, st.data())
def test_render_substitutes_every_placeholder_and_nothing_else(parts, tail, data):
    text = "".join(lit + "{{" + name + "}}" for lit, name in parts) + tail
    t = Template(text)
    assert t.variables == tuple(dict.fromkeys(name for _, name in parts))
    chosen = {name: data.draw(values) for name in t.variables}
    expected = "".join(lit + chosen[name] for lit, name in parts) + tail
    assert t.render(chosen) == expected


@given(st.lists(st.tuples(literals, names), min_size=1, max_size=6), st.data())
def test_rendering_without_one_variable_names_it(parts, data):
    t = Template("".join(lit + "{{" + name + "}}" for lit, name in parts))
    dropped = data.draw(st.sampled_from(t.variables))
    with pytest.raises(MissingVariableError) as info:
        t.render({n: "v" for n in t.variables if n != dropped})
    assert info.value.names == (dropped,)


fmt_literals = st.text(alphabet=string.ascii_letters + " .,:;!?-\n{}\"'", max_size=20)


@given(st.lists(st.tuples(fmt_literals, names), max_size=5), fmt_literals, st.data())
def test_format_string_import_renders_like_str_format(parts, tail, data):
    def esc(s: str) -> str:
        return s.replace("{", "{{").replace("}", "}}")

    fmt = "".join(esc(lit) + "{" + name + "}" for lit, name in parts) + esc(tail)
    chosen = {name: data.draw(values) for _, name in parts}
    if any("{{" in lit for lit, _ in parts) or "{{" in tail:
        with pytest.raises(TemplateError, match=re.escape("literal '{{'")):
            Template.from_format_string(fmt)
        return
    assert Template.from_format_string(fmt).render(chosen) == fmt.format(**chosen)
