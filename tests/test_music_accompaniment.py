"""abc2midi's chord accompaniment: where a tune's end cuts a sounding chord short."""

from fractions import Fraction

import pytest

from charrnn.music import reference
from charrnn.music.accompaniment import cuts_a_chord
from charrnn.music.check import check_tune


@pytest.mark.parametrize("meter, last_bar, cut", [
    ("C", Fraction(1, 16), True),  # inside the first step (f), 1/8 long
    ("C", Fraction(1, 8), False),  # on a step's edge
    ("C", Fraction(3, 16), False),  # inside a silent step (z)
    ("C", Fraction(5, 16), True),  # inside the third step (c)
    ("C", Fraction(1), False),
    ("C|", Fraction(1, 16), True),
    ("6/8", Fraction(1, 16), True),
    ("6/8", Fraction(9, 16), False),
    ("3/2", Fraction(1, 16), False),  # no pattern for 3/2: no accompaniment
    (None, Fraction(1, 16), True),  # no meter: abc2midi's 4/4
    ("C", None, False),  # a multi-bar rest
])
def test_where_an_end_cuts_a_chord(meter, last_bar, cut):
    assert cuts_a_chord(meter, last_bar) is cut


@pytest.mark.parametrize("meter, music, cut", [
    ("6/8", '"D"ABc dcB|"G"A/|]', True),
    ("6/8", '"D"ABc dcB|"G"A3/2|]', False),
    ("6/8", 'A|"D"ABc dcB|"G"ABc dB/|]', False),  # a pickup and the last bar that completes it
    ("C", '"D"ABcd efga|ABcd efga|A/|]', True),  # the chord goes on without a symbol
    ("C", '"D"ABcd efga|A2 A/|]', True),
    ("C", '"D"ABcd efga|[M:3/4]A/|]', True),
    ("C", '"D"ABcd efga|[M:6/8]A3/2|]', False),
    ("C", '"D"ABcd efga|[M:6/8]A7/2|]', True),  # the meter the tune ends in sets the pattern
    ("6/8", '"D"ABc def|[M:C]A7/2|]', False),
    ("C", '"2"ABcd efga|A/|]', False),  # a fingering, not a chord
    ("C", '"^hi"ABcd efga|A/|]', False),  # an annotation
    ("3/2", '"D"ABcd efga ABcd|"G"A/|]', False),
])
def test_the_check_refuses_what_abc2midi_sustains_past_the_end(meter, music, cut):
    tune = f"X:1\nT:t\nM:{meter}\nL:1/8\nK:G\n{music}\n"
    problems = check_tune(tune).problems
    assert any("abc2midi's accompaniment" in p for p in problems) is cut, problems
    assert (problems == []) is not cut, problems
    if reference.installed():
        sustained = any("Sustained notes" in e for e in reference.errors(tune))
        assert sustained is cut, reference.messages(tune)
