"""The abc2midi oracle: its Error lines read from its messages (it exits 0 on errors)."""


import pytest

from charrnn.music import reference

pytestmark = pytest.mark.needs("abc2midi")

HEAD = "X:1\nT:t\nM:6/8\nL:1/8\nK:G\n"


def test_a_clean_tune_has_no_errors():
    assert reference.errors(HEAD + "ABc dcB|GAB c3|]\n") == []


@pytest.mark.parametrize("body, expected", [
    ("A {ab{c}}B c4 def|]\n", "Nested grace notes not allowed"),
    ("ABc dcB|A2- c3 z3|]\n", "Could not find note to be tied"),
    ('"xyz"ABc dcB|]\n', "Guitar chord does not start with A-G"),
])
def test_errors_name_what_abc2midi_found(body, expected):
    assert any(expected in error for error in reference.errors(HEAD + body))


def test_messages_carry_kind_and_line():
    found = reference.messages(HEAD + "ABc dcB|ABc dc|ABc dcB|]\n")
    assert ("Warning", 6) in {(kind, line) for kind, line, _ in found}
    assert any("time units while the time signature" in text for _, _, text in found)
