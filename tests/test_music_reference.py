"""The abc2midi oracle: its Error lines read from its messages (it exits 0 on errors)."""


import pytest

from charrnn.music.abc import reference

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


@pytest.mark.parametrize("check_only", [False, True])
def test_abc2midi_runs_in_a_scratch_directory_of_its_own(tmp_path, monkeypatch, check_only):
    monkeypatch.chdir(tmp_path)
    done = reference.convert(HEAD + "ABc dcB|GAB c3|]\n", "-silent", check_only=check_only)
    assert list(tmp_path.iterdir()) == []
    assert (done.midi is None) is check_only
    assert check_only or done.midi.startswith(b"MThd")


def test_a_tune_abc2midi_cannot_play_writes_no_midi():
    assert reference.convert("T:t\nK:G\nabc\n", "-silent").midi is None  # no X:, no tune
