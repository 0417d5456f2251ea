"""The one unified diff: what a person reads in a proposal, `/align diff` and the CLI."""

from alignment.textdiff import unified_diff


def test_a_text_without_a_final_newline_shows_only_the_added_line():
    diff = unified_diff("Summarize:\n{{text}}", "Summarize:\n{{text}}\nBe brief.", "v1", "v2")
    assert diff.splitlines() == [
        "--- v1",
        "+++ v2",
        "@@ -1,2 +1,3 @@",
        " Summarize:",
        " {{text}}",
        "+Be brief.",
    ]


def test_a_changed_line_is_removed_and_added_and_equal_texts_have_no_diff():
    diff = unified_diff("a\nb\n", "a\nc\n")
    assert diff.splitlines()[:2] == ["--- template (current)", "+++ template (proposed)"]
    assert [line for line in diff.splitlines() if line[:1] in "+-" and line[1:2] not in "+-"] == [
        "-b",
        "+c",
    ]
    assert unified_diff("same\ntext", "same\ntext") == ""
    assert unified_diff("a\r\nb", "a\nb") == ""  # line ends are not content
